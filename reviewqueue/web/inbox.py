"""The reviewer's inbox (the home page) and claiming the next draft of a queue."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import AbstractBaseUser
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_safe

from reviewqueue.models import Queue
from reviewqueue.selectors.access import REVIEW, VIEW, access_queue
from reviewqueue.selectors.queues import (
    drafts_in_queue,
    held_drafts,
    queue_overview,
    recent_decisions,
)
from reviewqueue.services import leases
from reviewqueue.services.errors import NotAllowed
from reviewqueue.web.navigation import post_only
from reviewqueue.web.refusals import refused
from reviewqueue.web.security import content_security_policy
from workflows.selectors.access import workflows_with_feedback


@content_security_policy
@login_required
@require_safe
def home(request: HttpRequest) -> HttpResponse:
    context = {
        "queues": queue_overview(request.user),
        "held": held_drafts(request.user),
        "recent": recent_decisions(request.user),
        "roles": sorted(
            group.name.replace("_", " ").capitalize() for group in request.user.groups.all()
        )
        + (["Administrator"] if request.user.is_superuser else []),
        "workflows": workflows_with_feedback(request.user),
    }
    return render(request, "home.html", context)


QUEUE_PAGE_SIZE = 50


@content_security_policy
@login_required
@require_safe
def queue_page(request: HttpRequest, slug: str) -> HttpResponse:
    """The queue's undecided drafts, for anyone who may view it (reviewing or not)."""
    try:
        queue = access_queue(request.user, slug, VIEW)
    except Queue.DoesNotExist as missing:
        raise Http404("No such queue.") from missing
    page = Paginator(drafts_in_queue(queue), QUEUE_PAGE_SIZE).get_page(request.GET.get("page"))
    [overview] = queue_overview(request.user, only=queue)  # the home page's figures for it
    context = {
        "queue": queue,
        "page": page,
        "may_review": overview.may_review,
        "claimable": overview.claimable > 0,
        "now": timezone.now(),
    }
    return render(request, "queue.html", context)


@content_security_policy
@login_required
@post_only
def claim(request: HttpRequest, slug: str) -> HttpResponse:
    try:
        queue = access_queue(request.user, slug, REVIEW)
    except Queue.DoesNotExist as missing:
        raise Http404("No such queue.") from missing
    except NotAllowed as exc:
        return refused(request, exc)
    return claim_next_in(request, queue)


def claim_next_in(request: HttpRequest, queue: Queue) -> HttpResponse:
    """Claim the most urgent draft of the queue and open it; home, saying so, if none waits."""
    claimed = leases.claim_next(queue=queue, user=request.user)
    if claimed is None:
        messages.info(request, _nothing_to_claim(queue, request.user))
        return redirect("home")
    if claimed.already_held:
        messages.info(
            request,
            f"You are already reviewing {claimed.draft.external_id} in {queue.slug}: "
            "decide or release it before claiming another.",
        )
    return redirect("draft", draft_id=claimed.draft.pk)


def _nothing_to_claim(queue: Queue, user: AbstractBaseUser) -> str:
    # The queue's count on the home page includes drafts waiting for someone else's approval:
    # "nothing waiting" beside "Waiting 1" would read as a fault.
    overview = queue_overview(user, only=queue)
    theirs = overview[0].waiting_on_others if overview else 0
    if theirs:
        return (
            f"Nothing for you in {queue.slug}: {theirs} waiting there "
            f"{'needs' if theirs == 1 else 'need'} a second approval by someone other than you."
        )
    return f"Nothing waiting in {queue.slug}."
