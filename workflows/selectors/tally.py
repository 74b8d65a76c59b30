"""A workflow's raw figures per UTC day: the counts the metrics are made of, added day by day.

Each figure is keyed by when its event happened (drafts by received time, first claims by
first-claim time, outcomes and decisions by decision time, breaches and flags by their time), so
a day's tally is final once the day is over and tallies of several days simply add up. The two
durations are kept as log-bucketed histograms (the DDSketch idea: bucket k holds values in
(γ^(k-1), γ^k] milliseconds), which add up too and give any percentile within 1 % of the
exact value.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from django.db.models import Count, F, FloatField, Func, Q, Sum
from django.db.models.functions import TruncDay

from audit.models import AuditEntry
from reviewqueue.models import Decision, Draft, SourceFlag
from workflows.models import Workflow
from workflows.routing import PRODUCER_ESCALATION

FINAL = list(Draft.DECIDED_BY_A_PERSON)
# How an escalation reason is counted once retention purged its words (reviewqueue/services/
# retention.py): the escalation still counts, its text is gone.
PURGED_REASON = "(reason purged after retention)"
RELATIVE_ACCURACY = 0.01
_GAMMA = (1 + RELATIVE_ACCURACY) / (1 - RELATIVE_ACCURACY)
_LOG_GAMMA = math.log(_GAMMA)


class Milliseconds(Func):
    """`later - earlier` in milliseconds, as a float."""

    arg_joiner = " - "
    template = "(EXTRACT(EPOCH FROM (%(expressions)s)) * 1000)"
    output_field = FloatField()

    def as_sqlite(self, compiler, connection, **extra):
        return self.as_sql(
            compiler,
            connection,
            template="((julianday(%(expressions)s)) * 86400000.0)",
            arg_joiner=") - julianday(",
            **extra,
        )


class HistogramBucket(Func):
    """The bucket of a duration in milliseconds: 0 for up to 1 ms, else ceil(log_γ(ms))."""

    template = (
        f"CASE WHEN %(expressions)s <= 1 THEN 0 "
        f"ELSE CEILING(LN(%(expressions)s) / {_LOG_GAMMA!r}) END"
    )
    output_field = FloatField()


def bucket_value(bucket: int) -> float:
    """The milliseconds a bucket stands for: within RELATIVE_ACCURACY of every value in it."""
    return 0.0 if bucket <= 0 else 2 * _GAMMA**bucket / (_GAMMA + 1)


def percentile(histogram: Counter, fraction: float) -> float | None:
    """The value at rank floor(fraction × (n − 1)) of the histogram's values, in seconds."""
    total = sum(histogram.values())
    if not total:
        return None
    rank = int(fraction * (total - 1))
    seen = 0
    for bucket in sorted(histogram):
        seen += histogram[bucket]
        if seen > rank:
            return round(bucket_value(bucket) / 1000, 3)
    raise AssertionError("rank beyond the histogram")  # pragma: no cover


@dataclass
class Tally:
    counts: Counter = field(default_factory=Counter)
    cost_usd: Decimal = Decimal(0)
    categories: Counter = field(default_factory=Counter)
    reasons: Counter = field(default_factory=Counter)
    producer_reasons: Counter = field(default_factory=Counter)  # escalations asked at ingest
    claim_wait: Counter = field(default_factory=Counter)  # histogram of ms to first claim
    decision_time: Counter = field(default_factory=Counter)  # histogram of ms to decision

    def add(self, other: Tally) -> None:
        self.counts.update(other.counts)
        self.cost_usd += other.cost_usd
        self.categories.update(other.categories)
        self.reasons.update(other.reasons)
        self.producer_reasons.update(other.producer_reasons)
        self.claim_wait.update(other.claim_wait)
        self.decision_time.update(other.decision_time)

    def to_json(self) -> dict:
        return {
            "counts": dict(self.counts),
            "cost_usd": str(self.cost_usd),
            "categories": dict(self.categories),
            "reasons": dict(self.reasons),
            "producer_reasons": dict(self.producer_reasons),
            # JSON object keys are strings; buckets are ints again in from_json.
            "claim_wait": {str(k): v for k, v in self.claim_wait.items()},
            "decision_time": {str(k): v for k, v in self.decision_time.items()},
        }

    @classmethod
    def from_json(cls, data: dict) -> Tally:
        return cls(
            counts=Counter(data["counts"]),
            cost_usd=Decimal(data["cost_usd"]),
            categories=Counter(data["categories"]),
            reasons=Counter(data["reasons"]),
            producer_reasons=Counter(data.get("producer_reasons", {})),
            claim_wait=Counter({int(k): v for k, v in data["claim_wait"].items()}),
            decision_time=Counter({int(k): v for k, v in data["decision_time"].items()}),
        )


TALLY_VERSION = 2  # raise when Tally's meaning or shape changes: stored days are recomputed


def tally_by_day(workflow: Workflow, start: datetime, end: datetime) -> dict[date, Tally]:
    """Every day's tally in [start, end), one grouped query per kind of event."""
    days: dict[date, Tally] = {}

    def day(value: datetime) -> Tally:
        return days.setdefault(value.date(), Tally())

    def between(name: str) -> dict:
        return {f"{name}__gte": start, f"{name}__lt": end}

    drafts = Draft.objects.filter(workflow=workflow)
    received = drafts.filter(**between("received_at"))
    for row in (
        received.annotate(d=TruncDay("received_at"))
        .values("d")
        .annotate(
            n=Count("pk"),
            with_sources=Count("pk", filter=~Q(sources=[])),
            cost=Sum("cost_usd"),
            auto_approved=Count("pk", filter=Q(status="auto_approved")),
        )
    ):
        tally = day(row["d"])
        tally.counts.update(
            received=row["n"], with_sources=row["with_sources"], auto_approved=row["auto_approved"]
        )
        tally.cost_usd += row["cost"] or Decimal(0)

    asked = received.filter(routing_reason__startswith=PRODUCER_ESCALATION)
    for row in (
        asked.annotate(d=TruncDay("received_at"))
        .values("d", "escalation_request")
        .annotate(n=Count("pk"))
    ):
        tally = day(row["d"])
        tally.counts["escalated_by_producer"] += row["n"]
        tally.producer_reasons[row["escalation_request"] or PURGED_REASON] += row["n"]

    decided = drafts.filter(**between("decided_at"), status__in=FINAL)
    for row in (
        decided.annotate(d=TruncDay("decided_at"))
        .values("d")
        .annotate(
            **{status: Count("pk", filter=Q(status=status)) for status in FINAL},
            qa_reviewed=Count("pk", filter=Q(qa_sample=True)),
            qa_accepted=Count("pk", filter=Q(qa_sample=True, status="approved")),
        )
    ):
        day(row.pop("d")).counts.update(row)

    decisions = Decision.objects.filter(workflow=workflow, **between("decided_at")).annotate(
        d=TruncDay("decided_at")
    )
    for row in decisions.values("d").annotate(
        n=Count("pk"), escalations=Count("pk", filter=Q(action="escalate"))
    ):
        day(row["d"]).counts.update(decisions=row["n"], escalations=row["escalations"])
    for row in (
        decisions.filter(is_final=True, error_category__isnull=False)
        .values("d", "error_category__slug")
        .annotate(n=Count("pk"))
    ):
        day(row["d"]).categories[row["error_category__slug"]] += row["n"]
    for row in decisions.filter(action="escalate").values("d", "reason").annotate(n=Count("pk")):
        day(row["d"]).reasons[row["reason"] or PURGED_REASON] += row["n"]

    breaches = AuditEntry.objects.filter(
        workflow_slug=workflow.slug, action="draft.sla_breached", **between("occurred_at")
    )
    for row in breaches.annotate(d=TruncDay("occurred_at")).values("d").annotate(n=Count("pk")):
        day(row["d"]).counts["sla_breaches"] += row["n"]
    flags = SourceFlag.objects.filter(draft__workflow=workflow, **between("created_at"))
    for row in flags.annotate(d=TruncDay("created_at")).values("d").annotate(n=Count("pk")):
        day(row["d"]).counts["sources_flagged"] += row["n"]

    claimed = drafts.filter(**between("first_claimed_at"))
    for row in _histogram(claimed, "first_claimed_at", "received_at"):
        day(row["d"]).claim_wait[int(row["k"])] += row["n"]
    for row in _histogram(decided, "decided_at", "received_at"):
        day(row["d"]).decision_time[int(row["k"])] += row["n"]
    return days


def _histogram(queryset, later: str, earlier: str):
    """(day of `later`, bucket, count) rows of the duration `later - earlier`."""
    bucket = HistogramBucket(Milliseconds(F(later), F(earlier)))
    return queryset.annotate(d=TruncDay(later), k=bucket).values("d", "k").annotate(n=Count("pk"))
