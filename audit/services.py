"""The one way anything writes to the audit log."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from audit import events
from audit.actors import Actor
from audit.context import current_request_id
from audit.models import AuditEntry


@dataclass(frozen=True)
class Event:
    action: str
    object_type: str
    object_id: str
    workflow_slug: str = ""
    data: dict[str, Any] = field(default_factory=dict)


def _entry(event: Event, actor: Actor, now: datetime) -> AuditEntry:
    if event.action not in events.REGISTERED:
        raise ValueError(f"unregistered audit event {event.action!r}: add it to audit/events.py")
    return AuditEntry(
        occurred_at=now,
        actor_type=actor.kind,
        actor_id=actor.id,
        actor_label=actor.label,
        action=event.action,
        object_type=event.object_type,
        object_id=event.object_id,
        workflow_slug=event.workflow_slug,
        request_id=current_request_id.get(),
        data=event.data,
    )


def _require_transaction() -> None:
    # An entry outside the change's transaction could survive a rolled-back change (or be lost
    # after a committed one); refuse rather than log something untrue.
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("audit entries must be written inside the transaction of the change")


def record(
    action: str,
    *,
    actor: Actor,
    object_type: str,
    object_id: Any,
    workflow_slug: str = "",
    data: dict[str, Any] | None = None,
) -> AuditEntry:
    """Append one entry, inside the caller's transaction."""
    _require_transaction()
    event = Event(action, object_type, str(object_id), workflow_slug, data or {})
    entry = _entry(event, actor, timezone.now())
    entry.save(force_insert=True)
    return entry


def record_many(events_: list[Event], *, actor: Actor) -> None:
    """Append several entries in one statement (batch ingest), inside the caller's transaction."""
    _require_transaction()
    now = timezone.now()
    AuditEntry.objects.bulk_create([_entry(e, actor, now) for e in events_])


def record_export(*, actor: Actor, kind: str, filters: dict[str, list[str]]) -> None:
    """An export of the log is itself on the log, recorded before the first byte leaves: an
    export cut short is still there, with the filters it was asked for."""
    with transaction.atomic():
        record(
            events.AUDIT_EXPORTED,
            actor=actor,
            object_type="audit_log",
            object_id="export",
            data={"format": kind, "filters": filters},
        )
