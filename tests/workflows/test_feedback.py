"""Metrics against hand-checked fixtures, golden-set lines, source flags, earned automation,
and who may see each."""

from __future__ import annotations

import json
from datetime import UTC, datetime, time, timedelta
from decimal import Decimal

import pytest
from django.contrib.auth.models import User
from django.test import TestCase
from django.utils import timezone

from audit.models import AuditEntry
from reviewqueue.models import Decision, Draft
from tests.conftest import person_client, producer_client, signed_in
from tests.reviewqueue.helpers import draft_body, post_json
from tests.reviewqueue.review_helpers import make_drafts
from workflows.models import Workflow

pytestmark = pytest.mark.django_db
METRICS = "/api/v1/workflows/claims-intake-summary/metrics"


@pytest.fixture
def fresh(demo):
    """A workflow with nothing in it but what each test makes (the demo's claims aside)."""
    Draft.objects.filter(workflow__slug="claims-intake-summary").delete()
    return Workflow.objects.get(slug="claims-intake-summary")


def review(draft, who: str, action: str, **body):
    """Decide this draft (the others of its queue are moved aside while it is claimed)."""
    client = person_client(who)
    others = Draft.objects.filter(queue=draft.queue, status="queued").exclude(pk=draft.pk)
    parked = list(others.values_list("pk", flat=True))
    others.update(status="withdrawn")
    claimed = client.post(f"/api/v1/queues/{draft.queue.slug}/claim")
    Draft.objects.filter(pk__in=parked).update(status="queued")
    assert claimed.json()["id"] == str(draft.pk), claimed.content
    response = client.post(
        f"/api/v1/drafts/{draft.pk}/decisions", {"action": action, **body}, format="json"
    )
    assert response.status_code == 201, response.content


def test_escalation_reasons_that_differ_only_in_case_spacing_or_a_full_stop_count_as_one(fresh):
    drafts = make_drafts(fresh, 4, consequence="low")
    typed = ["Coverage unclear.", "coverage  unclear", "Coverage unclear", "Photos missing"]
    for draft, reason in zip(drafts, typed, strict=True):
        review(draft, "adjuster", "escalate", reason=reason)

    m = person_client("claims_owner").get(METRICS).json()

    assert m["escalation_reasons"] == [
        {"reason": "Coverage unclear", "count": 3},
        {"reason": "Photos missing", "count": 1},
    ]


def test_drafts_the_producer_escalated_are_counted_apart_with_their_reasons(fresh):
    make_drafts(fresh, 2, escalate={"reason": "Model unsure of coverage."})
    make_drafts(fresh, 1, escalate={"reason": "model unsure of coverage"})
    make_drafts(fresh, 1)

    m = person_client("claims_owner").get(METRICS).json()

    assert m["escalated_by_producer"] == 3
    assert m["producer_escalation_reasons"] == [{"reason": "Model unsure of coverage.", "count": 3}]
    assert m["escalation_reasons"] == [] and m["escalations"] == 0  # no reviewer escalated
    page = signed_in("claims_owner").get("/workflows/claims-intake-summary/").content.decode()
    assert "Sent straight to escalation by the producer (3)" in page


def test_metrics_match_a_hand_checked_week(fresh):
    # Ten drafts at US$ 0.01 each, all in claims-standard, sources on eight of them.
    drafts = make_drafts(
        fresh, 10, consequence="low", cost={"usd": "0.01"}, sources=[{"id": "policy-1"}]
    )
    Draft.objects.filter(pk__in=[d.pk for d in drafts[8:]]).update(sources=[])
    outcomes = ["approve"] * 5 + ["edit", "edit"] + ["reject"] * 2 + ["escalate"]
    for draft, action in zip(drafts, outcomes, strict=True):
        body = {}
        if action == "edit":
            body = {"content": "Better.", "error_category": "tone"}
        elif action == "reject":
            body = {"error_category": "hallucinated_fact"}
        elif action == "escalate":
            body = {"reason": "coverage unclear"}
        review(draft, "adjuster", action, **body)

    m = person_client("claims_owner").get(METRICS).json()

    assert m["drafts_received"] == 10 and m["drafts_decided"] == 9
    assert m["outcomes"] == {"approved": 5, "edited": 2, "rejected": 2}
    assert m["acceptance_rate"] == round(5 / 9, 4)
    assert m["edit_rate"] == round(2 / 9, 4) and m["rejection_rate"] == round(2 / 9, 4)
    assert m["escalation_rate"] == round(1 / 10, 4)
    assert m["error_categories"] == [
        {"category": "hallucinated_fact", "count": 2, "share": 0.5},
        {"category": "tone", "count": 2, "share": 0.5},
    ] or m["error_categories"] == [
        {"category": "tone", "count": 2, "share": 0.5},
        {"category": "hallucinated_fact", "count": 2, "share": 0.5},
    ]
    assert m["escalation_reasons"] == [{"reason": "coverage unclear", "count": 1}]
    assert m["source_coverage"] == 0.8
    assert m["cost_usd"] == "0.100000" and m["cost_per_task_usd"] == "0.010000"
    assert m["cost_per_accepted_usd"] == "0.020000"  # 0.10 / 5 accepted
    # ROI: 5 accepted × 12 min × US$ 65/h = US$ 65.00, minus US$ 0.10 of AI cost.
    [inputs] = m["roi"].pop("inputs")
    assert (inputs["minutes_saved_per_accepted_draft"], inputs["loaded_hourly_cost_usd"]) == (
        "12.00",
        "65.00",
    )
    assert m["roi"] == {
        "accepted_drafts": 5,
        "hours_saved": "1.00",
        "value_usd": "65.00",
        "ai_cost_usd": "0.100000",
        "net_usd": "64.90",
    }
    assert m["time_to_decision_seconds"]["p50"] >= 0
    assert m["time_to_first_claim_seconds"]["p95"] >= m["time_to_first_claim_seconds"]["p50"] >= 0
    today = timezone.now().date().isoformat()
    assert {
        "bucket": today,
        "days_in_period": 1,
        "received": 10,
        "approved": 5,
        "edited": 2,
        "rejected": 2,
        "escalations": 1,
    } in m["series"]


def test_metrics_periods_and_buckets(fresh):
    make_drafts(fresh, 2)
    owner = person_client("claims_owner")
    old = (timezone.now() - timedelta(days=60)).date().isoformat()
    older = (timezone.now() - timedelta(days=90)).date().isoformat()
    assert owner.get(METRICS, {"from": older, "to": old}).json()["drafts_received"] == 0
    weeks = owner.get(METRICS, {"bucket": "week"}).json()["series"]
    assert weeks[-1]["received"] == 2 and sum(w["received"] for w in weeks) == 2
    # A short period is shown whole, its quiet edges too: the default 30 days back from now
    # touch 31 calendar days (the first one in part).
    days = owner.get(METRICS).json()["series"]
    assert len(days) == 31 and days[-1]["bucket"] == timezone.now().date().isoformat()
    # A week the period cuts says how much of it the period holds.
    today = timezone.now().date().isoformat()
    [week] = owner.get(METRICS, {"from": today, "to": today, "bucket": "week"}).json()["series"]
    assert (week["received"], week["days_in_period"]) == (2, 1)
    page = signed_in("claims_owner").get(
        "/workflows/claims-intake-summary/", {"start": today, "end": today, "bucket": "week"}
    )
    assert "(1 day in the period)" in page.content.decode()
    assert owner.get(METRICS, {"bucket": "month"}).status_code == 400
    assert owner.get(METRICS, {"from": "yesterday-ish"}).status_code == 400
    for far in (
        {"from": "0001-01-01", "to": "0001-01-02"},
        {"to": "9999-12-31T23:59:59"},
        {"to": "9999-12-31"},  # a date as `to` reaches to its end: past what a date can hold
    ):
        refused = owner.get(METRICS, far)
        assert refused.status_code == 400
        [problem] = [p for ps in refused.json()["error"]["fields"].values() for p in ps]
        assert problem["code"] == "out_of_range"


def test_a_date_as_to_reaches_the_end_of_that_day(fresh):
    [draft] = make_drafts(fresh, 1)
    day = timezone.now().astimezone(UTC).date()
    Draft.objects.filter(pk=draft.pk).update(
        received_at=datetime.combine(day - timedelta(days=2), time(17), tzinfo=UTC)
    )
    owner = person_client("claims_owner")
    that_day = (day - timedelta(days=2)).isoformat()
    one_day = owner.get(METRICS, {"from": that_day, "to": that_day}).json()
    assert one_day["drafts_received"] == 1
    assert one_day["to"] == (day - timedelta(days=1)).isoformat() + "T00:00:00+00:00"
    # A time as `to` is exact: up to 17:00 the draft had not arrived.
    until_five = owner.get(METRICS, {"from": that_day, "to": f"{that_day}T17:00:00Z"}).json()
    assert until_five["drafts_received"] == 0


@pytest.mark.parametrize(
    ("path", "query", "field", "code"),
    [
        ("metrics", {"from": "2026-02-30"}, "from", "invalid"),  # no such day
        ("metrics", {"to": "2026-11-01T25:00:00Z"}, "to", "invalid"),  # no such hour
        ("golden-set", {"from": "2026-13-01"}, "from", "invalid"),
        ("metrics", {"from": "2026-11-20", "to": "2026-11-10"}, "from", "invalid_range"),
        ("golden-set", {"golden_only": "yes"}, "golden_only", "invalid"),
        ("golden-set", {"verdict": "approved_ish"}, "verdict", "invalid_choice"),
    ],
)
def test_an_impossible_date_or_an_unknown_value_is_a_400(fresh, path, query, field, code):
    response = person_client("claims_owner").get(
        f"/api/v1/workflows/claims-intake-summary/{path}", query
    )
    assert response.status_code == 400
    assert response.json()["error"]["fields"][field][0]["code"] == code


@pytest.mark.parametrize(
    ("path", "query"),
    [
        ("metrics", {"start": "2026-11-01"}),
        ("metrics", {"form": "2026-11-01"}),
        ("golden-set", {"period": "week"}),
    ],
)
def test_a_parameter_the_endpoint_does_not_know_is_a_400(fresh, path, query):
    response = person_client("claims_owner").get(
        f"/api/v1/workflows/claims-intake-summary/{path}", query
    )
    assert response.status_code == 400
    [name] = query
    assert response.json()["error"]["fields"][name][0]["code"] == "unknown_parameter"


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("claims_owner", 200),
        ("claims_tech", 200),
        ("admin", 200),
        ("auditor", 200),
        ("finance_owner", 404),
        ("adjuster", 404),
        ("senior_adjuster", 404),
    ],
)
def test_only_owners_admins_and_auditors_see_metrics(demo, who, status):
    assert person_client(who).get(METRICS).status_code == status


def test_producers_cannot_see_metrics(claims):
    assert producer_client(claims)[0].get(METRICS).status_code == 403


def test_golden_set_lines_are_evaluation_cases(fresh):
    first, second = make_drafts(
        fresh,
        2,
        consequence="low",
        sources=[{"id": "policy-1"}],
        model={"name": "m", "version": "1", "prompt_version": "p7"},
    )
    review(first, "adjuster", "edit", content="Human text.", error_category="tone")
    review(second, "adjuster", "approve")
    adjuster = person_client("adjuster")
    assert adjuster.post(f"/api/v1/drafts/{first.pk}/golden", {}, format="json").json()["golden"]

    owner = person_client("claims_owner")
    response = owner.get("/api/v1/workflows/claims-intake-summary/golden-set")
    lines = [json.loads(x) for x in b"".join(response.streaming_content).splitlines()]
    by_id = {line["id"]: line for line in lines}
    case = by_id[str(first.pk)]
    assert case["ai_draft"] == first.content and case["human_final"] == "Human text."
    assert case["verdict"] == "edited" and case["error_category"] == "tone"
    assert case["sources"] == [{"id": "policy-1"}] and case["model"]["prompt_version"] == "p7"
    assert case["golden"] is True and by_id[str(second.pk)]["golden"] is False

    edited_only = owner.get(
        "/api/v1/workflows/claims-intake-summary/golden-set", {"verdict": "edited"}
    )
    # Each download of drafts' text is on the audit log, with who took it and its filters.
    downloads = AuditEntry.objects.filter(action="workflow.golden_set_exported").order_by("id")
    assert [(e.actor_label, e.workflow_slug, e.data) for e in downloads] == [
        ("claims_owner", "claims-intake-summary", {"filters": {}}),
        ("claims_owner", "claims-intake-summary", {"filters": {"verdict": ["edited"]}}),
    ]
    assert len(b"".join(edited_only.streaming_content).splitlines()) == 1
    golden = owner.get("/api/v1/workflows/claims-intake-summary/golden-set", {"golden_only": "1"})
    assert len(b"".join(golden.streaming_content).splitlines()) == 1
    assert (
        person_client("auditor")
        .get("/api/v1/workflows/claims-intake-summary/golden-set")
        .status_code
        == 403
    )


def test_a_source_id_with_a_slash_or_a_question_mark_can_be_flagged(fresh):
    from urllib.parse import quote

    [draft] = make_drafts(fresh, 1, sources=[{"id": "docs/policy 7?v=2"}])
    path = f"/api/v1/drafts/{draft.pk}/sources/{quote('docs/policy 7?v=2', safe='')}/flags"
    response = person_client("adjuster").post(path, {"reason": "stale"}, format="json")
    assert response.status_code == 201, response.content
    assert draft.source_flags.get().source_id == "docs/policy 7?v=2"


def test_reviewers_flag_sources_and_owners_see_the_report(fresh):
    [draft] = make_drafts(
        fresh,
        1,
        sources=[
            {"id": "policy-1", "title": "Home policy §4", "uri": "https://docs.example/p1"},
            {"id": "fnol-2"},
        ],
    )
    path = f"/api/v1/drafts/{draft.pk}/sources/policy-1/flags"
    adjuster = person_client("adjuster")
    assert (
        adjuster.post(
            path, {"reason": "stale", "comment": "2019 wording"}, format="json"
        ).status_code
        == 201
    )
    assert adjuster.post(path, {"reason": "stale"}, format="json").status_code == 409
    assert (
        person_client("senior_adjuster").post(path, {"reason": "wrong"}, format="json").status_code
        == 201
    )
    missing = adjuster.post(
        f"/api/v1/drafts/{draft.pk}/sources/nope/flags", {"reason": "wrong"}, format="json"
    )
    assert missing.status_code == 400
    assert (
        person_client("controller").post(path, {"reason": "wrong"}, format="json").status_code
        == 404
    )
    report = (
        person_client("claims_owner").get("/api/v1/workflows/claims-intake-summary/sources").json()
    )
    [row] = report["results"]
    assert {k: v for k, v in row.items() if k != "last_flagged_at"} == {
        "source_id": "policy-1",
        "title": "Home policy §4",
        "uri": "https://docs.example/p1",
        "stale": 1,
        "wrong": 1,
        "latest_comment": "",  # the senior adjuster's flag, the latest, had no note
        "latest_draft_id": str(draft.pk),
    }
    earlier = person_client("claims_owner").get(
        "/api/v1/workflows/claims-intake-summary/sources", {"to": "2020-01-01"}
    )
    assert earlier.json()["results"] == []  # no flag that old
    page = signed_in("claims_owner").get("/workflows/claims-intake-summary/").content.decode()
    assert '<a href="https://docs.example/p1" rel="noopener noreferrer">Home policy §4</a>' in page
    assert (
        AuditEntry.objects.filter(action="draft.source_flagged", object_id=str(draft.pk)).count()
        == 2
    )


def test_a_person_who_may_only_view_the_queue_may_not_flag_or_mark_golden(fresh):
    from guardian.shortcuts import assign_perm

    from reviewqueue.models import Queue

    [draft] = make_drafts(fresh, 1, consequence="low", sources=[{"id": "policy-1"}])
    review(draft, "adjuster", "approve")
    viewer = User.objects.create_user(username="viewer", password="x")
    assign_perm("view_queue", viewer, Queue.objects.get(slug="claims-standard"))
    client = person_client("viewer")

    flagged = client.post(
        f"/api/v1/drafts/{draft.pk}/sources/policy-1/flags", {"reason": "stale"}, format="json"
    )
    golden = client.post(f"/api/v1/drafts/{draft.pk}/golden", {"golden": True}, format="json")

    assert flagged.status_code == 403 and golden.status_code == 403
    assert golden.json()["error"]["code"] == "permission_denied"
    assert not Draft.objects.get(pk=draft.pk).is_golden
    assert not draft.source_flags.exists()


@pytest.mark.parametrize("value", ["yes", "off", 1, 0, None])
def test_golden_takes_true_or_false_and_nothing_else(fresh, value):
    [draft] = make_drafts(fresh, 1, consequence="low")
    review(draft, "adjuster", "approve")
    response = person_client("adjuster").post(
        f"/api/v1/drafts/{draft.pk}/golden", {"golden": value}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["error"]["fields"]["golden"][0]["code"] in ("invalid", "null")
    assert not Draft.objects.get(pk=draft.pk).is_golden


def human_history(workflow, approved: int, rejected: int) -> None:
    """Human decisions on low drafts, written directly (the review path is tested elsewhere)."""
    adjuster = User.objects.get(username="adjuster")
    drafts = make_drafts(workflow, approved + rejected, consequence="low")
    now = timezone.now()
    for n, draft in enumerate(drafts):
        status = "approved" if n < approved else "rejected"
        Draft.objects.filter(pk=draft.pk).update(status=status, decided_at=now)
        Decision.objects.create(
            draft=draft,
            queue=draft.queue,
            workflow=workflow,
            reviewer=adjuster,
            action="approve" if status == "approved" else "reject",
            is_final=True,
            content=draft.content,
            time_spent=timedelta(seconds=30),
            decided_at=now,
        )


class TestEarnedAutomation:
    URL = "/api/v1/workflows/claims-intake-summary/automation"

    def test_automation_stays_off_until_acceptance_earns_it(self, fresh):
        fresh.automation_window = 20
        fresh.save()
        human_history(fresh, approved=18, rejected=2)  # 90 %
        owner = person_client("claims_owner")
        refused = owner.post(self.URL, {"enabled": True}, format="json")
        assert refused.status_code == 409
        assert refused.json()["error"]["code"] == "automation_not_earned"
        assert "90.0%" in refused.json()["error"]["message"]
        assert Workflow.objects.get(pk=fresh.pk).auto_approve_low is False
        assert (
            person_client("adjuster").post(self.URL, {"enabled": True}, format="json").status_code
            == 404
        )

    @pytest.mark.parametrize(
        ("body", "field"),
        [
            ({"enabled": "yes"}, "enabled"),
            ({"enabled": 1}, "enabled"),
            ({"enabled": False, "threshold": 0}, "threshold"),
        ],
    )
    def test_the_switch_takes_true_or_false_and_nothing_else(self, fresh, body, field):
        response = person_client("claims_owner").post(self.URL, body, format="json")
        assert response.status_code == 400 and field in response.json()["error"]["fields"]
        assert not AuditEntry.objects.filter(action="workflow.automation_changed").exists()

    def test_earned_automation_approves_low_drafts_and_samples_some_for_qa(
        self, fresh, claims_producer
    ):
        fresh.automation_window = 20
        fresh.save()
        human_history(fresh, approved=20, rejected=0)
        owner = person_client("claims_owner")
        on = owner.post(self.URL, {"enabled": True}, format="json")
        assert on.status_code == 200 and on.json()["enabled"] is True
        assert AuditEntry.objects.filter(action="workflow.automation_changed").exists()

        Workflow.objects.filter(pk=fresh.pk).update(qa_sample_rate=Decimal("0.5"))
        statuses = [
            post_json(
                claims_producer, "/api/v1/drafts", draft_body(consequence="low", confidence=0.9)
            ).json()
            for _ in range(40)
        ]
        auto = [s for s in statuses if s["status"] == "auto_approved"]
        logged = AuditEntry.objects.filter(action="draft.auto_approved")
        assert sorted(e.object_id for e in logged) == sorted(s["id"] for s in auto)
        assert all(e.data["automation_on_since"] for e in logged)
        sampled = [s for s in statuses if s["queue"] == "claims-qa"]
        assert auto and sampled and len(auto) + len(sampled) == 40
        assert all(s["status"] == "queued" for s in sampled)
        # Medium drafts are never automated.
        medium = post_json(
            claims_producer, "/api/v1/drafts", draft_body(consequence="medium")
        ).json()
        assert medium["status"] == "queued" and medium["queue"] == "claims-standard"

    def test_poor_qa_results_switch_automation_off_and_tell_the_owners(
        self, fresh, claims_producer, mailoutbox
    ):
        User.objects.filter(username="claims_owner").update(email="owner@example.com")
        Workflow.objects.filter(pk=fresh.pk).update(
            auto_approve_low=True, qa_sample_rate=Decimal("1"), qa_window=3
        )
        samples = [
            post_json(
                claims_producer, "/api/v1/drafts", draft_body(consequence="low", confidence=0.9)
            ).json()
            for _ in range(3)
        ]
        senior = person_client("senior_adjuster")
        for _sample in samples:
            claimed = senior.post("/api/v1/queues/claims-qa/claim").json()
            with TestCase.captureOnCommitCallbacks(execute=True):
                senior.post(
                    f"/api/v1/drafts/{claimed['id']}/decisions",
                    {"action": "reject", "error_category": "hallucinated_fact"},
                    format="json",
                )
        assert Workflow.objects.get(pk=fresh.pk).auto_approve_low is False
        off = AuditEntry.objects.filter(action="workflow.automation_changed").latest("id")
        assert off.data["reason"] == "qa" and off.data["qa_acceptance"] == "0.0000"
        assert len(mailoutbox) == 1 and "owner@example.com" in mailoutbox[0].to
        after = post_json(
            claims_producer, "/api/v1/drafts", draft_body(consequence="low", confidence=0.9)
        ).json()
        assert after["status"] == "queued" and after["queue"] == "claims-standard"

    def test_after_qa_switches_it_off_only_fresh_human_decisions_earn_it_back(
        self, fresh, claims_producer
    ):
        fresh.automation_window = 20
        fresh.qa_window = 3
        fresh.save()
        human_history(fresh, approved=20, rejected=0)
        owner = person_client("claims_owner")
        assert owner.post(self.URL, {"enabled": True}, format="json").status_code == 200
        Workflow.objects.filter(pk=fresh.pk).update(qa_sample_rate=Decimal("1"))
        senior = person_client("senior_adjuster")
        for _ in range(3):
            post_json(claims_producer, "/api/v1/drafts", draft_body(consequence="low"))
            claimed = senior.post("/api/v1/queues/claims-qa/claim").json()
            senior.post(
                f"/api/v1/drafts/{claimed['id']}/decisions",
                {"action": "reject", "error_category": "hallucinated_fact"},
                format="json",
            )
        assert Workflow.objects.get(pk=fresh.pk).auto_approve_low is False

        # The 20 decisions that earned it before do not earn it again at once.
        again = owner.post(self.URL, {"enabled": True}, format="json")
        assert again.status_code == 409
        assert "since QA results switched it off" in again.json()["error"]["message"]
        assert Workflow.objects.get(pk=fresh.pk).auto_approve_low is False

        # Fresh human decisions do; and the old failed samples do not switch it off again.
        human_history(fresh, approved=20, rejected=0)
        assert owner.post(self.URL, {"enabled": True}, format="json").status_code == 200
        post_json(claims_producer, "/api/v1/drafts", draft_body(consequence="low"))
        claimed = senior.post("/api/v1/queues/claims-qa/claim").json()
        senior.post(
            f"/api/v1/drafts/{claimed['id']}/decisions", {"action": "approve"}, format="json"
        )
        assert Workflow.objects.get(pk=fresh.pk).auto_approve_low is True
        status = owner.get(self.URL).json()
        assert status["qa_reviewed"] == 1 and status["revoked_by_qa_at"] is not None

    def test_the_admin_cannot_tick_auto_approval_on(self, fresh):
        from django.test import Client

        admin = Client()
        admin.force_login(User.objects.get(username="admin"))
        page = admin.get(f"/admin/workflows/workflow/{fresh.pk}/change/")
        assert "auto_approve_low" not in page.context["adminform"].form.fields
