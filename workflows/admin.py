import copy
import json

from django import forms
from django.contrib import admin
from django.db import models, transaction
from django.utils.html import format_html

from audit.actors import Actor
from reviewqueue.admin import AtomicGuardedAdmin, save_audited
from reviewqueue.admin_secrets import SecretShownOnceAdmin
from reviewqueue.models import Queue
from workflows.models import ErrorCategory, ProducerKey, Workflow
from workflows.routing import LEVELS, PolicyError
from workflows.services.keys import create_producer_key, revoke_producer_key
from workflows.services.policies import check_policy, set_routing_policy
from workflows.services.workflows import keep_roi_history

EXAMPLE_POLICY = {
    "levels": {"low": "standard", "medium": "standard", "high": "senior", "critical": "critical"},
    "escalation_queue": "escalations",
    "rules": [{"field": "metadata.claim_amount", "op": ">", "value": 10000, "queue": "senior"}],
}


def _policy_help(example: dict, lead: str) -> str:
    return format_html(
        "Leave empty to keep the policy in force. Written here, it becomes the next version "
        "(drafts already routed keep theirs). Each consequence level names a queue of this "
        "workflow; rules compare <code>confidence</code> or <code>metadata.…</code> with "
        "<code>&lt; &lt;= &gt; &gt;= == != in</code> and send a draft at least to their queue. "
        "{}: <code>{}</code>",
        lead,
        json.dumps(example),
    )


def _https_by_default(db_field, **kwargs):
    # As the admin's formfield_overrides below: a scheme-less URL is taken as https.
    if isinstance(db_field, models.URLField):
        kwargs.setdefault("assume_scheme", "https")
    return db_field.formfield(**kwargs)


def _example_policy(workflow: Workflow) -> dict | None:
    """A valid policy made of the workflow's own queues (None before it has any), so that the
    example on its page can be pasted and adapted rather than rewritten."""
    queues = list(Queue.objects.filter(workflow=workflow).order_by("approvals_required", "slug"))
    if not queues:
        return None
    targets = {q.escalation_queue_id for q in queues if q.escalation_queue_id}
    review = [q.slug for q in queues if q.pk not in targets] or [queues[0].slug]
    escalation = next((q.slug for q in queues if q.pk in targets), review[-1])
    senior = review[min(1, len(review) - 1)]
    return {
        "levels": {"low": review[0], "medium": review[0], "high": senior, "critical": review[-1]},
        "escalation_queue": escalation,
        "rules": [{"field": "confidence", "op": "<", "value": 0.5, "queue": senior}],
    }


class WorkflowForm(forms.ModelForm):
    """The workflow, and a new version of its routing policy when one is written in."""

    new_routing_policy = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 10, "cols": 80, "spellcheck": "false"}),
        help_text=_policy_help(EXAMPLE_POLICY, "For example"),
    )

    class Meta:
        model = Workflow
        fields = "__all__"  # noqa: DJ007  the admin chooses (its exclude and read-only fields)
        formfield_callback = _https_by_default

    def clean_new_routing_policy(self) -> dict | None:
        text = self.cleaned_data["new_routing_policy"].strip()
        if not text:
            return None
        if self.instance.pk is None:
            raise forms.ValidationError(
                "Save the workflow and create its queues first; then write its policy here."
            )
        try:
            document = json.loads(text)
            check_policy(self.instance, document)
        except json.JSONDecodeError as exc:
            raise forms.ValidationError(f"Not valid JSON: {exc}") from exc
        except PolicyError as exc:
            raise forms.ValidationError(f"Not a routing policy of this workflow: {exc}") from exc
        return document


class ErrorCategoryInline(admin.TabularInline):
    """Categories are switched off (`is_active`), never deleted: decisions cite them."""

    model = ErrorCategory
    extra = 0
    can_delete = False


@admin.register(Workflow)
class WorkflowAdmin(AtomicGuardedAdmin):
    audit_object_type = "workflow"
    # The one right checked per workflow (the dashboard and metrics); editing is the admin's.
    object_permissions = ("view_workflow_metrics",)
    list_display = ["slug", "name", "output_kind", "rollout_stage", "is_paused"]
    # Auto-approval is earned, not ticked: owners switch it on through the dashboard or the API.
    form = WorkflowForm
    readonly_fields = [
        "current_policy",
        "routing_policy_in_force",
        "callback_secret_rotated_at",
        "auto_approve_low",
    ]
    # The signing secret is never shown or typed here: `manage.py rotate_callback_secret`
    # prints a new one once.
    exclude = ["callback_secret", "previous_callback_secret"]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    inlines = [ErrorCategoryInline]

    def get_readonly_fields(self, request, obj=None):
        # The audit log, metrics and producers' keys know a workflow by its slug: renaming it
        # would split its history in two.
        fields = list(super().get_readonly_fields(request, obj))
        return [*fields, "slug"] if obj is not None else fields

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        example = _example_policy(obj) if obj is not None else None
        if example and "new_routing_policy" in form.base_fields:
            # A copy: the declared field is shared by every form class made from WorkflowForm.
            field = copy.deepcopy(form.base_fields["new_routing_policy"])
            field.help_text = _policy_help(example, "For example, with this workflow's queues")
            form.base_fields["new_routing_policy"] = field
        field = form.base_fields.get("qa_queue")
        if field is not None:
            # This workflow's queues only (Workflow.clean refuses others); none before it exists.
            field.queryset = Queue.objects.filter(workflow=obj) if obj else Queue.objects.none()
        return form

    @admin.display(description="Routing policy in force")
    def routing_policy_in_force(self, obj: Workflow) -> str:
        if obj.current_policy is None:
            return "None yet: the workflow accepts no drafts until one is written below."
        return format_html(
            "<pre>{}</pre>", json.dumps(obj.current_policy.policy, indent=2, sort_keys=True)
        )

    def save_model(self, request, obj, form, change):
        # The change, its place in the ROI history and a new policy version commit together.
        with transaction.atomic():
            super().save_model(request, obj, form, change)
            keep_roi_history(obj)
            document = form.cleaned_data.get("new_routing_policy")
            if document is not None:
                set_routing_policy(
                    workflow=obj, document=document, actor=Actor.person(request.user)
                )

    def save_formset(self, request, form, formset, change):
        if formset.model is not ErrorCategory:
            return super().save_formset(request, form, formset, change)
        for category in formset.save(commit=False):
            save_audited(request, category, "error_category", category.save)
        formset.save_m2m()


class NewProducerKeyForm(forms.Form):
    workflow = forms.ModelChoiceField(
        queryset=Workflow.objects.order_by("slug"), to_field_name="slug"
    )
    name = forms.CharField(max_length=100, required=False, help_text="Whose system it is for.")
    max_consequence = forms.ChoiceField(
        label="Highest consequence",
        required=False,
        choices=[("", "any level"), *((level, level) for level in LEVELS)],
        help_text="Drafts above this level are refused with 403 consequence_not_allowed.",
    )


@admin.register(ProducerKey)
class ProducerKeyAdmin(SecretShownOnceAdmin):
    """Keys are created here or with `manage.py create_producer_key`; the secret is shown once."""

    list_display = ["prefix", "workflow", "name", "created_at", "last_used_at", "revoked_at"]
    readonly_fields = ["workflow", "prefix", "created_at", "last_used_at", "revoked_at"]
    exclude = ["key_hash"]
    add_form = NewProducerKeyForm
    add_intro = "A producing system sends drafts to one workflow with its key."
    secret_use = "The producer sends it as Authorization: Bearer <secret>."

    actions = ["revoke"]

    def save_model(self, request, obj, form, change):
        # Its name and highest consequence level: a change of what the key may send is audited.
        save = super().save_model
        save_audited(request, obj, "producer_key", lambda: save(request, obj, form, change))

    def create(self, data: dict, actor: Actor) -> tuple[ProducerKey, str]:
        return create_producer_key(
            workflow=data["workflow"],
            name=data["name"],
            max_consequence=data["max_consequence"],
            actor=actor,
        )

    def has_delete_permission(self, request, obj=None):
        return False  # revoke instead: the drafts a key sent keep naming it

    @admin.action(description="Revoke selected keys")
    def revoke(self, request, queryset):
        for key in queryset.select_related("workflow"):
            revoke_producer_key(key=key, actor=Actor.person(request.user))
