"""What holds for the whole API: one error shape, JSON 404s, method checks, the OpenAPI schema."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from tests.reviewqueue.helpers import draft_body, error_code, post_json

pytestmark = pytest.mark.django_db


def test_unknown_api_path_is_a_json_404():
    response = APIClient().get("/api/v1/nothing-here")
    assert response.status_code == 404
    assert response.json() == {"error": {"code": "not_found", "message": "Not found."}}


@pytest.mark.parametrize("method", ["put", "patch"])
def test_methods_outside_the_contract_are_405(claims_producer, method):
    created = post_json(claims_producer, "/api/v1/drafts", draft_body()).json()
    response = getattr(claims_producer, method)(
        f"/api/v1/drafts/{created['id']}", data="{}", content_type="application/json"
    )
    assert response.status_code == 405
    assert error_code(response) == "method_not_allowed"


def test_responses_carry_a_request_id_and_echo_a_safe_one(claims_producer):
    response = claims_producer.get(
        "/api/v1/drafts/00000000-0000-0000-0000-000000000000", HTTP_X_REQUEST_ID="trace-42"
    )
    assert response["X-Request-Id"] == "trace-42"
    injected = claims_producer.get(
        "/api/v1/drafts/00000000-0000-0000-0000-000000000000",
        HTTP_X_REQUEST_ID="bad id\nwith newline",
    )
    assert injected["X-Request-Id"] != "bad id\nwith newline"
    assert len(injected["X-Request-Id"]) == 32


def test_openapi_schema_describes_the_ingest_contract():
    response = APIClient().get("/api/schema/", HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    schema = response.json()
    post = schema["paths"]["/api/v1/drafts"]["post"]
    assert {"200", "201", "400", "401", "403", "409", "411", "413", "415", "429"} <= set(
        post["responses"]
    )
    assert "/api/v1/drafts/batch" in schema["paths"]
    assert schema["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"
    draft_in = schema["components"]["schemas"]["DraftInRequest"]
    assert set(draft_in["required"]) == {"external_id", "content", "consequence"}


def test_api_docs_page_is_served():
    assert APIClient().get("/api/docs/").status_code == 200


def test_healthz_answers_without_credentials():
    assert APIClient().get("/healthz").json() == {"ok": True}


def test_endpoints_that_take_no_body_refuse_one_and_change_nothing(demo):
    from reviewqueue.models import Draft
    from tests.conftest import person_client

    reviewer = person_client("adjuster")
    queue = "/api/v1/queues/claims-standard/claim"
    leased = Draft.objects.filter(leased_by__username="adjuster")
    refused = reviewer.post(queue, {"external_id": "claim-8801-summary"}, format="json")
    assert refused.status_code == 400 and not leased.exists()
    assert refused.json()["error"]["fields"]["external_id"][0]["code"] == "unknown_field"

    draft_id = reviewer.post(queue, {}, format="json").json()["id"]  # `{}` is no body too
    lease = Draft.objects.get(pk=draft_id).lease_expires_at
    for action in ("lease", "release"):
        response = reviewer.post(
            f"/api/v1/drafts/{draft_id}/{action}", {"seconds": 999999}, format="json"
        )
        assert response.status_code == 400, action
        assert response.json()["error"]["fields"]["seconds"][0]["code"] == "unknown_field"
    draft = Draft.objects.get(pk=draft_id)
    assert draft.status == "in_review" and draft.lease_expires_at == lease
    assert reviewer.post(f"/api/v1/drafts/{draft_id}/release").status_code == 200
