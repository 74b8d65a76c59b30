"""Retention: draft text is purged once a finished draft is older than its workflow's retention.

Purged is every free text that came from the AI draft or from people working on it: the draft's
title, content, reviewed content, metadata, the producer's escalation reason (also where the
routing reason quotes it) and its sources but their ids; each decision's content, diff, comment
and reason; each source flag's comment; the text in its callbacks' payloads. Kept are the facts:
ids, statuses, times, actions, error categories, who did what, routing rules, costs, digests.
The stored daily metrics of those days keep their escalation counts, not the reasons' words.

A draft whose callback is still pending waits for a later run: that payload is what the producer
is about to receive, and once the draft is marked purged nothing would clear it afterwards.

Audit rows are never touched (a trigger refuses it), so the chain keeps verifying; entries carry
digests of the draft text. Text that some entries quote themselves (a source flag's comment, an
escalation's reason, the routing reason) stays in the log: that has to be fixed where it is
written, not here.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, TypeAlias, TypedDict

from django.db import transaction
from django.db.models import CharField, Exists, Func, OuterRef
from django.db.models.functions import Coalesce
from django.utils import timezone

from audit import events
from audit.actors import Actor
from audit.services import Event, record_many
from reviewqueue.models import Decision, Draft, SourceFlag
from workflows.models import CallbackDelivery, MetricsDay, Workflow
from workflows.selectors.tally import PURGED_REASON

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations

    class _Hash(TypedDict):
        content_sha256: str

    _HashedDraft: TypeAlias = WithAnnotations[Draft, _Hash]  # with its text's digest

BATCH = 500
PENDING = CallbackDelivery.Status.PENDING
# Allow-lists, not deny-lists: a field added to the payload later is dropped until someone
# decides it is a fact. The text fields keep their key with an empty value, so a purged payload
# still has the shape producers know.
_PAYLOAD_FACTS = frozenset({"type", "timestamp"})
_DATA_FACTS = frozenset({"draft_id", "external_id", "workflow", "status"})
_DATA_TEXT = {"final_content": None}
_DECISION_FACTS = frozenset({"action", "reviewer", "error_category", "decided_at"})
_DECISION_TEXT = {"comment": "", "reason": ""}


def purge_expired(*, now: datetime | None = None) -> int:
    """Purge the text of every finished draft past retention; returns how many."""
    now = now or timezone.now()
    purged = 0
    for workflow in Workflow.objects.all():
        cutoff = now - timedelta(days=workflow.retention_days)
        while True:
            locked, done = _purge_batch(workflow, cutoff, now)
            purged += done
            if locked < BATCH:  # nothing more is due (drafts locked by others wait a run)
                break
        _purge_stored_reasons(workflow, cutoff)
    return purged


def _purge_stored_reasons(workflow: Workflow, cutoff: datetime) -> None:
    """The stored daily metrics of days past retention keep how many escalations there were,
    not the reviewers' or the producer's words for them (each reason's count becomes one)."""
    for stored in MetricsDay.objects.filter(workflow=workflow, day__lt=cutoff.date()):
        changed = False
        for kind in ("reasons", "producer_reasons"):
            reasons = stored.tally.get(kind) or {}
            if set(reasons) - {PURGED_REASON}:
                stored.tally[kind] = {PURGED_REASON: sum(reasons.values())}
                changed = True
        if changed:
            stored.save(update_fields=["tally"])


def _purge_batch(workflow: Workflow, cutoff: datetime, now: datetime) -> tuple[int, int]:
    """One transaction: lock up to BATCH due drafts, purge them; returns (locked, purged)."""
    with transaction.atomic():
        drafts = _lock_due_drafts(workflow, cutoff)
        if not drafts:
            return 0, 0
        callbacks = _lock_callbacks([d.pk for d in drafts])
        # A resend may have made a callback pending since the drafts were chosen: its draft waits.
        waiting = {c.draft_id for c in callbacks if c.status == PENDING}
        purged = [d for d in drafts if d.pk not in waiting]
        ids = [d.pk for d in purged]
        record_many(
            [
                Event(
                    events.DRAFT_PURGED,
                    "draft",
                    str(d.pk),
                    workflow.slug,
                    {
                        "content_sha256": d.content_sha256,
                        "retention_days": workflow.retention_days,
                    },
                )
                for d in purged
            ],
            actor=Actor.system("retention"),
        )
        _purge_drafts(purged, now)
        Decision.objects.filter(draft_id__in=ids).update(content="", diff="", comment="", reason="")
        SourceFlag.objects.filter(draft_id__in=ids).update(comment="")
        _purge_payloads([c for c in callbacks if c.draft_id not in waiting])
    return len(drafts), len(purged)


def _lock_due_drafts(workflow: Workflow, cutoff: datetime) -> list[_HashedDraft]:
    pending = CallbackDelivery.objects.filter(draft=OuterRef("pk"), status=PENDING)
    return list(
        Draft.objects.filter(
            workflow=workflow,
            status__in=Draft.FINAL_STATUSES,
            updated_at__lt=cutoff,
            purged_at__isnull=True,
        )
        .filter(~Exists(pending))
        # Locked so a concurrent run skips these instead of purging (and auditing) them twice.
        .select_for_update(skip_locked=True, of=("self",), no_key=True)
        .only("pk", "sources", "routing_reason", "escalation_request")
        # The digest of the text as it stands (Draft.current_content), without fetching the text.
        .annotate(content_sha256=_Sha256Hex(Coalesce("reviewed_content", "content")))
        .order_by("updated_at")[:BATCH]
    )


class _Sha256Hex(Func):
    """audit.chain.digest computed by the database (SQLite: Django's SHA256 function)."""

    function = "SHA256"
    output_field = CharField()

    def as_postgresql(
        self, compiler: Any, connection: Any, **extra_context: Any
    ) -> tuple[str, Any]:
        # Built in since PostgreSQL 11; Django's own SHA256 needs the pgcrypto extension.
        template = "ENCODE(SHA256(CONVERT_TO(%(expressions)s, 'UTF8')), 'hex')"
        return self.as_sql(compiler, connection, template=template, **extra_context)


def _lock_callbacks(draft_ids: Sequence[Any]) -> list[CallbackDelivery]:
    # Locked so a resend (which locks the row too) cannot make one pending while it is purged.
    return list(
        CallbackDelivery.objects.filter(draft_id__in=draft_ids)
        .select_for_update(of=("self",), no_key=True)
        .only("pk", "draft_id", "status", "payload")
        .order_by("pk")
    )


def _purge_drafts(drafts: Sequence[Draft], now: datetime) -> None:
    Draft.objects.filter(pk__in=[d.pk for d in drafts]).update(
        title="",
        content="",
        reviewed_content=None,
        metadata={},
        escalation_request="",
        purged_at=now,
    )
    # Sources and the routing reason differ per draft: one CASE statement for those that change.
    changed = []
    for draft in drafts:
        sources, reason = _source_ids(draft.sources), _routing_reason_without_request(draft)
        if sources != draft.sources or reason != draft.routing_reason:
            draft.sources, draft.routing_reason = sources, reason
            changed.append(draft)
    Draft.objects.bulk_update(changed, ["sources", "routing_reason"])


def _source_ids(sources: Any) -> list[dict[str, Any]]:
    # The ids stay: source flags name them, and metrics count drafts that cited any source.
    if not isinstance(sources, list):
        return []
    return [{"id": s["id"]} for s in sources if isinstance(s, dict) and "id" in s]


def _routing_reason_without_request(draft: Draft) -> str:
    # Routing quotes the producer's escalation request: "producer asked to escalate (<it>) …".
    if not draft.escalation_request:
        return draft.routing_reason
    return draft.routing_reason.replace(f"({draft.escalation_request})", "(purged)")


def _purge_payloads(callbacks: list[CallbackDelivery]) -> None:
    changed = []
    for callback in callbacks:
        payload = purged_payload(callback.payload)
        if payload != callback.payload:
            callback.payload = payload
            changed.append(callback)
    CallbackDelivery.objects.bulk_update(changed, ["payload"])


def purged_payload(payload: Any) -> dict[str, Any]:
    """A callback payload without its text (final content, the decision's comment and reason)."""
    if not isinstance(payload, dict):
        return {}
    kept = _facts(payload, _PAYLOAD_FACTS, {})
    data = payload.get("data")
    if isinstance(data, dict):
        kept["data"] = _facts(data, _DATA_FACTS, _DATA_TEXT)
        if isinstance(data.get("decision"), dict):
            kept["data"]["decision"] = _facts(data["decision"], _DECISION_FACTS, _DECISION_TEXT)
    return kept


def _facts(values: dict[str, Any], facts: frozenset[str], blanks: dict[str, Any]) -> dict[str, Any]:
    return {
        key: blanks.get(key, value)
        for key, value in values.items()
        if key in facts or key in blanks
    }
