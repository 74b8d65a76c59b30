"""Retention: draft text is purged once a finished draft is older than its workflow's retention.

The audit log keeps only digests of draft text, so purging never breaks its verification.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from audit import events
from audit.actors import Actor
from audit.chain import digest
from audit.services import Event, record_many
from reviewqueue.models import Decision, Draft
from workflows.models import Workflow

BATCH = 500


def purge_expired(*, now: datetime | None = None) -> int:
    """Purge the text of every finished draft past retention; returns how many."""
    now = now or timezone.now()
    purged = 0
    for workflow in Workflow.objects.all():
        cutoff = now - timedelta(days=workflow.retention_days)
        while True:
            with transaction.atomic():
                batch = list(
                    Draft.objects.filter(
                        workflow=workflow,
                        status__in=Draft.FINAL_STATUSES,
                        updated_at__lt=cutoff,
                        purged_at__isnull=True,
                    )
                    .select_for_update(skip_locked=True, of=("self",))
                    .order_by("updated_at")[:BATCH]
                )
                if not batch:
                    break
                record_many(
                    [
                        Event(
                            events.DRAFT_PURGED,
                            "draft",
                            str(d.pk),
                            workflow.slug,
                            {
                                "content_sha256": digest(d.current_content),
                                "retention_days": workflow.retention_days,
                            },
                        )
                        for d in batch
                    ],
                    actor=Actor.system("retention"),
                )
                ids = [d.pk for d in batch]
                Draft.objects.filter(pk__in=ids).update(
                    content="", reviewed_content=None, purged_at=now, metadata={}, sources=[]
                )
                Decision.objects.filter(draft_id__in=ids).update(content="", diff="")
            purged += len(batch)
    return purged
