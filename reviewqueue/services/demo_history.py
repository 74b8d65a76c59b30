"""Two weeks of review history for the embedded demo, so the owners' dashboards, the digest and
the golden set have something to show.

Every draft goes through the real path (ingest, claim, decision, callbacks, audit); afterwards
the drafts' and decisions' times are spread over the last 14 days so the day series means
something. Their audit entries keep the time the demo was seeded: the log is never rewritten.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import datetime, timedelta

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from reviewqueue.models import Decision, Draft, Lease, Queue
from reviewqueue.services import decisions, demo, feedback, ingest, leases
from workflows.models import Workflow

DAYS = 14
# (action, error category or escalation reason): what the reviewers did, in this proportion.
CLAIMS_OUTCOMES = (
    [("approve", "")] * 18
    + [("edit", "tone"), ("edit", "missing_information"), ("edit", "calculation_error")] * 2
    + [("reject", "hallucinated_fact"), ("reject", "wrong_policy_cited")] * 2
    + [("escalate", "coverage unclear"), ("escalate", "possible fraud indicators")]
)
FINANCE_OUTCOMES = (
    [("approve", "")] * 11
    + [("edit", "wrong_period"), ("edit", "missing_driver"), ("edit", "tone")]
    + [("reject", "calculation_error")] * 2
)


def seed_history(say: Callable[[str], None] = lambda _: None) -> None:
    """Only into an empty demo: the queues must hold nothing but these drafts while they are
    claimed, since a claim takes the most urgent draft."""
    claims = Workflow.objects.get(slug="claims-intake-summary")
    finance = Workflow.objects.get(slug="finance-variance")
    if Draft.objects.filter(workflow__in=[claims, finance]).exists():
        return
    rng = random.Random(2611)
    decided = 0
    for workflow, queue, reviewer, outcomes, make in (
        (claims, "claims-standard", "adjuster", CLAIMS_OUTCOMES, demo._claim_draft),
        (finance, "finance-review", "controller", FINANCE_OUTCOMES, demo._finance_draft),
    ):
        items = [_ordinary(make(rng, 500 + n), n) for n in range(len(outcomes))]
        with transaction.atomic():
            ingest.receive_drafts(
                key=demo._demo_key(workflow),
                submissions=[ingest.Submission.of(demo._validated(item), item) for item in items],
            )
        decided += _review(
            Queue.objects.get(slug=queue), User.objects.get(username=reviewer), outcomes, rng
        )
    say(f"  {decided} decided drafts of the last {DAYS} days")


def _ordinary(item: dict, n: int) -> dict:
    """A low or medium draft no rule moves: it lands in the standard queue."""
    item = {**item, "external_id": f"history-{item['external_id']}"}
    item["consequence"] = "low" if n % 3 else "medium"
    item["confidence"] = max(item["confidence"], 0.62)
    item.pop("escalate", None)
    if "claim_amount" in item["metadata"]:
        item["metadata"] = {
            **item["metadata"],
            "claim_amount": min(item["metadata"]["claim_amount"], 9900),
        }
    return item


def _review(queue: Queue, reviewer: User, outcomes: list, rng: random.Random) -> int:
    now = timezone.now()
    for n, (action, detail) in enumerate(outcomes):
        claim = leases.claim_next(queue=queue, user=reviewer)
        if claim is None:  # the queue ran out before the history did
            break
        draft = claim.draft
        body: dict = {}
        if action == "edit":
            body = {
                "content": draft.content + " Figures checked against the file.",
                "error_category": detail,
            }
        elif action == "reject":
            body = {"error_category": detail, "comment": "Does not match the file."}
        elif action == "escalate":
            body = {"reason": detail}
        decisions.decide(draft_id=draft.pk, user=reviewer, action=action, **body)
        if n % 9 == 4 and draft.sources:
            feedback.flag_source(
                user=reviewer,
                draft_id=draft.pk,
                source_id=str(draft.sources[0]["id"]),
                reason="stale",
                comment="Superseded wording.",
            )
        if n % 10 == 0 and action == "approve":
            feedback.mark_golden(user=reviewer, draft_id=draft.pk)
        if action == "escalate":
            # Still waiting in the escalation queue: escalated hours ago, within its SLA, so
            # that "escalated on …" and "due in …" on its page agree.
            received = now - timedelta(hours=rng.randint(3, 6))
        else:
            received = now - timedelta(days=rng.randrange(DAYS), hours=rng.randrange(2, 20))
        _spread(draft, received, rng)
    return len(outcomes)


def _spread(draft: Draft, received: datetime, rng: random.Random) -> None:
    claimed = received + timedelta(minutes=rng.randint(3, 90))
    decided = claimed + timedelta(minutes=rng.randint(2, 25))
    times = {"received_at": received, "first_claimed_at": claimed}
    draft.refresh_from_db(fields=["decided_at", "status", "queue"])
    if draft.decided_at is not None:
        times["decided_at"] = decided
    elif draft.status == Draft.Status.ESCALATED:  # waits in the escalation queue
        times["due_at"] = decided + draft.review_queue.sla
    Draft.objects.filter(pk=draft.pk).update(**times)
    Decision.objects.filter(draft=draft).update(decided_at=decided)
    Lease.objects.filter(draft=draft).update(
        started_at=claimed, expires_at=claimed + timedelta(minutes=15), ended_at=decided
    )
    draft.source_flags.update(created_at=decided)
