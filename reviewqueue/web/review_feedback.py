"""Feedback from the review page by anyone who may review the draft's queue: flag a cited
source as stale or wrong, mark a decided draft as a golden case."""

from __future__ import annotations

from uuid import UUID

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect

from reviewqueue.models import Draft, SourceFlag
from reviewqueue.services import feedback
from reviewqueue.services.errors import Invalid, ReviewRefused
from reviewqueue.web.navigation import post_only, sign_in_first
from reviewqueue.web.refusals import refused
from reviewqueue.web.review import (
    NOT_FOUND,
    draft_for_review_page,
    put_aside_typed_decision,
    review_page,
)
from reviewqueue.web.security import content_security_policy


class SourceFlagForm(forms.Form):
    # The id goes in the body, not the path: producers' ids may hold "/", "?", "#" or spaces.
    source_id = forms.CharField(max_length=200, strip=False)
    reason = forms.ChoiceField(choices=SourceFlag.Reason.choices)
    comment = forms.CharField(max_length=2000, required=False)


class GoldenForm(forms.Form):
    golden = forms.TypedChoiceField(
        choices=[("true", "Mark"), ("false", "Remove")], coerce=lambda value: value == "true"
    )


@content_security_policy
@sign_in_first()
@post_only
def flag_source(request: HttpRequest, draft_id: UUID) -> HttpResponse:
    try:
        draft = draft_for_review_page(request, draft_id)
    except ReviewRefused as exc:
        return refused(request, exc)
    fields = _flag_fields(request.POST, draft)
    form = SourceFlagForm(fields)
    if "flag_source" in request.POST:
        put_aside_typed_decision(request, draft)
    if not form.is_valid():
        messages.error(request, _flag_problem(form))
        return review_page(request, draft, status=400, flag_typed=fields)
    try:
        flag = feedback.flag_source(user=request.user, draft_id=draft.pk, **form.cleaned_data)
    except Draft.DoesNotExist as missing:  # the view right was revoked a moment ago
        raise Http404(NOT_FOUND) from missing
    except Invalid as exc:
        messages.error(request, exc.message)
        return review_page(request, draft, status=400, flag_typed=fields)
    except ReviewRefused as exc:
        return refused(request, exc, draft=draft)
    messages.success(request, f"Flagged “{_source_name(draft, flag.source_id)}” as {flag.reason}.")
    return redirect("draft", draft_id=draft.pk)


def _flag_problem(form: SourceFlagForm) -> str:
    if "comment" in form.errors:
        return (
            f"The note on a flag can be at most {SourceFlagForm.base_fields['comment'].max_length}"
            " characters: shorten it and flag the source again."
        )
    if "source_id" not in form.errors:
        return "Choose stale or wrong under “Flag as”, then flag the source again."
    return "Choose a source and whether it is stale or wrong to flag it."


def _flag_fields(post, draft: Draft) -> dict[str, str]:
    """The flag's fields: from its own form, or (lease holder) the decision form's button, whose
    value is the source's place in the list and whose fields carry that place in their names."""
    if "flag_source" not in post:
        return post
    try:
        index = int(post["flag_source"])
        if index < 0:
            raise IndexError(index)
        source_id = str(draft.sources[index].get("id"))
    except (ValueError, IndexError, AttributeError):
        return {}
    return {
        "source_id": source_id,
        "reason": post.get(f"flag_reason_{index}", ""),
        "comment": post.get(f"flag_comment_{index}", ""),
    }


def _source_name(draft: Draft, source_id: str) -> str:
    titles = (s.get("title") for s in draft.sources if str(s.get("id")) == source_id)
    return next(titles, None) or source_id


@content_security_policy
@sign_in_first()
@post_only
def mark_golden(request: HttpRequest, draft_id: UUID) -> HttpResponse:
    try:
        draft = draft_for_review_page(request, draft_id)
    except ReviewRefused as exc:
        return refused(request, exc)
    form = GoldenForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose whether to mark or remove the golden case.")
        return review_page(request, draft, status=400)
    golden = form.cleaned_data["golden"]
    try:
        feedback.mark_golden(user=request.user, draft_id=draft.pk, golden=golden)
    except Draft.DoesNotExist as missing:
        raise Http404(NOT_FOUND) from missing
    except ReviewRefused as exc:
        return refused(request, exc, draft=draft)
    if golden:
        messages.success(request, f"Marked {draft.external_id} as a golden case.")
    else:
        messages.success(request, f"Removed {draft.external_id} from the golden set.")
    return redirect("draft", draft_id=draft.pk)
