"""POST /api/v1/drafts/batch: up to 500 drafts, each judged on its own."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from audit.models import AuditEntry
from reviewqueue.models import Draft
from tests.reviewqueue.helpers import draft_body, error_code, post_json

pytestmark = pytest.mark.django_db
BATCH = "/api/v1/drafts/batch"


def test_each_item_gets_its_own_status(claims_producer):
    existing = post_json(
        claims_producer, "/api/v1/drafts", draft_body(external_id="seen-before")
    ).json()
    items = [
        draft_body(external_id="batch-ok-1"),
        draft_body(external_id="batch-bad", confidence=7),
        {"external_id": "seen-before", "content": "different", "consequence": "low"},
        draft_body(external_id="batch-ok-2", consequence="critical"),
        "not an object",
        None,
    ]
    response = post_json(claims_producer, BATCH, {"drafts": items})

    assert response.status_code == 200
    results = response.json()["results"]
    assert [r["status"] for r in results] == [201, 400, 409, 201, 400, 400]
    assert results[0]["queue"] == "claims-standard"
    assert results[3]["queue"] == "claims-critical"
    assert results[1]["error"]["fields"]["confidence"][0]["code"] == "max_value"
    assert results[2]["error"]["code"] == "idempotency_conflict"
    assert results[4]["external_id"] is None
    [null_item] = results[5]["error"]["fields"]["body"]
    assert null_item == {
        "code": "not_an_object",
        "message": "Each item of `drafts` is one draft, a JSON object; this one is null.",
    }
    assert response.json()["summary"] == {"201": 2, "400": 3, "409": 1}
    assert set(
        Draft.objects.filter(external_id__startswith="batch-").values_list("external_id", flat=True)
    ) == {"batch-ok-1", "batch-ok-2"}
    assert str(Draft.objects.get(external_id="seen-before").pk) == existing["id"]


def test_items_above_the_keys_ceiling_are_refused_and_logged_like_single_posts(claims):
    from tests.conftest import producer_client

    client, key = producer_client(claims, max_consequence="medium")
    body = {
        "drafts": [
            draft_body(consequence="low"),
            draft_body(consequence="critical"),
            draft_body(consequence="high"),
        ]
    }
    response = post_json(client, BATCH, body)
    assert [r["status"] for r in response.json()["results"]] == [201, 403, 403]
    denied = AuditEntry.objects.filter(action="authz.denied", actor_id=str(key.pk))
    assert denied.count() == 2
    assert {e.data["code"] for e in denied} == {"consequence_not_allowed"}
    assert (
        Draft.objects.filter(workflow=claims, consequence__in=["high", "critical"])
        .filter(external_id__in=[d["external_id"] for d in body["drafts"]])
        .count()
        == 0
    )


def test_batch_items_replay_like_single_posts(claims_producer):
    body = draft_body(external_id="replayed-in-batch")
    single = post_json(claims_producer, "/api/v1/drafts", body).json()
    results = post_json(claims_producer, BATCH, {"drafts": [body, body]}).json()["results"]
    assert [(r["status"], r["id"]) for r in results] == [(200, single["id"]), (200, single["id"])]


def test_repeats_within_one_batch_are_stored_once(claims_producer):
    body = draft_body(external_id="twice-in-batch")
    changed = {**body, "content": "another text"}
    results = post_json(claims_producer, BATCH, {"drafts": [body, body, changed]}).json()["results"]
    assert [r["status"] for r in results] == [201, 200, 409]
    assert results[0]["id"] == results[1]["id"]
    assert Draft.objects.filter(external_id="twice-in-batch").count() == 1


def test_a_full_batch_of_500_is_stored_with_a_bounded_number_of_queries(claims_producer):
    items = [draft_body(external_id=f"bulk-{i}") for i in range(500)]
    entries = AuditEntry.objects.count()
    with CaptureQueriesContext(connection) as queries:
        response = post_json(claims_producer, BATCH, {"drafts": items})
    assert response.json()["summary"] == {"201": 500}
    assert Draft.objects.filter(external_id__startswith="bulk-").count() == 500
    assert AuditEntry.objects.count() == entries + 1000
    # Bulk inserts, not a loop of saves: the count does not grow with the batch.
    assert len(queries) <= 15, [q["sql"][:80] for q in queries.captured_queries]


def test_more_than_500_drafts_is_400_and_stores_nothing(claims_producer):
    items = [draft_body(external_id=f"over-{i}") for i in range(501)]
    response = post_json(claims_producer, BATCH, {"drafts": items})
    assert response.status_code == 400
    assert error_code(response) == "batch_too_large"
    assert not Draft.objects.filter(external_id__startswith="over-").exists()


@pytest.mark.parametrize("body", [{}, {"drafts": []}, {"drafts": "x"}, {"drafts": [], "extra": 1}])
def test_malformed_batch_envelope_is_400(claims_producer, body):
    assert post_json(claims_producer, BATCH, body).status_code == 400


def test_batch_needs_a_producer_key(as_person, claims):
    response = post_json(as_person("admin"), BATCH, {"drafts": [draft_body()]})
    assert response.status_code == 403


def test_a_million_tiny_items_are_refused_before_decoding_with_flat_memory(claims_producer):
    import tracemalloc

    raw = b'{"drafts": [' + b",".join([b"{}"] * 1_000_000) + b"]}"  # 3 MB, within the byte cap
    tracemalloc.start()
    try:
        response = post_json(claims_producer, BATCH, raw)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert response.status_code == 400
    assert response.json()["error"]["fields"]["body"][0]["code"] == "too_many_items"
    assert peak < 40 * 1024 * 1024, f"peak {peak / 2**20:.0f} MiB"  # decoded, it would be ~600
