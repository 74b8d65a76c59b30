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
from django.db.models import Aggregate, Count, F, FloatField, Min, Q, Sum
from django.db.models.functions import TruncDay, TruncWeek

from audit.models import AuditEntry
from reviewqueue.models import Decision, Draft, Lease, SourceFlag
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
    if connection.vendor == "postgresql":
        # Durations in seconds, so percentile_cont works on numbers.
        from django.db.models.functions import Extract

        seconds = Extract(expression, "epoch")
        found = queryset.aggregate(p50=Percentile(seconds, 0.5), p95=Percentile(seconds, 0.95))
        return {k: _seconds(v) for k, v in found.items()}
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

    intake = received.aggregate(
        count=Count("pk"),
        with_sources=Count("pk", filter=~Q(sources=[])),
        cost=Sum("cost_usd"),
        auto_approved=Count("pk", filter=Q(status="auto_approved")),
    )
    outcomes = dict(decided.values_list("status").annotate(n=Count("pk")))
    total_decided = sum(outcomes.values())
    accepted = outcomes.get("approved", 0)
    human = decisions.aggregate(
        all=Count("pk"), escalations=Count("pk", filter=Q(action="escalate"))
    )
    categories = list(
        decisions.filter(is_final=True, error_category__isnull=False)
        .values("error_category__slug")
        .annotate(count=Count("pk"))
        .order_by("-count")
    )
    categorised = sum(c["count"] for c in categories)
    reasons = list(
        decisions.filter(action="escalate")
        .values("reason")
        .annotate(count=Count("pk"))
        .order_by("-count")[:10]
    )
    qa = Draft.objects.filter(
        **window, qa_sample=True, decided_at__gte=period.start, decided_at__lt=period.end
    ).aggregate(reviewed=Count("pk"), accepted=Count("pk", filter=Q(status="approved")))
    first_claims = (
        Lease.objects.filter(draft__in=received)
        .values("draft_id")
        .annotate(first=Min("started_at"), received=Min("draft__received_at"))
    )
    to_first_claim = (
        _percentiles(first_claims, F("first") - F("received"))
        if connection.vendor != "postgresql"
        else _first_claim_pg(received)
    )
    to_decision = _percentiles(decided, (F("decided_at") - F("received_at")))
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
        "outcomes": {s: outcomes.get(s, 0) for s in FINAL},
        "acceptance_rate": _rate(accepted, total_decided),
        "edit_rate": _rate(outcomes.get("edited", 0), total_decided),
        "rejection_rate": _rate(outcomes.get("rejected", 0), total_decided),
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
            "reviewed": qa["reviewed"],
            "accepted": qa["accepted"],
            "acceptance_rate": _rate(qa["accepted"], qa["reviewed"]),
        },
        "time_to_first_claim_seconds": to_first_claim,
        "time_to_decision_seconds": to_decision,
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


def _first_claim_pg(received) -> dict[str, float | None]:
    sql, params = received.values("pk").query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY s),"
            " percentile_cont(0.95) WITHIN GROUP (ORDER BY s) FROM ("
            " SELECT extract(epoch FROM min(l.started_at) - min(d.received_at)) AS s"
            " FROM reviewqueue_lease l JOIN reviewqueue_draft d ON d.id = l.draft_id"
            f" WHERE l.draft_id IN ({sql}) GROUP BY l.draft_id) AS firsts",
            params,
        )
        p50, p95 = cursor.fetchone()
    return {"p50": _seconds(p50), "p95": _seconds(p95)}


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
