"""Query strings are input too: a NUL in any parameter of any list is a 400 with a code, and
what an export records of its filters is only the filters it applied."""

from __future__ import annotations

import pytest

from audit.models import AuditEntry
from reviewqueue.models import Draft
from tests.conftest import person_client

pytestmark = pytest.mark.django_db

LISTS = [
    ("admin", "/api/v1/drafts"),
    ("auditor", "/api/v1/audit/entries"),
    ("auditor", "/api/v1/audit/export"),
    ("auditor", "/api/v1/audit/verify"),
    ("claims_owner", "/api/v1/workflows/claims-intake-summary/callbacks"),
    ("claims_owner", "/api/v1/workflows/claims-intake-summary/metrics"),
    ("claims_owner", "/api/v1/workflows/claims-intake-summary/golden-set"),
]


@pytest.mark.parametrize(("who", "path"), LISTS)
@pytest.mark.parametrize("query", ["status=a%00b", "a%00b=1", "since=%00"])
def test_a_nul_in_the_query_string_is_a_400_and_nothing_is_logged(demo, who, path, query):
    client = person_client(who)
    before = AuditEntry.objects.count()
    response = client.get(f"{path}?{query}")
    assert response.status_code == 400
    assert "nul_character" in str(response.json()["error"])
    assert AuditEntry.objects.count() == before  # not even the export's own entry


def test_the_export_records_the_filters_it_applied(demo):
    response = person_client("auditor").get(
        "/api/v1/audit/export", {"format": "jsonl", "action": "draft.received"}
    )
    assert response.status_code == 200
    b"".join(response.streaming_content)
    exported = AuditEntry.objects.filter(action="audit.exported").latest("id")
    assert exported.data == {"format": "jsonl", "filters": {"action": ["draft.received"]}}


def test_unknown_parameters_with_odd_names_are_refused_before_any_export(demo):
    # The query schemathesis once sent: unknown parameters with odd characters (it was a 500).
    before = AuditEntry.objects.filter(action="audit.exported").count()
    response = person_client("auditor").get(
        "/api/v1/audit/export",
        {"format": "jsonl", "action": "draft.received", "£ÿ\x02": "«·{", "Éx1vô": ""},
    )
    assert response.status_code == 400
    fields = response.json()["error"]["fields"]
    assert set(fields) == {"£ÿ\x02", "Éx1vô"}
    assert all(f[0]["code"] == "unknown_parameter" for f in fields.values())
    assert AuditEntry.objects.filter(action="audit.exported").count() == before


def test_callbacks_filter_by_a_known_status_only(demo):
    owner = person_client("claims_owner")
    path = "/api/v1/workflows/claims-intake-summary/callbacks"
    assert owner.get(path, {"status": "delivered"}).status_code == 200
    for wrong in ({"status": "lost"}, {"status": ["lost", "delivered"]}, {"status": ""}):
        response = owner.get(path, wrong)
        assert response.status_code == 400, wrong
        assert response.json()["error"]["fields"]["status"][0]["code"] == "invalid_choice"


def test_an_unknown_draft_status_filter_is_refused_naming_the_choice(demo):
    response = person_client("senior_adjuster").get("/api/v1/drafts", {"status": "bogus"})
    assert response.status_code == 400
    [error] = response.json()["error"]["fields"]["status"]
    assert error["code"] == "invalid_choice" and "bogus" in error["message"]
    known = person_client("senior_adjuster").get("/api/v1/drafts", {"status": "queued"})
    assert known.status_code == 200 and known.json()["results"]


def test_callbacks_filter_by_several_statuses_at_once(demo):
    from django.utils import timezone

    from workflows.models import CallbackDelivery

    claims = demo["claims-intake-summary"]
    draft = Draft.objects.filter(workflow=claims).first()
    now = timezone.now()
    for n, status in enumerate(["delivered", "failed", "pending"]):
        CallbackDelivery.objects.create(
            id=f"msg_filter_{n}",
            workflow=claims,
            draft=draft,
            event_type="draft.approved",
            url="https://example.com/hook",
            payload={},
            status=status,
            next_attempt_at=now,
            created_at=now,
            retrying_since=now,
        )
    owner = person_client("claims_owner")
    path = "/api/v1/workflows/claims-intake-summary/callbacks"
    body = owner.get(path, {"status": ["failed", "pending"]}).json()
    found = {c["id"]: c["status"] for c in body["results"] if c["id"].startswith("msg_filter_")}
    assert found == {"msg_filter_1": "failed", "msg_filter_2": "pending"}


def test_the_queue_and_workflow_filters_take_several_values(demo):
    admin = person_client("admin")

    def queues(query) -> dict[str, int]:
        response = admin.get("/api/v1/drafts", {**query, "page_size": 200})
        assert response.status_code == 200, response.content
        counts: dict[str, int] = {}
        for draft in response.json()["results"]:
            counts[draft["queue"]] = counts.get(draft["queue"], 0) + 1
        return counts

    standard, finance = queues({"queue": "claims-standard"}), queues({"queue": "finance-review"})
    both = queues({"queue": ["claims-standard", "finance-review"]})
    assert standard and finance and both == {**standard, **finance}
    workflows = queues({"workflow": ["claims-intake-summary", "finance-variance"]})
    assert set(workflows) >= {"claims-standard", "finance-review"}
    # An empty value is a mistake, not "any".
    response = admin.get("/api/v1/drafts", {"queue": ""})
    assert response.status_code == 400
    assert response.json()["error"]["fields"]["queue"][0]["code"] == "invalid_choice"


def test_a_queue_the_caller_may_not_see_filters_to_nothing_like_a_missing_one(demo):
    adjuster = person_client("adjuster")
    hidden = adjuster.get("/api/v1/drafts", {"queue": ["claims-standard", "claims-senior"]})
    mine = adjuster.get("/api/v1/drafts", {"queue": "claims-standard"})
    assert hidden.json()["results"] == mine.json()["results"]
    missing = adjuster.get("/api/v1/drafts", {"queue": "no-such-queue"})
    invisible = adjuster.get("/api/v1/drafts", {"queue": "claims-senior"})
    assert missing.status_code == invisible.status_code == 200
    assert missing.json()["results"] == invisible.json()["results"] == []
