"""Queue overviews: what waits where, for the people who may see it."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Count, Min, Q, QuerySet
from django.db.models.functions import Now

from reviewqueue.models import Decision, Draft, Queue
from reviewqueue.selectors.access import REVIEW, VIEW, drafts_visible_to, queues_for


def queue_overview(user: AbstractBaseUser, only: Queue | None = None) -> list[Queue]:
    """Queues the person may view (or just `only`, if they may), with `waiting` (claimable now,
    expired leases included), `waiting_on_others` (of those, drafts they approved first),
    `claimable` (the rest), `in_review`, `oldest_due_at`, `may_review` and `two_for_critical`
    set. Three queries, whatever the queue count."""
    now = Now()  # the database's clock, as for the leases themselves
    expired = Q(drafts__status=Draft.Status.IN_REVIEW, drafts__lease_expires_at__lte=now)
    _waiting = Q(drafts__status__in=Draft.CLAIMABLE_STATUSES) | expired
    live = Q(drafts__status=Draft.Status.IN_REVIEW, drafts__lease_expires_at__gt=now)
    # What a claim skips for this person (services/leases.py, _lock_first): drafts whose text
    # as it stands they approved first; those wait for someone else.
    theirs = _waiting & Q(drafts__first_approver=user)
    reviewable = set(queues_for(user, REVIEW).values_list("pk", flat=True))
    visible = queues_for(user, VIEW)
    if only is not None:
        visible = visible.filter(pk=only.pk)
    queues = list(
        visible.select_related("workflow", "escalation_queue")
        .annotate(
            waiting=Count("drafts", filter=_waiting),
            in_review=Count("drafts", filter=live),
            waiting_on_others=Count("drafts", filter=theirs),
            oldest_due_at=Min("drafts__due_at", filter=_waiting),
        )
        .order_by("slug")
    )
    # A critical draft escalated here keeps needing two approvals (Draft.approvals_needed).
    receives_escalations = set(
        Queue.objects.filter(escalation_queue__isnull=False).values_list(
            "escalation_queue_id", flat=True
        )
    )
    for queue in queues:
        queue.two_for_critical = queue.approvals_required == 1 and queue.pk in receives_escalations
        queue.may_review = queue.pk in reviewable
        queue.claimable = queue.waiting - queue.waiting_on_others if queue.may_review else 0
    return queues


def held_drafts(user: AbstractBaseUser) -> list[Draft]:
    """The drafts the person holds a live lease on, soonest lease end first (the home page's
    way back to them)."""
    return list(
        Draft.objects.filter(
            status=Draft.Status.IN_REVIEW, leased_by=user, lease_expires_at__gt=Now()
        )
        .select_related("queue")
        .only("id", "external_id", "title", "lease_expires_at", "queue__slug")
        .order_by("lease_expires_at")
    )


def drafts_in_queue(queue: Queue) -> QuerySet[Draft]:
    """The queue's undecided drafts in the order claims take them: most urgent first."""
    return (
        Draft.objects.filter(queue=queue)
        .exclude(status__in=Draft.FINAL_STATUSES)
        .select_related("leased_by", "first_approver")
        .order_by("due_at", "received_at", "id")
    )


@dataclass(frozen=True)
class RecentDecision:
    decision: Decision
    visible: bool  # False once the draft moved where the person may not look (escalated up)


def recent_decisions(user: AbstractBaseUser, limit: int = 10) -> list[RecentDecision]:
    """The person's latest decisions, newest first: what they just did stays findable, also
    when the draft went on to a queue they cannot open."""
    decisions = list(
        Decision.objects.filter(reviewer=user)
        .select_related("draft__queue", "queue")
        .order_by("-decided_at", "-pk")[:limit]
    )
    visible = set(
        drafts_visible_to(user)
        .filter(pk__in=[d.draft_id for d in decisions])
        .values_list("pk", flat=True)
    )
    return [RecentDecision(d, d.draft_id in visible) for d in decisions]
