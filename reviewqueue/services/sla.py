"""The SLA sweep: drafts still undecided past their due time move to the escalation queue.

Idempotent and safe on two workers at once: each batch locks its drafts with SKIP LOCKED, and a
draft that was handled has either a new due time (moved) or `sla_breached_at` set (nowhere to go).
Drafts under a live lease are left to their reviewer; they are swept once the lease ends.
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from audit import events
from audit.actors import Actor
from audit.services import record
from reviewqueue.models import Draft, Lease
from reviewqueue.services.leases import return_to_queue
from workflows.callbacks import outbox

BATCH = 200
SWEEPER = Actor.system("sla sweep")


def escalate_overdue(*, now: datetime | None = None) -> int:
    """Escalate (or, with nowhere to go, mark breached) every overdue draft; returns how many."""
    now = now or timezone.now()
    handled = 0
    while True:
        with transaction.atomic():
            batch = list(
                Draft.objects.filter(
                    Q(status__in=Draft.CLAIMABLE_STATUSES)
                    | Q(status=Draft.Status.IN_REVIEW, lease_expires_at__lte=now),
                    due_at__lte=now,
                    sla_breached_at__isnull=True,
                )
                .order_by("due_at")
                .select_for_update(skip_locked=True, of=("self",))
                .select_related("queue__escalation_queue", "workflow", "leased_by")[:BATCH]
            )
            for draft in batch:
                _escalate(draft, now)
        handled += len(batch)
        if len(batch) < BATCH:
            return handled


def _escalate(draft: Draft, now: datetime) -> None:
    if draft.status == Draft.Status.IN_REVIEW:
        return_to_queue(draft, Lease.End.EXPIRED, now, SWEEPER)
    queue, target = draft.queue, draft.queue.escalation_queue
    before = {"status": draft.status, "queue": queue.slug, "due_at": draft.due_at.isoformat()}
    common = {"actor": SWEEPER, "object_type": "draft", "object_id": draft.pk}
    record(
        events.DRAFT_SLA_BREACHED,
        workflow_slug=draft.workflow.slug,
        data={"queue": queue.slug, "due_at": before["due_at"], "sla": str(queue.sla)},
        **common,
    )
    if target is None:
        draft.sla_breached_at = now  # nowhere further to go: recorded once, stays here
        draft.save(update_fields=["sla_breached_at", "updated_at"])
        return
    draft.queue = target
    draft.status = Draft.Status.ESCALATED
    draft.due_at = now + target.sla
    # A first approval stands; the escalation queue's reviewer may give the second.
    draft.save(update_fields=["queue", "status", "due_at", "updated_at"])
    outbox.enqueue(draft, "draft.escalated")
    record(
        events.DRAFT_ESCALATED,
        workflow_slug=draft.workflow.slug,
        data={
            "before": before,
            "after": {
                "status": draft.status,
                "queue": target.slug,
                "due_at": draft.due_at.isoformat(),
            },
            "reason": "sla_breached",
        },
        **common,
    )
