"""A workflow's metrics over a period: what the owners need to see what goes wrong.

The period's figures are the sum of daily tallies (workflows/selectors/tally.py): closed days
come from the stored rollup (workflows/services/rollups.py), the partial first day and the days
not yet closed are counted live. A month of metrics therefore reads about 30 small rows plus a
day of events, however many decisions the month had.
"""

from __future__ import annotations

from bisect import bisect_left
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from django.utils import timezone

from workflows.models import RoiInputs, Workflow
from workflows.models.core import ROI_INPUTS
from workflows.selectors.tally import FINAL, Tally, percentile, tally_by_day
from workflows.services.rollups import closed_days, midnight


@dataclass(frozen=True)
class Period:
    start: datetime
    end: datetime
    bucket: str  # "day" | "week"


# Periods are asked for within these bounds: further out, date arithmetic leaves what Python and
# PostgreSQL can represent (year 1 or 9999), and no draft was ever received there.
EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
LATEST = datetime(3000, 1, 1, tzinfo=UTC)
OUT_OF_RANGE = "Choose a date from 1970-01-01 up to 2999-12-31."
_TICK = timedelta(microseconds=1)


def daily_tallies(workflow: Workflow, start: datetime, end: datetime) -> dict[date, Tally]:
    """The tally of each day in [start, end): stored where the day is closed, else live."""
    first_whole = (start - timedelta(microseconds=1)).astimezone(UTC).date() + timedelta(days=1)
    stored = closed_days(workflow, first_whole, end.astimezone(UTC).date())
    tallies: dict[date, Tally] = dict(stored)
    gaps = []  # the time ranges no stored day covers
    cursor = start
    for day in sorted(stored):
        if midnight(day) > cursor:
            gaps.append((cursor, midnight(day)))
        cursor = max(cursor, midnight(day) + timedelta(days=1))
    if cursor < end:
        gaps.append((cursor, end))
    for gap_start, gap_end in gaps:
        for day, tally in tally_by_day(workflow, gap_start, gap_end).items():
            tallies.setdefault(day, Tally()).add(tally)
    return tallies


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def _money(amount: Decimal, count: int) -> str | None:
    return str((amount / count).quantize(Decimal("0.000001"))) if count else None


@dataclass(frozen=True)
class RoiEarned:
    hours_saved: Decimal
    value_usd: Decimal
    inputs: list[RoiInputs]  # those in force during the period, oldest first


def roi_earned(workflow: Workflow, days: dict[date, Tally], period: Period) -> RoiEarned:
    """Each day's accepted drafts valued at the ROI inputs in force at the day's end: a change
    of inputs applies from its day on and leaves the return of earlier days as it was."""
    current = {name: getattr(workflow, name) for name in ROI_INPUTS}
    history = list(workflow.roi_history.all())
    if not history or any(getattr(history[-1], n) != v for n, v in current.items()):
        # Inputs changed where no history was kept (a bulk update, say): they apply from now,
        # never silently replaced by the last ones recorded.
        since = timezone.now() if history else EARLIEST
        history.append(RoiInputs(workflow=workflow, since=since, **current))
    starts = [row.since for row in history]

    def in_force(day: date) -> int:
        return max(bisect_left(starts, midnight(day + timedelta(days=1))) - 1, 0)

    hours = value = Decimal(0)
    for day, tally in days.items():
        accepted = tally.counts["approved"] + tally.counts["auto_approved"]
        if accepted:
            inputs = history[in_force(day)]
            saved = Decimal(accepted) * inputs.minutes_saved_per_accepted_draft / 60
            hours += saved
            value += saved * inputs.loaded_hourly_cost_usd
    first, last = period.start.astimezone(UTC).date(), (period.end - _TICK).astimezone(UTC).date()
    return RoiEarned(hours, value, history[in_force(first) : in_force(last) + 1])


def workflow_metrics(workflow: Workflow, period: Period) -> dict:
    days = daily_tallies(workflow, period.start, period.end)
    total = Tally()
    for tally in days.values():
        total.add(tally)
    n = total.counts
    outcomes = {status: n[status] for status in FINAL}
    decided = sum(outcomes.values())
    categorised = sum(total.categories.values())
    cost = total.cost_usd.quantize(Decimal("0.000001"))
    accepted_total = n["approved"] + n["auto_approved"]
    earned = roi_earned(workflow, days, period)
    hours_saved, value = earned.hours_saved, earned.value_usd
    return {
        "workflow": workflow.slug,
        "from": period.start.isoformat(),
        "to": period.end.isoformat(),
        "drafts_received": n["received"],
        "drafts_decided": decided,
        "outcomes": outcomes,
        "acceptance_rate": _rate(n["approved"], decided),
        "edit_rate": _rate(n["edited"], decided),
        "rejection_rate": _rate(n["rejected"], decided),
        # Of every decision given, first approvals of two-person drafts included.
        "decisions": n["decisions"],
        "escalations": n["escalations"],
        "escalation_rate": _rate(n["escalations"], n["decisions"]),
        "error_categories": [
            {"category": slug, "count": count, "share": _rate(count, categorised)}
            for slug, count in sorted(total.categories.items(), key=lambda c: (-c[1], c[0]))
        ],
        "escalation_reasons": [
            {"reason": reason, "count": count}
            for reason, count in sorted(
                same_reasons_together(total.reasons).items(), key=lambda r: (-r[1], r[0])
            )[:10]
        ],
        # Drafts the producing system sent straight to the escalation queue (its model was
        # unsure), apart from reviewers' escalations: a different signal for the owners.
        "escalated_by_producer": n["escalated_by_producer"],
        "producer_escalation_reasons": [
            {"reason": reason, "count": count}
            for reason, count in sorted(
                same_reasons_together(total.producer_reasons).items(), key=lambda r: (-r[1], r[0])
            )[:10]
        ],
        "auto_approved": n["auto_approved"],
        "qa_samples": {
            "reviewed": n["qa_reviewed"],
            "accepted": n["qa_accepted"],
            "acceptance_rate": _rate(n["qa_accepted"], n["qa_reviewed"]),
        },
        # Drafts first claimed in the period, and drafts decided in it; within 1 %.
        "time_to_first_claim_seconds": {
            "p50": percentile(total.claim_wait, 0.5),
            "p95": percentile(total.claim_wait, 0.95),
        },
        "time_to_decision_seconds": {
            "p50": percentile(total.decision_time, 0.5),
            "p95": percentile(total.decision_time, 0.95),
        },
        "sla_breaches": n["sla_breaches"],
        "cost_usd": str(cost),
        "cost_per_task_usd": _money(cost, n["received"]),
        "cost_per_accepted_usd": _money(cost, accepted_total),
        "source_coverage": _rate(n["with_sources"], n["received"]),
        "sources_flagged": n["sources_flagged"],
        "roi": {
            "accepted_drafts": accepted_total,
            "hours_saved": str(hours_saved.quantize(Decimal("0.01"))),
            "value_usd": str(value.quantize(Decimal("0.01"))),
            "ai_cost_usd": str(cost),
            "net_usd": str((value - cost).quantize(Decimal("0.01"))),
            # Each day valued at the inputs in force at its end; these are the ones used.
            "inputs": [
                {
                    "since": None if row.since == EARLIEST else row.since.isoformat(),
                    "minutes_saved_per_accepted_draft": str(row.minutes_saved_per_accepted_draft),
                    "loaded_hourly_cost_usd": str(row.loaded_hourly_cost_usd),
                }
                for row in earned.inputs
            ],
        },
        "series": _series(days, period),
    }


SERIES_WHOLE = 100  # buckets: a period of up to this many is shown whole, quiet edges too


def _series(days: dict[date, Tally], period: Period) -> list[dict]:
    """Received, outcomes and escalations per day or per week (weeks start on Monday).

    Quiet buckets are included as zeros, so a chart or a table of it shows the gaps instead of
    closing them up. A period of up to SERIES_WHOLE buckets is covered whole (up to today);
    a wider one from its first bucket with activity to its last, so that asking "since 2000"
    stays as long as the workflow has been busy. Each bucket says how many of its days lie in
    the period: a week the period cuts is not a week.
    """
    bucket = period.bucket
    step = timedelta(days=7 if bucket == "week" else 1)
    first, after = period.start.date(), (period.end - timedelta(microseconds=1)).date()
    after += timedelta(days=1)  # the day after the period's last

    def key_of(day: date) -> date:
        return day - timedelta(days=day.weekday()) if bucket == "week" else day

    rows: dict[date, Tally] = {}
    for day, tally in days.items():
        if any(tally.counts[k] for k in ("received", *FINAL, "escalations")):
            rows.setdefault(key_of(day), Tally()).add(tally)
    if not rows:
        return []
    key, last = key_of(first), key_of(min(after - timedelta(days=1), timezone.now().date()))
    if (last - key) / step >= SERIES_WHOLE:
        key, last = min(rows), max(rows)
    series = []
    while key <= last:
        counts = rows.get(key, Tally()).counts
        series.append(
            {
                "bucket": key.isoformat(),
                "days_in_period": (min(key + step, after) - max(key, first)).days,
                "received": counts["received"],
                **{status: counts[status] for status in FINAL},
                "escalations": counts["escalations"],
            }
        )
        key += step
    return series


def same_reasons_together(reasons: Counter) -> Counter:
    """Escalation reasons counted together when they differ only in case, spacing or a closing
    full stop (reviewers type them freely: "Coverage unclear." and "coverage  unclear" are one
    reason), each shown as most reviewers wrote it."""
    groups: dict[str, Counter] = {}
    for reason, count in reasons.items():
        key = " ".join(reason.split()).rstrip(".!").casefold()
        groups.setdefault(key, Counter())[reason] += count
    return Counter(
        {
            " ".join(min(spellings, key=lambda s: (-spellings[s], s)).split()): spellings.total()
            for spellings in groups.values()
        }
    )
