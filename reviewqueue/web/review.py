"""The review page of one draft, and what its lease holder does there: decide, release, renew,
claim again a draft whose lease ran out. The feedback given there (flag a source, mark a golden
case) is in reviewqueue/web/review_feedback.py.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from typing import Any
from uuid import UUID

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import AbstractBaseUser
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_safe
from django_ratelimit.core import is_ratelimited

from reviewqueue import clock
from reviewqueue.api.serializers import MAX_CONTENT_CHARS
from reviewqueue.models import Decision, Draft, SourceFlag
from reviewqueue.selectors.access import REVIEW, access_draft_for_review, draft_for_person, may
from reviewqueue.services import decisions, leases
from reviewqueue.services.errors import Invalid, NotAllowed, ReviewRefused
from reviewqueue.web.changes import DecisionChanges, decision_history
from reviewqueue.web.forms import DecisionForm
from reviewqueue.web.inbox import claim_next_in
from reviewqueue.web.navigation import post_only, sign_in_first
from reviewqueue.web.refusals import refused
from reviewqueue.web.security import content_security_policy
from reviewqueue.web.signin import client_address

NOT_FOUND = "No such draft."  # the same for a missing draft and one the person may not see


def _last_escalation(history: list[DecisionChanges]) -> Decision | None:
    escalations = [h.decision for h in history if h.decision.action == Decision.Action.ESCALATE]
    return escalations[-1] if escalations else None


def review_page(
    request: HttpRequest,
    draft: Draft,
    form: DecisionForm | None = None,
    status: int = 200,
    flag_typed: Mapping[str, str] | None = None,
) -> HttpResponse:
    holds_lease = draft.lease_is_live_for(request.user.pk, clock.now())
    if form is None and holds_lease:
        # What the reviewer had typed when they flagged a source, given back (see flag_source).
        typed = request.session.pop(_unsaved_key(draft.pk), {})
        if typed.pop(_AFTER_SIGN_OUT, None):
            messages.warning(
                request,
                "Your decision was not made: you had been signed out. What you typed is back in "
                "the form below; check it and submit it again.",
            )
        form = DecisionForm(draft=draft, initial=typed)
    may_review = holds_lease or may(request.user, REVIEW, draft.queue)
    history = decision_history(draft)
    context = {
        "draft": draft,
        "holds_lease": holds_lease,
        "may_review": may_review,
        "may_mark_golden": may_review and draft.status in Draft.DECIDED_BY_A_PERSON,
        "may_claim_again": not holds_lease
        and may_review
        and leases.lost_lease_on(draft, request.user, clock.now()),
        # Why the draft is here, in the words of the reviewer who sent it up, at the top.
        "escalated_by": None if draft.is_final else _last_escalation(history),
        "history": history,
        "sources": _sources_with_flags(draft, request.user, flag_typed or {}),
        "flag_reasons": SourceFlag.Reason.values,
        "form": form,
    }
    return render(request, "review/draft.html", context, status=status)


def _sources_with_flags(
    draft: Draft, user: AbstractBaseUser, flag_typed: Mapping[str, str]
) -> list[dict[str, Any]]:
    """Each cited source with its flags: how many per reason, the person's own flag, and what
    they had chosen and written in a flag that was refused (given back to correct)."""
    flags = list(draft.source_flags.only("source_id", "reason", "flagged_by_id"))
    rows = []
    for source in draft.sources:
        source_id = str(source.get("id"))  # as feedback.flag_source compares them
        on_source = [flag for flag in flags if flag.source_id == source_id]
        counts = Counter(flag.reason for flag in on_source)
        rows.append(
            {
                "source": source,
                "id": source_id,
                "flag_counts": [
                    (reason, counts[reason])
                    for reason in SourceFlag.Reason.values
                    if counts[reason]
                ],
                "my_flag": next((f for f in on_source if f.flagged_by_id == user.pk), None),
                "typed": flag_typed if flag_typed.get("source_id") == source_id else {},
            }
        )
    return rows


def draft_for_review_page(request: HttpRequest, draft_id: UUID) -> Draft:
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
    return review_page(request, draft)


def _keep_typed_decision(request: HttpRequest, kwargs: dict) -> bool:
    """Signed out mid-review: keep the decision they typed for when they are back (review page)."""
    typed = {
        name: request.POST[name]
        for name in _DECISION_FIELDS
        if request.POST.get(name) and len(request.POST[name]) <= MAX_CONTENT_CHARS
    }
    # Anyone signed out can send this form: what is put aside is rate limited per client, as
    # sign-in attempts are, so strangers cannot fill the session table with it.
    if not typed or is_ratelimited(
        request,
        group="keep-typed-decision",
        key=lambda group, request: client_address(request),
        rate=settings.RQ_SIGNIN_RATE_PER_CLIENT,
        increment=True,
    ):
        return False
    request.session[_unsaved_key(kwargs["draft_id"])] = {**typed, _AFTER_SIGN_OUT: "1"}
    return True


@content_security_policy
@sign_in_first(keep=_keep_typed_decision)
@post_only
def decide(request: HttpRequest, draft_id: UUID) -> HttpResponse:
    try:
        draft = draft_for_review_page(request, draft_id)
    except ReviewRefused as exc:
        return refused(request, exc)
    except Http404:
        if not leases.lost_to_revocation(draft_id, request.user):
            raise
        removed = NotAllowed(
            "permission_denied",
            "Your right to review this draft's queue was taken away while you held it: the "
            "decision was not made, and the draft went back to its queue for others.",
        )
        # All they sent, changed or not: comparing it with the draft's text would tell someone
        # who may no longer see the draft whether a guess of that text is right.
        return refused(
            request,
            removed,
            unsaved_text=request.POST.get("content", ""),
            unsaved_comment=request.POST.get("comment", ""),
            unsaved_reason=request.POST.get("reason", ""),
        )
    form = DecisionForm(request.POST, draft=draft)
    if not form.is_valid():
        return review_page(request, draft, form, status=400)
    try:
        decision = decisions.decide(draft_id=draft.pk, user=request.user, **form.decision())
    except Invalid as exc:
        form.add_refusal(exc)
        return review_page(request, draft, form, status=400)
    except ReviewRefused as exc:
        return refused(request, exc, draft=draft, **_typed(request.POST, draft))
    messages.success(request, _decided(decision))
    if request.POST.get("then") == "next" and may(request.user, REVIEW, decision.queue):
        return claim_next_in(request, decision.queue)  # one click per draft, not two
    return redirect("home")


def _decided(decision: Decision) -> str:
    draft, name = decision.draft, decision.draft.external_id
    if draft.status == Draft.Status.AWAITING_SECOND_APPROVAL:
        done = "Approved" if decision.action == Decision.Action.APPROVE else "Approved your edit of"
        return f"{done} {name}; it now waits for a second approval by someone else."
    return {
        Decision.Action.APPROVE: f"Approved {name}.",
        Decision.Action.EDIT: f"Approved {name} with your edits.",
        Decision.Action.REJECT: f"Rejected {name}.",
        Decision.Action.ESCALATE: f"Escalated {name} to {draft.queue.slug}.",
    }[decision.action]


@content_security_policy
@sign_in_first()
@post_only
def release(request: HttpRequest, draft_id: UUID) -> HttpResponse:
    try:
        draft = draft_for_review_page(request, draft_id)
    except ReviewRefused as exc:
        return refused(request, exc)
    try:
        leases.release_lease(draft_id=draft.pk, user=request.user)
    except ReviewRefused as exc:  # typically the lease ran out: what was typed comes back
        return refused(request, exc, draft=draft, **_typed(request.POST, draft))
    released = f"Released {draft.external_id} back to {draft.queue.slug}."
    typed = _typed(request.POST, draft)
    if any(typed.values()):  # the Release button belongs to the decision form
        context = {"draft": draft, "released": released, **typed}
        return render(request, "review/released.html", context)
    messages.success(request, released)
    return redirect("home")


def _typed(post, draft: Draft) -> dict[str, str]:
    """What the reviewer wrote in the decision form that a refusal or a release did not save:
    the text only if they changed it (the box always holds the draft)."""
    text = post.get("content", "")
    changed = bool(text) and not decisions.same_text(text, draft.current_content)
    return {
        "unsaved_text": text if changed else "",
        "unsaved_comment": post.get("comment", ""),
        "unsaved_reason": post.get("reason", ""),
    }


@content_security_policy
@sign_in_first()
@post_only
def claim_again(request: HttpRequest, draft_id: UUID) -> HttpResponse:
    """The draft whose lease ran out on the reviewer, leased to them again (what they had
    typed, sent along from the refusal page, comes back in the form)."""
    try:
        draft = draft_for_review_page(request, draft_id)
        claim = leases.claim_again(draft_id=draft.pk, user=request.user)
    except ReviewRefused as exc:
        return refused(request, exc)
    put_aside_typed_decision(request, draft)
    until = timezone.localtime(claim.draft.lease_expires_at).strftime("%H:%M %Z")
    messages.success(request, f"You hold {draft.external_id} again, until {until}.")
    return redirect("draft", draft_id=draft.pk)


@content_security_policy
@sign_in_first()
@post_only
def renew(request: HttpRequest, draft_id: UUID) -> HttpResponse:
    try:
        draft = draft_for_review_page(request, draft_id)
    except ReviewRefused as exc:
        return refused(request, exc)
    try:
        renewed = leases.renew_lease(draft_id=draft.pk, user=request.user)
    except ReviewRefused as exc:
        # Typically the lease ran out while they typed: give back what they wrote to copy.
        return refused(request, exc, draft=draft, **_typed(request.POST, draft))
    if "renew_lease" in request.POST:  # sent from the decision form: keep what was typed
        put_aside_typed_decision(request, draft)
    until = timezone.localtime(renewed.lease_expires_at).strftime("%H:%M %Z")
    messages.success(request, f"Your lease on {draft.external_id} now runs until {until}.")
    return redirect("draft", draft_id=draft.pk)


def put_aside_typed_decision(request: HttpRequest, draft: Draft) -> None:
    """The lease holder renewed or flagged from inside the decision form (the page runs no
    script): keep what they had typed for the decision until the page comes back."""
    request.session[_unsaved_key(draft.pk)] = {
        name: request.POST[name] for name in _DECISION_FIELDS if request.POST.get(name)
    }


_DECISION_FIELDS = ("action", "content", "error_category", "comment", "reason")


_AFTER_SIGN_OUT = "_after_sign_out"  # marks a decision put aside when its session had ended


def _unsaved_key(draft_id: UUID) -> str:
    return f"unsaved-decision:{draft_id}"
