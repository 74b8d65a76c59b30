"""The review page of one draft, and what its lease holder does there: decide, release, renew."""

from __future__ import annotations

from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import AbstractBaseUser
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST, require_safe

from reviewqueue.models import Decision, Draft
from reviewqueue.selectors.access import REVIEW, access_draft_for_review, draft_for_person, may
from reviewqueue.services import decisions, leases
from reviewqueue.services.errors import Invalid, ReviewRefused
from reviewqueue.web.forms import DecisionForm
from reviewqueue.web.refusals import refused
from reviewqueue.web.security import content_security_policy

NOT_FOUND = "No such draft."  # the same for a missing draft and one the person may not see


def holds_live_lease(draft: Draft, user: AbstractBaseUser) -> bool:
    return (
        draft.status == Draft.Status.IN_REVIEW
        and draft.leased_by_id == user.pk
        and draft.lease_expires_at is not None
        and draft.lease_expires_at > timezone.now()
    )


def _review_page(
    request: HttpRequest, draft: Draft, form: DecisionForm | None = None, status: int = 200
) -> HttpResponse:
    holds_lease = holds_live_lease(draft, request.user)
    if form is None and holds_lease:
        form = DecisionForm(draft=draft)
    context = {
        "draft": draft,
        "holds_lease": holds_lease,
        "may_review": holds_lease or may(request.user, REVIEW, draft.queue),
        "form": form,
    }
    return render(request, "review/draft.html", context, status=status)


def _draft_for_review(request: HttpRequest, draft_id: UUID) -> Draft:
    """The draft if the person may review it; Http404 if they may not see it, NotAllowed if they
    may only view it."""
    try:
        return access_draft_for_review(request.user, draft_id)
    except Draft.DoesNotExist as missing:
        raise Http404(NOT_FOUND) from missing


@content_security_policy
@login_required
@require_safe
def review(request: HttpRequest, draft_id: UUID) -> HttpResponse:
    try:
        draft = draft_for_person(request.user, draft_id)
    except Draft.DoesNotExist as missing:
        raise Http404(NOT_FOUND) from missing
    return _review_page(request, draft)


@content_security_policy
@login_required
@require_POST
def decide(request: HttpRequest, draft_id: UUID) -> HttpResponse:
    try:
        draft = _draft_for_review(request, draft_id)
    except ReviewRefused as exc:
        return refused(request, exc)
    form = DecisionForm(request.POST, draft=draft)
    if not form.is_valid():
        return _review_page(request, draft, form, status=400)
    try:
        decision = decisions.decide(draft_id=draft.pk, user=request.user, **form.decision())
    except Invalid as exc:
        form.add_refusal(exc)
        return _review_page(request, draft, form, status=400)
    except ReviewRefused as exc:
        return refused(request, exc, draft=draft, unsaved_text=form.decision()["content"])
    messages.success(request, _decided(decision))
    return redirect("home")


def _decided(decision: Decision) -> str:
    draft, name = decision.draft, decision.draft.external_id
    if draft.status == Draft.Status.AWAITING_SECOND_APPROVAL:
        return f"Approved {name}; it now waits for a second approval by someone else."
    return {
        Decision.Action.APPROVE: f"Approved {name}.",
        Decision.Action.EDIT: f"Approved {name} with your edits.",
        Decision.Action.REJECT: f"Rejected {name}.",
        Decision.Action.ESCALATE: f"Escalated {name} to {draft.queue.slug}.",
    }[decision.action]


@content_security_policy
@login_required
@require_POST
def release(request: HttpRequest, draft_id: UUID) -> HttpResponse:
    try:
        draft = _draft_for_review(request, draft_id)
    except ReviewRefused as exc:
        return refused(request, exc)
    try:
        leases.release_lease(draft_id=draft.pk, user=request.user)
    except ReviewRefused as exc:
        return refused(request, exc, draft=draft)
    messages.success(request, f"Released {draft.external_id} back to {draft.queue.slug}.")
    return redirect("home")


@content_security_policy
@login_required
@require_POST
def renew(request: HttpRequest, draft_id: UUID) -> HttpResponse:
    try:
        draft = _draft_for_review(request, draft_id)
    except ReviewRefused as exc:
        return refused(request, exc)
    try:
        renewed = leases.renew_lease(draft_id=draft.pk, user=request.user)
    except ReviewRefused as exc:
        return refused(request, exc, draft=draft)
    until = timezone.localtime(renewed.lease_expires_at).strftime("%H:%M %Z")
    messages.success(request, f"Your lease on {draft.external_id} now runs until {until}.")
    return redirect("draft", draft_id=draft.pk)
