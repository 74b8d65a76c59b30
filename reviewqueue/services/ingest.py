"""Ingest: a producer's drafts are validated (by the API layer), deduplicated, checked against
quotas, routed and stored, each with its `draft.received` and `draft.routed` audit entries.

One code path serves single and batch ingest; a batch is stored in one transaction with bulk
inserts, and each item gets its own outcome.
"""

from __future__ import annotations

import hashlib
import json
import random
from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction

from audit import events
from audit.actors import Actor
from audit.services import Event, record_many
from reviewqueue import clock
from reviewqueue.models import Draft, Queue
from workflows.callbacks import outbox
from workflows.models import ProducerKey, Workflow
from workflows.routing import LEVELS, DraftFacts, Policy, route
from workflows.services import quotas

CREATED = "created"
REPLAYED = "replayed"
CONFLICT = "idempotency_conflict"
CONSEQUENCE_NOT_ALLOWED = "consequence_not_allowed"


class IngestRefused(Exception):
    """The whole request is refused (e.g. the workflow is paused); `code` says why."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class Submission:
    data: dict[str, Any]  # validated fields of one draft
    body_hash: str  # of the draft as the producer sent it (see body_hash)
    # Drafts stored before numbers were normalised carry the hash of the numbers as written,
    # so that a literal replay of one of those still matches.
    literal_hash: str = ""

    @classmethod
    def of(cls, data: dict[str, Any], raw: Any) -> Submission:
        return cls(data, body_hash(raw), _hash(raw))

    def same_body_as(self, draft: Draft) -> bool:
        return draft.body_hash in (self.body_hash, self.literal_hash)


@dataclass(frozen=True)
class Outcome:
    result: str  # CREATED, REPLAYED, CONFLICT, CONSEQUENCE_NOT_ALLOWED or a quota code
    draft: Draft | None = None


def body_hash(item: Any) -> str:
    """Hash of a parsed JSON body that ignores key order, whitespace and how numbers are
    written: 1, 1.0 and 1e0 are one number in JSON, and a producer's retry through another
    JSON library must not read as a different body."""
    return _hash(_one_spelling(item))


def _one_spelling(value: Any) -> Any:
    if isinstance(value, float) and value.is_integer() and abs(value) <= 2**53:
        return int(value)  # -0.0 too
    if isinstance(value, dict):
        return {k: _one_spelling(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_one_spelling(v) for v in value]
    return value


def _hash(item: Any) -> str:
    canonical = json.dumps(item, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def receive_drafts(*, key: ProducerKey, submissions: list[Submission]) -> list[Outcome]:
    workflow = key.workflow
    if workflow.is_paused:
        raise IngestRefused("workflow_paused", f"workflow '{workflow.slug}' is paused")
    if workflow.current_policy is None:
        raise IngestRefused("workflow_not_configured", f"workflow '{workflow.slug}' has no policy")
    policy = Policy.from_document(
        workflow.current_policy.policy, version=workflow.current_policy.version
    )
    # Auto-approval is earned (workflows/services/automation.py), not written into a policy.
    policy = replace(policy, auto_approve_low=workflow.auto_approve_low)
    queues = {
        q.slug: q for q in Queue.objects.filter(workflow=workflow, slug__in=policy.queue_slugs())
    }
    for attempt in range(3):
        try:
            return _receive_once(key, workflow, policy, queues, submissions)
        except IntegrityError:
            # Another request stored one of these external_ids between our check and our insert;
            # the next pass finds it and answers replay or conflict for it.
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


def record_refused_in_batch(*, key: ProducerKey, path: str, outcomes: list[Outcome]) -> None:
    """A batch answers 200 with a refusal per item; each item the key may not send is an
    `authz.denied` entry, as the same draft sent alone would be (audit/middleware.py)."""
    refused = [o for o in outcomes if o.result == CONSEQUENCE_NOT_ALLOWED]
    if not refused:
        return
    with transaction.atomic():
        record_many(
            [
                Event(
                    events.ACCESS_DENIED,
                    object_type="endpoint",
                    object_id=path[:64],
                    workflow_slug=key.workflow.slug,
                    data={
                        "method": "POST",
                        "path": path[:500],
                        "status": 403,
                        "code": CONSEQUENCE_NOT_ALLOWED,
                        "batch_item": True,
                    },
                )
                for _ in refused
            ],
            actor=Actor.producer(key),
        )


def _receive_once(
    key: ProducerKey,
    workflow: Workflow,
    policy: Policy,
    queues: dict[str, Queue],
    submissions: list[Submission],
) -> list[Outcome]:
    outcomes: list[Outcome | None] = [None] * len(submissions)
    external_ids = [s.data["external_id"] for s in submissions]
    stored = {
        d.external_id: d
        for d in Draft.objects.filter(
            workflow=workflow, external_id__in=external_ids
        ).select_related("queue", "policy")
    }
    fresh: list[int] = []
    first_in_batch: dict[str, int] = {}
    for index, submission in enumerate(submissions):
        external_id = submission.data["external_id"]
        earlier = stored.get(external_id)
        if earlier is not None:
            same = submission.same_body_as(earlier)
            outcomes[index] = Outcome(REPLAYED if same else CONFLICT, earlier)
        elif external_id in first_in_batch:
            continue  # resolved against the first occurrence once it is stored
        elif not _consequence_allowed(key, submission.data["consequence"]):
            outcomes[index] = Outcome(CONSEQUENCE_NOT_ALLOWED)
        else:
            first_in_batch[external_id] = index
            fresh.append(index)

    if fresh:
        now = clock.now()
        with transaction.atomic():
            costs = [_usd(submissions[i].data) for i in fresh]
            verdict = quotas.consume(workflow=workflow, costs=costs, now=now)
            for position, code in verdict.refused.items():
                outcomes[fresh[position]] = Outcome(code)
            drafts = [
                _new_draft(key, workflow, policy, queues, submissions[fresh[p]], now)
                for p in verdict.accepted
            ]
            Draft.objects.bulk_create(drafts)
            record_many(_ingest_events(drafts, key), actor=Actor.producer(key))
            for draft in drafts:
                if draft.status == Draft.Status.AUTO_APPROVED:
                    outbox.enqueue(draft, "draft.auto_approved")
        for position, draft in zip(verdict.accepted, drafts, strict=True):
            outcomes[fresh[position]] = Outcome(CREATED, draft)

    # Repeats of an external_id within the same batch follow its first occurrence.
    for index, submission in enumerate(submissions):
        if outcomes[index] is None:
            first = outcomes[first_in_batch[submission.data["external_id"]]]
            assert first is not None
            if first.draft is None:
                outcomes[index] = first
            else:
                same = submission.same_body_as(first.draft)
                outcomes[index] = Outcome(REPLAYED if same else CONFLICT, first.draft)
    return [o for o in outcomes if o is not None]


def _usd(data: dict[str, Any]) -> Decimal:
    return Decimal(str((data.get("cost") or {}).get("usd") or 0))


def _consequence_allowed(key: ProducerKey, consequence: str) -> bool:
    if not key.max_consequence:
        return True
    return LEVELS.index(consequence) <= LEVELS.index(key.max_consequence)


def _new_draft(
    key: ProducerKey,
    workflow: Workflow,
    policy: Policy,
    queues: dict[str, Queue],
    submission: Submission,
    now: datetime,
) -> Draft:
    data = submission.data
    escalate_reason = (data.get("escalate") or {}).get("reason")
    routing = route(
        policy,
        DraftFacts(
            consequence=data["consequence"],
            confidence=data.get("confidence"),
            metadata=data.get("metadata"),
            escalate_reason=escalate_reason,
        ),
    )
    queue = queues[routing.queue] if routing.queue else None
    reason, qa_sample = routing.reason, False
    if routing.auto_approved and workflow.qa_queue_id and _sampled(workflow):
        # A random share of auto-approvals is checked by humans: the QA queue.
        queue, qa_sample = workflow.qa_queue, True
        reason = f"QA sample of auto-approval ({routing.reason})"
    if routing.auto_approved and not qa_sample:
        status = Draft.Status.AUTO_APPROVED
    elif escalate_reason:
        status = Draft.Status.ESCALATED
    else:
        status = Draft.Status.QUEUED
    model = data.get("model") or {}
    cost = data.get("cost") or {}
    return Draft(
        workflow=workflow,
        producer_key=key,
        external_id=data["external_id"],
        body_hash=submission.body_hash,
        title=data.get("title", ""),
        content=data["content"],
        consequence=data["consequence"],
        confidence=data.get("confidence"),
        sources=data.get("sources", []),
        model_name=model.get("name", ""),
        model_version=model.get("version", ""),
        prompt_version=model.get("prompt_version", ""),
        input_tokens=cost.get("input_tokens"),
        output_tokens=cost.get("output_tokens"),
        cost_usd=cost.get("usd"),
        metadata=data.get("metadata", {}),
        callback_url=data.get("callback_url", ""),
        escalation_request=escalate_reason or "",
        status=status,
        queue=queue,
        routing_reason=reason,
        policy=workflow.current_policy,
        received_at=now,
        due_at=(now + queue.sla) if queue else None,
        decided_at=now if status == Draft.Status.AUTO_APPROVED else None,
        qa_sample=qa_sample,
    )


def _sampled(workflow: Workflow) -> bool:
    return random.random() < float(workflow.qa_sample_rate)


def _ingest_events(drafts: list[Draft], key: ProducerKey) -> list[Event]:
    entries: list[Event] = []
    for draft in drafts:
        common = {
            "object_type": "draft",
            "object_id": str(draft.pk),
            "workflow_slug": key.workflow.slug,
        }
        entries.append(
            Event(
                events.DRAFT_RECEIVED,
                data={
                    "external_id": draft.external_id,
                    "consequence": draft.consequence,
                    "body_hash": draft.body_hash,
                },
                **common,
            )
        )
        entries.append(
            Event(
                events.DRAFT_ROUTED,
                data={
                    "after": {
                        "status": draft.status,
                        "queue": draft.queue.slug if draft.queue else None,
                        "due_at": draft.due_at.isoformat() if draft.due_at else None,
                    },
                    "reason": draft.routing_reason,
                    "policy_version": draft.policy.version,
                },
                **common,
            )
        )
        if draft.status == Draft.Status.AUTO_APPROVED:
            # Decided by no person: the log says so, and under which switch-on it happened.
            on_since = key.workflow.automation_on_since
            entries.append(
                Event(
                    events.DRAFT_AUTO_APPROVED,
                    data={
                        "after": {"status": draft.status},
                        "automation_on_since": on_since.isoformat() if on_since else None,
                    },
                    **common,
                )
            )
    return entries
