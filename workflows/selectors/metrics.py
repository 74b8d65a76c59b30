"""A workflow's metrics over a period: what the owners need to see what goes wrong.

Every figure is one aggregate query on an index that starts with the workflow (drafts by
received or decided time, decisions by decided time), so the answer stays fast with millions
of decisions. Percentiles use PostgreSQL's percentile_cont; SQLite (the demo) computes them here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from django.db import connection
from django.db.models import Aggregate, Count, F, FloatField, Q, Sum
from django.db.models.functions import Extract, TruncDay, TruncWeek

from audit.models import AuditEntry
from reviewqueue.models import Decision, Draft, SourceFlag
from workflows.models import Workflow

FINAL = ["approved", "edited", "rejected"]


class Percentile(Aggregate):
    function = "percentile_cont"
    template = "percentile_cont(%(fraction)s) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = FloatField()

    def __init__(self, expression, fraction: float):
        super().__init__(expression, fraction=fraction)


@dataclass(frozen=True)
class Period:
    start: datetime
    end: datetime
    bucket: str  # "day" | "week"


def _seconds(value) -> float | None:
    if value is None:
        return None
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


def _percentiles(queryset, expression) -> dict[str, float | None]:
    """The SQLite path: the embedded demo's few rows, sorted here."""
    values = sorted(
        _seconds(v) for v in queryset.annotate(d=expression).values_list("d", flat=True) if v
    )
    if not values:
        return {"p50": None, "p95": None}
    return {
        "p50": values[int(0.5 * (len(values) - 1))],
        "p95": values[int(0.95 * (len(values) - 1))],
    }


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def _durations(queryset, prefix: str, expression) -> dict:
    """p50 / p95 of a duration over the queryset, in seconds, as aggregate arguments (PG)."""
    seconds = Extract(expression, "epoch")
    return {f"{prefix}_p50": Percentile(seconds, 0.5), f"{prefix}_p95": Percentile(seconds, 0.95)}


def workflow_metrics(workflow: Workflow, period: Period) -> dict:
    window = {"workflow": workflow}
    received = Draft.objects.filter(
        **window, received_at__gte=period.start, received_at__lt=period.end
    )
    decided = Draft.objects.filter(
        **window, decided_at__gte=period.start, decided_at__lt=period.end, status__in=FINAL
    )
    decisions = Decision.objects.filter(
        **window, decided_at__gte=period.start, decided_at__lt=period.end
    )
    on_postgres = connection.vendor == "postgresql"
    to_first_claim = F("first_claimed_at") - F("received_at")
    to_decision = F("decided_at") - F("received_at")

    # One scan of the period's received drafts, one of its decided drafts (with percentiles).
    intake = received.aggregate(
        count=Count("pk"),
        with_sources=Count("pk", filter=~Q(sources=[])),
        cost=Sum("cost_usd"),
        auto_approved=Count("pk", filter=Q(status="auto_approved")),
        **(_durations(received, "claim", to_first_claim) if on_postgres else {}),
    )
    finished = decided.aggregate(
        **{status: Count("pk", filter=Q(status=status)) for status in FINAL},
        qa_reviewed=Count("pk", filter=Q(qa_sample=True)),
        qa_accepted=Count("pk", filter=Q(qa_sample=True, status="approved")),
        **(_durations(decided, "decision", to_decision) if on_postgres else {}),
    )
    if on_postgres:
        first_claim = {"p50": intake["claim_p50"], "p95": intake["claim_p95"]}
        decision_time = {"p50": finished["decision_p50"], "p95": finished["decision_p95"]}
    else:
        first_claim = _percentiles(received.filter(first_claimed_at__isnull=False), to_first_claim)
        decision_time = _percentiles(decided, to_decision)
    outcomes = {status: finished[status] for status in FINAL}
    total_decided = sum(outcomes.values())
    accepted = outcomes["approved"]
    human = decisions.aggregate(
        all=Count("pk"), escalations=Count("pk", filter=Q(action="escalate"))
    )
    categories = list(
        decisions.filter(is_final=True, error_category__isnull=False)
        .values("error_category__slug")
        .annotate(count=Count("pk"))
        .order_by("-count", "error_category__slug")
    )
    categorised = sum(c["count"] for c in categories)
    reasons = list(
        decisions.filter(action="escalate")
        .values("reason")
        .annotate(count=Count("pk"))
        .order_by("-count")[:10]
    )
    breaches = AuditEntry.objects.filter(
        workflow_slug=workflow.slug,
        action="draft.sla_breached",
        occurred_at__gte=period.start,
        occurred_at__lt=period.end,
    ).count()
    flags = SourceFlag.objects.filter(
        draft__workflow=workflow, created_at__gte=period.start, created_at__lt=period.end
    ).count()
    cost = intake["cost"] or Decimal(0)
    accepted_total = accepted + intake["auto_approved"]
    hours_saved = Decimal(accepted_total) * workflow.minutes_saved_per_accepted_draft / 60
    value = hours_saved * workflow.loaded_hourly_cost_usd
    return {
        "workflow": workflow.slug,
        "from": period.start.isoformat(),
        "to": period.end.isoformat(),
        "drafts_received": intake["count"],
        "drafts_decided": total_decided,
        "outcomes": outcomes,
        "acceptance_rate": _rate(accepted, total_decided),
        "edit_rate": _rate(outcomes["edited"], total_decided),
        "rejection_rate": _rate(outcomes["rejected"], total_decided),
        "escalation_rate": _rate(human["escalations"], human["all"]),
        "error_categories": [
            {
                "category": c["error_category__slug"],
                "count": c["count"],
                "share": _rate(c["count"], categorised),
            }
            for c in categories
        ],
        "escalation_reasons": [{"reason": r["reason"], "count": r["count"]} for r in reasons],
        "auto_approved": intake["auto_approved"],
        "qa_samples": {
            "reviewed": finished["qa_reviewed"],
            "accepted": finished["qa_accepted"],
            "acceptance_rate": _rate(finished["qa_accepted"], finished["qa_reviewed"]),
        },
        "time_to_first_claim_seconds": {k: _seconds(v) for k, v in first_claim.items()},
        "time_to_decision_seconds": {k: _seconds(v) for k, v in decision_time.items()},
        "sla_breaches": breaches,
        "cost_usd": str(cost),
        "cost_per_task_usd": _money(cost, intake["count"]),
        "cost_per_accepted_usd": _money(cost, accepted_total),
        "source_coverage": _rate(intake["with_sources"], intake["count"]),
        "sources_flagged": flags,
        "roi": {
            "accepted_drafts": accepted_total,
            "hours_saved": str(hours_saved.quantize(Decimal("0.01"))),
            "value_usd": str(value.quantize(Decimal("0.01"))),
            "ai_cost_usd": str(cost),
            "net_usd": str((value - cost).quantize(Decimal("0.01"))),
        },
        "series": _series(received, decided, period.bucket),
    }


def _money(amount: Decimal, count: int) -> str | None:
    return str((amount / count).quantize(Decimal("0.000001"))) if count else None


def _series(received, decided, bucket: str) -> list[dict]:
    trunc = TruncWeek if bucket == "week" else TruncDay
    rows: dict[str, dict] = {}
    for row in received.annotate(b=trunc("received_at")).values("b").annotate(n=Count("pk")):
        rows.setdefault(row["b"].date().isoformat(), {})["received"] = row["n"]
    for row in (
        decided.annotate(b=trunc("decided_at")).values("b", "status").annotate(n=Count("pk"))
    ):
        rows.setdefault(row["b"].date().isoformat(), {})[row["status"]] = row["n"]
    return [
        {"bucket": key, "received": v.get("received", 0), **{s: v.get(s, 0) for s in FINAL}}
        for key, v in sorted(rows.items())
    ]
