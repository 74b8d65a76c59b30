"""Daily metrics rollups: closed days are stored once and read back, open days are live, the
percentiles stay within 1 %, and a rebuild picks up data corrected by hand."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.utils import timezone

from reviewqueue.models import Decision, Draft
from tests.conftest import person_client, signed_in
from tests.reviewqueue.review_helpers import make_drafts
from tests.workflows.test_feedback import METRICS, fresh, review  # noqa: F401 (fixture)
from workflows.models import MetricsDay
from workflows.services.workflows import keep_roi_history

pytestmark = pytest.mark.django_db


def at(days_ago: int, hour: int = 9) -> datetime:
    day = timezone.now().astimezone(UTC).date() - timedelta(days=days_ago)
    return datetime.combine(day, time(hour), tzinfo=UTC)


def decided_on(draft, received: datetime, claim_wait: timedelta, decision_time: timedelta):
    """Move a decided draft and its decisions back in time."""
    Draft.objects.filter(pk=draft.pk).update(
        received_at=received,
        first_claimed_at=received + claim_wait,
        decided_at=received + decision_time,
    )
    Decision.objects.filter(draft=draft).update(decided_at=received + decision_time)


@pytest.fixture
def ten_days_ago_three(fresh):  # noqa: F811
    """Ten drafts received three days ago at 09:00, approved after 1..10 minutes, first
    claimed after 10..100 seconds."""
    drafts = make_drafts(fresh, 10, consequence="low", cost={"usd": "0.01"})
    for n, draft in enumerate(drafts, start=1):
        review(draft, "adjuster", "approve")
        decided_on(draft, at(3), timedelta(seconds=10 * n), timedelta(minutes=n))
    return fresh


def test_percentiles_are_within_one_percent_of_the_exact_values(ten_days_ago_three):
    m = person_client("claims_owner").get(METRICS).json()

    # Ranks floor(0.5 × 9) = 4 and floor(0.95 × 9) = 8 of the sorted durations.
    assert m["time_to_decision_seconds"]["p50"] == pytest.approx(300, rel=0.01)
    assert m["time_to_decision_seconds"]["p95"] == pytest.approx(540, rel=0.01)
    assert m["time_to_first_claim_seconds"]["p50"] == pytest.approx(50, rel=0.01)
    assert m["time_to_first_claim_seconds"]["p95"] == pytest.approx(90, rel=0.01)


def test_a_closed_day_is_stored_once_and_read_back_until_rebuilt(ten_days_ago_three):
    owner = person_client("claims_owner")
    first = owner.get(METRICS).json()
    assert first["drafts_received"] == 10 and first["outcomes"]["approved"] == 10

    stored = MetricsDay.objects.get(workflow=ten_days_ago_three, day=at(3).date())
    assert stored.tally["counts"]["received"] == 10
    assert stored.tally["counts"]["approved"] == 10
    assert stored.tally["cost_usd"] == "0.100000"

    # A correction behind the application's back: the stored day does not see it...
    Draft.objects.filter(workflow=ten_days_ago_three, status="approved").update(status="rejected")
    assert owner.get(METRICS).json()["outcomes"]["approved"] == 10
    # ...until the day is rebuilt.
    call_command("rollup_metrics", "claims-intake-summary", "--rebuild", "--days", "7")
    again = owner.get(METRICS).json()
    assert again["outcomes"] == {"approved": 0, "edited": 0, "rejected": 10}


def test_today_is_counted_live_and_not_stored(fresh):  # noqa: F811
    [draft] = make_drafts(fresh, 1, consequence="low")
    review(draft, "adjuster", "approve")
    owner = person_client("claims_owner")
    assert owner.get(METRICS).json()["outcomes"]["approved"] == 1
    today = timezone.now().astimezone(UTC).date()
    assert not MetricsDay.objects.filter(workflow=fresh, day=today).exists()
    # And a second decision today shows at once.
    [other] = make_drafts(fresh, 1, consequence="low")
    review(other, "adjuster", "approve")
    assert owner.get(METRICS).json()["outcomes"]["approved"] == 2


def test_a_day_is_stored_only_after_the_grace_for_late_commits(fresh):  # noqa: F811
    [draft] = make_drafts(fresh, 1, consequence="low")
    review(draft, "adjuster", "approve")
    today = timezone.now().astimezone(UTC).date()
    after_midnight = datetime.combine(today + timedelta(days=1), time.min, tzinfo=UTC)

    with time_machine.travel(after_midnight + timedelta(minutes=30), tick=False):
        assert person_client("claims_owner").get(METRICS).json()["drafts_received"] == 1
        assert not MetricsDay.objects.filter(workflow=fresh, day=today).exists()
    with time_machine.travel(after_midnight + timedelta(minutes=61), tick=False):
        assert person_client("claims_owner").get(METRICS).json()["drafts_received"] == 1
        assert MetricsDay.objects.get(workflow=fresh, day=today).tally["counts"]["received"] == 1


def test_partial_days_at_the_edges_are_counted_live(fresh):  # noqa: F811
    morning, afternoon = make_drafts(fresh, 2, consequence="low")
    Draft.objects.filter(pk=morning.pk).update(received_at=at(4, hour=8))
    Draft.objects.filter(pk=afternoon.pk).update(received_at=at(4, hour=16))
    owner = person_client("claims_owner")

    whole_day = owner.get(METRICS, {"from": at(4, 0).date().isoformat()}).json()
    from_noon = owner.get(METRICS, {"from": at(4, 12).isoformat()}).json()
    until_noon = owner.get(
        METRICS, {"from": at(5).date().isoformat(), "to": at(4, 12).isoformat()}
    ).json()

    assert whole_day["drafts_received"] == 2
    assert from_noon["drafts_received"] == 1 and until_noon["drafts_received"] == 1
    # The whole day was stored by the first call; the partial ones did not change it.
    assert MetricsDay.objects.get(workflow=fresh, day=at(4).date()).tally["counts"] == {
        "received": 2,
        "with_sources": 0,
        "auto_approved": 0,
    }


def test_received_and_decided_on_different_days_land_in_their_own_days(fresh):  # noqa: F811
    [draft] = make_drafts(fresh, 1, consequence="low")
    review(draft, "adjuster", "reject", error_category="tone")
    decided_on(draft, at(3, hour=22), timedelta(hours=1), timedelta(hours=4))

    m = person_client("claims_owner").get(METRICS).json()
    assert {
        "bucket": at(3).date().isoformat(),
        "days_in_period": 1,
        "received": 1,
        **dict.fromkeys(["approved", "edited", "rejected", "escalations"], 0),
    } in m["series"]
    assert {
        "bucket": at(2).date().isoformat(),
        "days_in_period": 1,
        "received": 0,
        "approved": 0,
        "edited": 0,
        "rejected": 1,
        "escalations": 0,
    } in m["series"]
    assert m["error_categories"] == [{"category": "tone", "count": 1, "share": 1.0}]
    assert m["time_to_decision_seconds"]["p50"] == pytest.approx(4 * 3600, rel=0.01)


def test_the_series_shows_quiet_days_between_busy_ones_as_zeros(fresh):  # noqa: F811
    first, last = make_drafts(fresh, 2, consequence="low")
    Draft.objects.filter(pk=first.pk).update(received_at=at(12))
    Draft.objects.filter(pk=last.pk).update(received_at=at(3))
    owner = person_client("claims_owner")

    days = owner.get(METRICS, {"from": "2000-01-01"}).json()["series"]
    assert [row["bucket"] for row in days] == [
        at(n).date().isoformat() for n in range(12, 2, -1)
    ]  # ten days, from the first draft to the last: not from 2000, not to today
    assert [row["received"] for row in days] == [1] + [0] * 8 + [1]

    weeks = owner.get(METRICS, {"from": "2000-01-01", "bucket": "week"}).json()["series"]
    mondays = [date.fromisoformat(row["bucket"]) for row in weeks]
    assert all(d.weekday() == 0 for d in mondays)
    gaps = [later - earlier for earlier, later in zip(mondays, mondays[1:], strict=False)]
    assert gaps == [timedelta(days=7)] * (len(weeks) - 1)
    assert sum(row["received"] for row in weeks) == 2


def test_a_period_reaching_far_back_stores_nothing_before_the_first_draft(fresh):  # noqa: F811
    make_drafts(fresh, 1)
    response = person_client("claims_owner").get(METRICS, {"from": "2000-01-01"})
    assert response.status_code == 200 and response.json()["drafts_received"] == 1
    assert MetricsDay.objects.filter(workflow=fresh).count() == 0  # the draft is today's


def test_rollup_command_reports_and_refuses_bad_arguments(ten_days_ago_three, capsys):
    with time_machine.travel(at(0, hour=12), tick=False):  # yesterday is closed at noon
        call_command("rollup_metrics", "--days", "7")
    out = capsys.readouterr().out
    assert "claims-intake-summary: 3 day(s) stored" in out  # 3, 2 and 1 days ago
    assert "finance-variance: 0 day(s) stored" in out  # its drafts are all today's
    assert MetricsDay.objects.filter(workflow=ten_days_ago_three).count() == 3
    with pytest.raises(CommandError, match="No workflow 'nope'"):
        call_command("rollup_metrics", "nope")
    with pytest.raises(CommandError, match="at least 1"):
        call_command("rollup_metrics", "--days", "0")


def test_new_roi_inputs_leave_the_return_of_earlier_days_as_it_was(ten_days_ago_three):
    workflow = ten_days_ago_three
    workflow.roi_history.update(since=datetime(1970, 1, 1, tzinfo=UTC))  # as migrated
    for draft in make_drafts(workflow, 2, consequence="low"):
        review(draft, "adjuster", "approve")
    owner = person_client("claims_owner")
    # 12 accepted × 12 min at US$ 65/h.
    assert owner.get(METRICS).json()["roi"]["value_usd"] == "156.00"

    with time_machine.travel(at(1, hour=12), tick=False):  # yesterday the owner changed them
        workflow.minutes_saved_per_accepted_draft = Decimal("15")
        workflow.loaded_hourly_cost_usd = Decimal("80")
        workflow.save()
        keep_roi_history(workflow)

    roi = owner.get(METRICS).json()["roi"]
    # Three days ago: 10 × 12 min = 2 h at US$ 65 = 130.00; today: 2 × 15 min = 0.5 h at 80 = 40.
    assert (roi["hours_saved"], roi["value_usd"]) == ("2.50", "170.00")
    assert [
        (i["since"], i["minutes_saved_per_accepted_draft"], i["loaded_hourly_cost_usd"])
        for i in roi["inputs"]
    ] == [(None, "12.00", "65.00"), (at(1, hour=12).isoformat(), "15.00", "80.00")]
    # A period that ended before the change is valued as it always was.
    earlier = {"from": at(5).date().isoformat(), "to": at(2).date().isoformat()}
    roi = owner.get(METRICS, earlier).json()["roi"]
    assert roi["value_usd"] == "130.00" and len(roi["inputs"]) == 1
    # Unchanged inputs add nothing to the history.
    assert keep_roi_history(workflow) is None and workflow.roi_history.count() == 2


def test_inputs_changed_around_the_history_apply_from_now_not_to_the_past(ten_days_ago_three):
    workflow = ten_days_ago_three
    workflow.roi_history.update(since=datetime(1970, 1, 1, tzinfo=UTC))
    for draft in make_drafts(workflow, 2, consequence="low"):
        review(draft, "adjuster", "approve")
    # A bulk update writes no history row: the new cost still counts, from now on only.
    type(workflow).objects.filter(pk=workflow.pk).update(loaded_hourly_cost_usd=Decimal("80"))
    roi = person_client("claims_owner").get(METRICS).json()["roi"]
    # 10 × 12 min at US$ 65 three days ago (130.00) + 2 × 12 min at US$ 80 today (32.00).
    assert roi["value_usd"] == "162.00"
    assert [i["loaded_hourly_cost_usd"] for i in roi["inputs"]] == ["65.00", "80.00"]


def test_the_dashboard_says_which_inputs_valued_the_period(ten_days_ago_three):
    workflow = ten_days_ago_three
    workflow.roi_history.update(since=datetime(1970, 1, 1, tzinfo=UTC))
    with time_machine.travel(at(1, hour=12), tick=False):
        workflow.loaded_hourly_cost_usd = Decimal("80")
        workflow.save()
        keep_roi_history(workflow)
    page = signed_in("claims_owner").get(f"/workflows/{workflow.slug}/").content.decode()
    since = at(1).date().isoformat()
    assert f"12 min saved at US$ 65/h, then 12 min saved at US$ 80/h from {since}" in page
