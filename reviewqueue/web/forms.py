"""The decision form on the review page.

It turns the page's fields into the decision service's arguments; the service judges them (the
text, the reason, the error category, the lease) and its refusals are shown next to the fields.
"""

from __future__ import annotations

from django import forms

from reviewqueue.api.serializers import MAX_CONTENT_CHARS
from reviewqueue.models import Decision, Draft
from reviewqueue.services.errors import Invalid
from reviewqueue.text import unify_line_ends
from workflows.models import ErrorCategory

Action = Decision.Action


class DecisionForm(forms.Form):
    action = forms.ChoiceField(label="Decision", widget=forms.RadioSelect)
    content = forms.CharField(
        label="Text",
        required=False,
        strip=False,
        max_length=MAX_CONTENT_CHARS,
        widget=forms.Textarea(attrs={"rows": 12, "spellcheck": "true"}),
        help_text="Change it here and choose “Edit” to approve your corrected version.",
    )
    error_category = forms.ChoiceField(
        label="Error category",
        required=False,
        help_text="What was wrong with the draft. Required to edit or reject.",
    )
    comment = forms.CharField(
        label="Comment",
        required=False,
        max_length=10_000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    # Offered once an approval, rejection or escalation was refused for carrying changed text:
    # the page runs no script, so putting the draft's text back by hand was the only way on.
    discard_changes = forms.BooleanField(
        label="Discard my changes to the text and decide on the draft as it was",
        required=False,
    )
    reason = forms.CharField(
        label="Reason for escalating",
        required=False,
        max_length=2000,
        # A textarea, not a one-line input: Enter there would submit whichever decision is chosen.
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Required to escalate.",
    )

    def __init__(self, *args, draft: Draft, **kwargs):
        kwargs.setdefault("label_suffix", "")
        initial = {"content": draft.current_content, **kwargs.pop("initial", {})}
        super().__init__(*args, initial=initial, **kwargs)
        self.draft = draft
        escalation = draft.queue.escalation_queue if draft.queue else None
        actions = [
            (Action.APPROVE, "Approve as written"),
            (Action.EDIT, "Edit: approve with my changes"),
            (Action.REJECT, "Reject"),
        ]
        if escalation is not None:
            actions.append((Action.ESCALATE, f"Escalate to {escalation.slug}"))
        else:
            del self.fields["reason"]  # nowhere to escalate to: nothing to give a reason for
        self.fields["action"].choices = actions
        for field in self.fields.values():
            # A browser cuts pasted text at maxlength without a word, and the decision would
            # then carry text the reviewer never saw cut; the limit is checked here instead,
            # and the form comes back with all of the text and what to shorten.
            field.widget.attrs.pop("maxlength", None)
        categories = ErrorCategory.objects.filter(workflow_id=draft.workflow_id, is_active=True)
        self.fields["error_category"].choices = [("", "—")] + [
            (category.slug, category.label) for category in categories
        ]

    def clean_content(self) -> str:
        return unify_line_ends(self.cleaned_data["content"])

    def decision(self) -> dict:
        """The cleaned form as keyword arguments for `decisions.decide`.

        The text box always holds the draft and the reason box is always there: what the
        reviewer changed or typed is passed on whatever the action, so that approving changed
        text is refused rather than the changes quietly dropped.
        """
        data = self.cleaned_data
        action, text, reason = data["action"], data["content"], data.get("reason", "")
        changed = bool(text) and text != unify_line_ends(self.draft.current_content)
        if changed and action != Action.EDIT and data.get("discard_changes"):
            changed = False  # they chose to let the changes go
        return {
            "action": action,
            "content": text if action == Action.EDIT or changed else None,
            "error_category": data["error_category"] or None,
            "comment": data["comment"],
            "reason": reason if action == Action.ESCALATE or reason.strip() else "",
        }

    def add_refusal(self, exc: Invalid) -> None:
        """Show the service's validation refusal next to the fields it names."""
        names = [name if name in self.fields else None for name in exc.fields] or [None]
        message = exc.message
        if exc.fields.get("content") == "not_allowed":
            self.offers_discard = True
            message += " Or tick “Discard my changes” below the text to go on without them."
        for name in names:
            self.add_error(name, message)

    offers_discard = False
