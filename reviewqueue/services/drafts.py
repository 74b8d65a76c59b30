"""Producer-side changes to a stored draft."""

from __future__ import annotations

from uuid import UUID

from django.db import transaction

from audit import events
from audit.actors import Actor
from audit.services import record
from reviewqueue import clock
from reviewqueue.models import Draft, Lease
from reviewqueue.services.leases import clear_lease
from workflows.callbacks import outbox
from workflows.models import ProducerKey


class DraftAlreadyFinal(Exception):
    def __init__(self, draft: Draft):
        super().__init__(f"draft is already {draft.status}")
        self.draft = draft


def withdraw_draft(*, key: ProducerKey, draft_id: UUID) -> Draft:
    """Withdraw a draft nobody has decided yet. Raises Draft.DoesNotExist or DraftAlreadyFinal."""
    with transaction.atomic():
        # Lock the draft so a decision being recorded at this moment and the withdrawal
        # cannot both win: whichever locks second sees the other's status.
        draft = (
            Draft.objects.select_for_update(of=("self",), no_key=True)
            .select_related("queue", "workflow", "policy")
            .get(pk=draft_id, workflow_id=key.workflow_id)
        )
        if draft.is_final:
            raise DraftAlreadyFinal(draft)
        before = {"status": draft.status, "queue": draft.queue.slug if draft.queue else None}
        if draft.status == Draft.Status.IN_REVIEW:
            Lease.objects.filter(draft=draft, ended_at__isnull=True).update(
                ended_at=clock.now(), end_reason=Lease.End.WITHDRAWN
            )
            clear_lease(draft)
        draft.status = Draft.Status.WITHDRAWN
        draft.save()
        record(
            events.DRAFT_WITHDRAWN,
            actor=Actor.producer(key),
            object_type="draft",
            object_id=draft.pk,
            workflow_slug=draft.workflow.slug,
            data={"before": before, "after": {"status": draft.status}},
        )
        outbox.enqueue(draft, "draft.withdrawn")
    return draft
