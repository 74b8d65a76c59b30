"""Creating review queues."""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction

from audit import events
from audit.actors import Actor
from audit.services import record
from reviewqueue.models import Queue
from workflows.models import Workflow


def create_queue(
    *,
    slug: str,
    name: str,
    workflow: Workflow,
    actor: Actor,
    sla: timedelta,
    lease_duration: timedelta = timedelta(minutes=15),
    escalation_queue: Queue | None = None,
    approvals_required: int = 1,
) -> Queue:
    with transaction.atomic():
        queue = Queue.objects.create(
            slug=slug,
            name=name,
            workflow=workflow,
            sla=sla,
            lease_duration=lease_duration,
            escalation_queue=escalation_queue,
            approvals_required=approvals_required,
        )
        record(
            events.QUEUE_CREATED,
            actor=actor,
            object_type="queue",
            object_id=queue.pk,
            workflow_slug=workflow.slug,
            data={
                "after": {
                    "slug": slug,
                    "sla_seconds": sla.total_seconds(),
                    "lease_seconds": lease_duration.total_seconds(),
                    "escalation_queue": escalation_queue.slug if escalation_queue else None,
                    "approvals_required": approvals_required,
                }
            },
        )
    return queue
