"""Every API endpoint refuses a query parameter it does not know (400 `unknown_parameter`): a
misspelt filter that was ignored would answer for everything, and look like the right answer.
The OpenAPI schema documents exactly the parameters each endpoint takes."""

from __future__ import annotations

import re
import uuid

import pytest
from django.urls import resolve
from drf_spectacular.generators import SchemaGenerator

from audit.models import AuditEntry
from reviewqueue.models import Draft
from tests.conftest import person_client, producer_client

pytestmark = pytest.mark.django_db

_SAMPLE_ARGUMENT = {"draft_id": str(uuid.uuid4()), "entry_id": "1", "run_id": "1"}


def _operations():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    for path, methods in schema["paths"].items():
        concrete = re.sub(r"\{(\w+)\}", lambda m: _SAMPLE_ARGUMENT.get(m[1], "x"), path)
        view = resolve(concrete).func.view_class
        for method, operation in methods.items():
            query = [p for p in operation.get("parameters", []) if p["in"] == "query"]
            documented = {p["name"] for p in query}
            arrays = {p["name"] for p in query if p["schema"].get("type") == "array"}
            yield f"{method.upper()} {path}", view, method.upper(), documented, arrays


@pytest.mark.parametrize(
    ("operation", "view", "method", "documented", "arrays"),
    list(_operations()),
    ids=lambda value: value if isinstance(value, str) and " " in value else "",
)
def test_the_schema_documents_what_each_endpoint_takes(operation, view, method, documented, arrays):
    takes = set(view.query_parameters.get(method, ()))
    assert takes == documented, operation
    # The schema's arrays are exactly the parameters that may be given more than once.
    assert set(view.repeatable_parameters) & takes == arrays, operation


@pytest.mark.parametrize(
    ("who", "path", "query"),
    [
        ("auditor", "/api/v1/audit/export", "format=jsonl&format=csv"),
        ("auditor", "/api/v1/audit/entries", "actor=adjuster&actor=admin"),
        (
            "claims_owner",
            "/api/v1/workflows/claims-intake-summary/metrics",
            "from=2026-11-01&from=2026-11-02",
        ),
    ],
)
def test_a_single_value_parameter_given_twice_is_a_400(demo, who, path, query):
    response = person_client(who).get(f"{path}?{query}")
    assert response.status_code == 400
    [name] = {q.split("=")[0] for q in query.split("&")}
    assert response.json()["error"]["fields"][name][0]["code"] == "repeated"


WORKFLOW = "/api/v1/workflows/claims-intake-summary"
GETS = [
    ("senior_adjuster", "/api/v1/drafts", {"stauts": "queued"}),
    ("senior_adjuster", "/api/v1/queues", {"page": "2"}),
    ("auditor", "/api/v1/audit/entries", {"actor_name": "adjuster"}),
    ("auditor", "/api/v1/audit/verify", {"checkpiont": "3:ab"}),
    ("auditor", "/api/v1/audit/verifications", {"offset": "10"}),
    ("claims_owner", f"{WORKFLOW}/callbacks", {"state": "failed"}),
    ("claims_owner", f"{WORKFLOW}/metrics", {"start": "2026-11-01"}),
    ("claims_owner", f"{WORKFLOW}/sources", {"since": "2026-11-01"}),
    ("claims_owner", f"{WORKFLOW}/automation", {"verbose": "1"}),
]


@pytest.mark.parametrize(("who", "path", "query"), GETS)
def test_a_misspelt_or_unknown_parameter_is_a_400_naming_it(demo, who, path, query):
    response = person_client(who).get(path, query)
    assert response.status_code == 400, response.content
    [name] = query
    [error] = response.json()["error"]["fields"][name]
    assert error["code"] == "unknown_parameter"
    assert "this endpoint takes" in error["message"]
    assert person_client(who).get(path).status_code == 200  # without it, the same call answers


def test_the_message_lists_what_the_endpoint_does_take(demo):
    response = person_client("senior_adjuster").get("/api/v1/drafts", {"stauts": "queued"})
    message = response.json()["error"]["fields"]["stauts"][0]["message"]
    assert message == (
        "Unknown parameter; this endpoint takes status, consequence, queue, workflow, "
        "cursor, page_size."
    )


def test_a_draft_sent_with_an_unknown_parameter_is_not_stored(claims):
    producer, _key = producer_client(claims)
    before = Draft.objects.count()
    response = producer.post(
        "/api/v1/drafts?dry_run=1",
        {"external_id": "q-1", "content": "A summary.", "consequence": "low"},
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["error"]["fields"]["dry_run"][0]["code"] == "unknown_parameter"
    assert Draft.objects.count() == before


def test_a_decision_with_an_unknown_parameter_changes_nothing(demo):
    reviewer = person_client("adjuster")
    claimed = reviewer.post("/api/v1/queues/claims-standard/claim")
    assert claimed.status_code == 200
    draft_id = claimed.json()["id"]
    decisions = AuditEntry.objects.filter(action="draft.decided").count()
    response = reviewer.post(
        f"/api/v1/drafts/{draft_id}/decisions?force=true", {"action": "approve"}, format="json"
    )
    assert response.status_code == 400
    assert Draft.objects.get(pk=draft_id).status == "in_review"
    assert AuditEntry.objects.filter(action="draft.decided").count() == decisions
