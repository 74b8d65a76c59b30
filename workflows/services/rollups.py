"""Daily metrics rollups: a closed day's tally is computed once and stored, so metrics over a
month read 30 small rows plus today's events instead of every decision of the month.

A day counts as closed `RQ_METRICS_ROLLUP_GRACE_SECONDS` after it ends, so a transaction that
began before midnight and commits just after is still counted. Missing days are filled on
demand (the first request over a period pays for them once) and by a nightly beat task;
`manage.py rollup_metrics --rebuild` recomputes days after data was corrected by hand.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from reviewqueue.models import Draft
from workflows.models import MetricsDay, Workflow
from workflows.selectors.tally import TALLY_VERSION, Tally, tally_by_day


def midnight(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


def days_between(first: date, stop: date) -> Iterator[date]:
    """first, first + 1, ..., stop - 1."""
    for offset in range((stop - first).days):
        yield first + timedelta(days=offset)


def first_open_day(now: datetime | None = None) -> date:
    """Days before this one are closed: over, plus the grace for late commits."""
    grace = timedelta(seconds=settings.RQ_METRICS_ROLLUP_GRACE_SECONDS)
    return ((now or timezone.now()) - grace).astimezone(UTC).date()


def _first_activity(workflow: Workflow) -> date | None:
    """The day the workflow's first draft arrived: every figure is about a draft, so no day
    before it has anything to count (and a period from year 2000 stores no empty years)."""
    first = (
        Draft.objects.filter(workflow=workflow)
        .order_by("received_at")
        .values_list("received_at", flat=True)
        .first()
    )
    return first.astimezone(UTC).date() if first else None


def closed_days(workflow: Workflow, first: date, stop: date) -> dict[date, Tally]:
    """Tallies of the closed days in [first, stop), read from the rollup, missing ones filled."""
    stop = min(stop, first_open_day())
    origin = _first_activity(workflow)
    if origin is None:
        return {}
    first = max(first, origin)
    if first >= stop:
        return {}
    tallies = {
        row.day: Tally.from_json(row.tally)
        for row in MetricsDay.objects.filter(
            workflow=workflow, day__gte=first, day__lt=stop, version=TALLY_VERSION
        )
    }
    missing = [day for day in days_between(first, stop) if day not in tallies]
    if missing:
        tallies.update(_compute(workflow, missing))
    return tallies


def _compute(workflow: Workflow, days: list[date]) -> dict[date, Tally]:
    fresh = tally_by_day(workflow, midnight(min(days)), midnight(max(days) + timedelta(days=1)))
    computed = {day: fresh.get(day, Tally()) for day in days}
    now = timezone.now()
    # Rows of an older tally version are replaced; two requests filling the same day at once
    # compute the same figures, so the second insert is simply ignored.
    with transaction.atomic():
        MetricsDay.objects.filter(workflow=workflow, day__in=days).delete()
        MetricsDay.objects.bulk_create(
            [
                MetricsDay(
                    workflow=workflow,
                    day=day,
                    version=TALLY_VERSION,
                    tally=tally.to_json(),
                    computed_at=now,
                )
                for day, tally in computed.items()
            ],
            ignore_conflicts=True,
        )
    return computed


def roll_up(workflow: Workflow, days: int, *, rebuild: bool = False) -> int:
    """Make sure the last `days` closed days are stored; with rebuild, recompute them."""
    stop = first_open_day()
    first = stop - timedelta(days=days)
    if rebuild:
        MetricsDay.objects.filter(workflow=workflow, day__gte=first, day__lt=stop).delete()
    return len(closed_days(workflow, first, stop))


def roll_up_all(days: int = 2) -> int:
    """The nightly job: yesterday (and the day before, should a night have been missed)."""
    return sum(roll_up(workflow, days) for workflow in Workflow.objects.all())
