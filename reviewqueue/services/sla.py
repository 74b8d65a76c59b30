"""The SLA sweep: drafts still undecided past their due time move to the escalation queue.

Every breach is recorded once (`draft.sla_breached`, which metrics count) when it happens, also
for a draft a reviewer holds under a live lease: that draft stays with its reviewer, and moves
as soon as the lease ends undecided. A draft whose queue has nowhere further to go is recorded
once and stays.

Idempotent and safe on two workers at once: each batch locks its drafts with SKIP LOCKED, and a
draft that was handled has a new due time (moved) or `sla_breached_at` set (recorded).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from django.db import transaction
from django.db.models import Q, QuerySet

from audit import events
from audit.actors import Actor
from audit.services import record
from reviewqueue import clock
from reviewqueue.models import Draft, Lease
from reviewqueue.services.leases import return_to_queue
from workflows.callbacks import outbox

BATCH = 200
SWEEPER = Actor.system("sla sweep")


def escalate_overdue(*, now: datetime | None = None) -> int:
    """Handle every overdue draft: record the breach, and escalate it unless a reviewer holds it
    (or it has nowhere to go). Returns how many drafts were handled."""
    now = now or clock.now()
    overdue = Draft.objects.filter(due_at__lte=now)
    free = Q(status__in=Draft.CLAIMABLE_STATUSES) | Q(
        status=Draft.Status.IN_REVIEW, lease_expires_at__lte=now
    )
    new_breach = overdue.filter(sla_breached_at__isnull=True)
    return (
        _sweep(new_breach.filter(free), now, _escalate)
        + _sweep(new_breach.filter(status=Draft.Status.IN_REVIEW), now, _record_under_lease)
        # Breached under a lease that has since ended undecided: move it now.
        + _sweep(
            overdue.filter(
                free, sla_breached_at__isnull=False, queue__escalation_queue__isnull=False
            ),
            now,
            lambda draft, at: _escalate(draft, at, breach_recorded=True),
        )
    )


def _sweep(
    drafts: QuerySet[Draft], now: datetime, handle: Callable[[Draft, datetime], None]
) -> int:
    handled = 0
    while True:
        with transaction.atomic():
            batch = list(
                drafts.order_by("due_at")
                .select_for_update(skip_locked=True, of=("self",), no_key=True)
                .select_related("queue__escalation_queue", "workflow", "leased_by")[:BATCH]
            )
            for draft in batch:
                handle(draft, now)
        handled += len(batch)
        if len(batch) < BATCH:
            return handled


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def _record_breach(draft: Draft) -> None:
    record(
        events.DRAFT_SLA_BREACHED,
        actor=SWEEPER,
        object_type="draft",
        object_id=draft.pk,
        workflow_slug=draft.workflow.slug,
        data={
            "queue": draft.review_queue.slug,
            "due_at": _iso(draft.due_at),
            "sla": str(draft.review_queue.sla),
            **({"leased_by": draft.leased_by.get_username()} if draft.leased_by else {}),
        },
    )


def _record_under_lease(draft: Draft, now: datetime) -> None:
    # The reviewer keeps working; the breach counts now, the move waits for the lease to end.
    _record_breach(draft)
    draft.sla_breached_at = now
    draft.save(update_fields=["sla_breached_at", "updated_at"])


def _escalate(draft: Draft, now: datetime, breach_recorded: bool = False) -> None:
    if draft.status == Draft.Status.IN_REVIEW:
        return_to_queue(draft, Lease.End.EXPIRED, now, SWEEPER)
    queue = draft.review_queue
    target = queue.escalation_queue
    before = {"status": draft.status, "queue": queue.slug, "due_at": _iso(draft.due_at)}
    common: dict[str, Any] = {"actor": SWEEPER, "object_type": "draft", "object_id": draft.pk}
    if not breach_recorded:
        _record_breach(draft)
    if target is None:
        draft.sla_breached_at = now  # nowhere further to go: recorded once, stays here
        draft.save(update_fields=["sla_breached_at", "updated_at"])
        return
    draft.queue = target
    draft.status = Draft.Status.ESCALATED
    draft.due_at = now + target.sla
    draft.sla_breached_at = None  # a new due time, in a new queue
    # A first approval stands; the escalation queue's reviewer may give the second.
    draft.save(update_fields=["queue", "status", "due_at", "sla_breached_at", "updated_at"])
    outbox.enqueue(draft, "draft.escalated")
    record(
        events.DRAFT_ESCALATED,
        workflow_slug=draft.workflow.slug,
        data={
            "before": before,
            "after": {
                "status": draft.status,
                "queue": target.slug,
                "due_at": _iso(draft.due_at),
            },
            "reason": "sla_breached",
        },
        **common,
    )
