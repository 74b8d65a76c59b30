"""The page shown when a service refuses a reviewer's action (403 or 409)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from reviewqueue import clock
from reviewqueue.models import Draft
from reviewqueue.services import leases
from reviewqueue.services.errors import Conflict, ReviewRefused


def refused(
    request: HttpRequest,
    exc: ReviewRefused,
    *,
    draft: Draft | None = None,
    unsaved_text: str | None = None,
    unsaved_comment: str = "",
    unsaved_reason: str = "",
) -> HttpResponse:
    """403 for what the person may not do, 409 for what the draft's state does not allow now.

    `unsaved_text`, `unsaved_comment` and `unsaved_reason` are what the reviewer wrote, shown
    again so a lost lease loses no work.
    """
    status = 409 if isinstance(exc, Conflict) else 403
    now = clock.now()
    context = {
        "refusal": exc,
        "draft": draft,
        "holds_lease": draft is not None and draft.lease_is_live_for(request.user.pk, now),
        # Their lease ran out and nobody took the draft: one click to hold it again, typed
        # work included.
        "may_claim_again": draft is not None
        and exc.code == "no_live_lease"
        and leases.lost_lease_on(draft, request.user, now),
        "unsaved_text": unsaved_text,
        "unsaved_comment": unsaved_comment,
        "unsaved_reason": unsaved_reason,
        "status": status,
    }
    return render(request, "review/refused.html", context, status=status)
