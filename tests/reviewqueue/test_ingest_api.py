"""POST /api/v1/drafts and GET / DELETE /api/v1/drafts/{id}: every status of the contract."""

from __future__ import annotations

import json
import uuid

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from audit.actors import Actor
from audit.models import AuditEntry
from reviewqueue.models import Draft
from reviewqueue.services import ingest
from tests.conftest import person_client, producer_client
from tests.reviewqueue.helpers import draft_body, error_code, field_codes, post_json
from workflows.services.keys import revoke_producer_key

pytestmark = pytest.mark.django_db
DRAFTS = "/api/v1/drafts"


def test_new_draft_is_stored_routed_and_audited(claims_producer):
    body = draft_body(external_id="claim-8841-summary")
    response = post_json(claims_producer, DRAFTS, body)

    assert response.status_code == 201
    data = response.json()
    assert data["status"] == "queued"
    assert data["queue"] == "claims-standard"
    assert data["routing_reason"] == "consequence 'medium' of policy v1"
    assert data["cost"] == {"input_tokens": 1200, "output_tokens": 300, "usd": "0.0042"}
    draft = Draft.objects.get(pk=data["id"])
    assert draft.content == body["content"]
    assert draft.due_at == draft.received_at + draft.queue.sla
    actions = list(
        AuditEntry.objects.filter(object_id=str(draft.pk))
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions == ["draft.received", "draft.routed"]
    routed = AuditEntry.objects.get(object_id=str(draft.pk), action="draft.routed")
    assert routed.actor_type == "producer"
    assert routed.data["after"]["queue"] == "claims-standard"
    assert routed.request_id == response["X-Request-Id"]


def test_claim_amount_rule_sends_a_low_draft_to_the_senior_queue(claims_producer):
    response = post_json(
        claims_producer, DRAFTS, draft_body(consequence="low", metadata={"claim_amount": 18250})
    )
    assert response.status_code == 201
    assert response.json()["queue"] == "claims-senior"
    assert response.json()["routing_reason"] == "rule 'claim_amount > 10000' of policy v1"


def test_producer_escalation_goes_to_the_escalation_queue(claims_producer):
    response = post_json(
        claims_producer, DRAFTS, draft_body(escalate={"reason": "model unsure of coverage"})
    )
    assert response.status_code == 201
    assert response.json()["queue"] == "claims-escalations"
    assert response.json()["status"] == "escalated"
    assert response.json()["escalate"] == {"reason": "model unsure of coverage"}


def test_critical_finance_draft_lands_in_the_two_approval_queue(finance_producer):
    response = post_json(finance_producer, DRAFTS, draft_body(consequence="critical"))
    assert response.json()["queue"] == "finance-critical"
    assert Draft.objects.get(pk=response.json()["id"]).queue.approvals_required == 2


def test_replaying_the_same_body_returns_the_same_draft_and_writes_nothing(claims_producer):
    body = draft_body()
    first = post_json(claims_producer, DRAFTS, body)
    drafts, entries = Draft.objects.count(), AuditEntry.objects.count()

    # Same content, different key order and whitespace: still the same body.
    again = post_json(claims_producer, DRAFTS, dict(reversed(list(body.items()))))

    assert again.status_code == 200
    assert again.json()["id"] == first.json()["id"]
    assert (Draft.objects.count(), AuditEntry.objects.count()) == (drafts, entries)


def test_a_number_written_another_way_is_the_same_body(claims_producer):
    # A retry through another JSON library may write 1 as 1.0 or 100 as 1e2: one value in JSON.
    body = draft_body(confidence=1, metadata={"claim_amount": 100, "ratio": 0.5})
    first = post_json(claims_producer, DRAFTS, body)
    raw = json.dumps(body).replace('"confidence": 1', '"confidence": 1.0')
    raw = raw.replace('"claim_amount": 100', '"claim_amount": 1e2').replace("0.5", "0.50")

    again = post_json(claims_producer, DRAFTS, raw)

    assert again.status_code == 200, again.json()
    assert again.json()["id"] == first.json()["id"]
    assert Draft.objects.filter(external_id=body["external_id"]).count() == 1
    changed = post_json(claims_producer, DRAFTS, {**body, "confidence": 0.99})
    assert changed.status_code == 409


def test_a_draft_stored_with_the_earlier_hash_still_replays(claims_producer):
    # Drafts stored before numbers were normalised carry the hash of the body as written.
    body = draft_body(confidence=1.0)
    first = post_json(claims_producer, DRAFTS, body)
    Draft.objects.filter(pk=first.json()["id"]).update(body_hash=ingest._hash(body))

    assert post_json(claims_producer, DRAFTS, body).status_code == 200
    assert post_json(claims_producer, DRAFTS, {**body, "content": "Other."}).status_code == 409


def test_same_external_id_with_a_different_body_is_a_conflict(claims_producer):
    body = draft_body()
    first = post_json(claims_producer, DRAFTS, body)
    changed = post_json(claims_producer, DRAFTS, {**body, "content": "Something else entirely."})

    assert changed.status_code == 409
    assert error_code(changed) == "idempotency_conflict"
    assert Draft.objects.get(pk=first.json()["id"]).content == body["content"]


def test_two_workflows_may_use_the_same_external_id(claims_producer, finance_producer):
    body = draft_body(external_id="shared-7")
    assert post_json(claims_producer, DRAFTS, body).status_code == 201
    assert post_json(finance_producer, DRAFTS, body).status_code == 201


def test_missing_or_unknown_key_is_401(claims):
    assert post_json(APIClient(), DRAFTS, draft_body()).status_code == 401
    stranger = APIClient()
    stranger.credentials(HTTP_AUTHORIZATION="Bearer rqp_00000000_notakey")
    response = post_json(stranger, DRAFTS, draft_body())
    assert response.status_code == 401
    assert error_code(response) == "authentication_failed"
    assert response["WWW-Authenticate"].startswith("Bearer")
    garbage = APIClient()
    garbage.credentials(HTTP_AUTHORIZATION="Bearer")
    assert post_json(garbage, DRAFTS, draft_body()).status_code == 401
    assert Draft.objects.filter(workflow=claims).count() == 36  # only the demo's


def test_revoked_key_is_403_and_stores_nothing(claims):
    client, key = producer_client(claims)
    revoke_producer_key(key=key, actor=Actor.system("test"))
    response = post_json(client, DRAFTS, draft_body(external_id="after-revoke"))
    assert response.status_code == 403
    assert error_code(response) == "key_revoked"
    assert not Draft.objects.filter(external_id="after-revoke").exists()
    assert AuditEntry.objects.filter(action="producer_key.revoked", object_id=str(key.pk)).exists()


def test_paused_workflow_is_403(claims, claims_producer):
    claims.is_paused = True
    claims.save()
    response = post_json(claims_producer, DRAFTS, draft_body(external_id="while-paused"))
    assert response.status_code == 403
    assert error_code(response) == "workflow_paused"
    assert not Draft.objects.filter(external_id="while-paused").exists()


def test_key_with_a_consequence_ceiling_refuses_drafts_above_it(claims):
    client, _key = producer_client(claims, max_consequence="medium")
    assert post_json(client, DRAFTS, draft_body(consequence="medium")).status_code == 201
    response = post_json(client, DRAFTS, draft_body(consequence="high", external_id="too-high"))
    assert response.status_code == 403
    assert error_code(response) == "consequence_not_allowed"
    assert not Draft.objects.filter(external_id="too-high").exists()


def test_a_person_cannot_send_drafts(as_person):
    response = post_json(as_person("senior_adjuster"), DRAFTS, draft_body(external_id="by-person"))
    assert response.status_code == 403
    assert not Draft.objects.filter(external_id="by-person").exists()


def test_producer_reads_its_own_draft(claims_producer):
    created = post_json(claims_producer, DRAFTS, draft_body()).json()
    response = claims_producer.get(f"{DRAFTS}/{created['id']}")
    assert response.status_code == 200
    assert response.json()["external_id"] == created["external_id"]
    assert response.json()["sources"][0]["id"] == "policy-12"


def test_a_draft_id_in_upper_case_finds_the_same_draft(claims_producer):
    # RFC 9562: UUIDs are read in either case; SQL Server and .NET write them in upper case.
    created = post_json(claims_producer, DRAFTS, draft_body()).json()
    response = claims_producer.get(f"{DRAFTS}/{created['id'].upper()}")
    assert response.status_code == 200
    assert response.json()["id"] == created["id"]


def test_another_workflows_key_gets_404_exactly_like_a_missing_id(
    claims_producer, finance_producer
):
    created = post_json(claims_producer, DRAFTS, draft_body()).json()
    other = finance_producer.get(f"{DRAFTS}/{created['id']}")
    missing = finance_producer.get(f"{DRAFTS}/{uuid.uuid4()}")
    assert other.status_code == missing.status_code == 404
    assert other.json() == missing.json()
    assert finance_producer.delete(f"{DRAFTS}/{created['id']}").status_code == 404
    assert Draft.objects.get(pk=created["id"]).status == "queued"


def test_malformed_id_in_the_path_is_a_json_404(claims_producer):
    response = claims_producer.get(f"{DRAFTS}/not-a-uuid")
    assert response.status_code == 404
    assert error_code(response) == "not_found"


def test_people_read_drafts_only_in_queues_they_may_view(claims_producer, as_person):
    standard = post_json(claims_producer, DRAFTS, draft_body(consequence="low")).json()
    senior = post_json(claims_producer, DRAFTS, draft_body(consequence="high")).json()
    adjuster = as_person("adjuster")
    assert adjuster.get(f"{DRAFTS}/{standard['id']}").status_code == 200
    assert adjuster.get(f"{DRAFTS}/{senior['id']}").status_code == 404
    assert as_person("senior_adjuster").get(f"{DRAFTS}/{senior['id']}").status_code == 200
    assert as_person("controller").get(f"{DRAFTS}/{standard['id']}").status_code == 404
    assert as_person("admin").get(f"{DRAFTS}/{senior['id']}").status_code == 200


def test_withdrawing_an_undecided_draft(claims_producer):
    created = post_json(claims_producer, DRAFTS, draft_body()).json()
    response = claims_producer.delete(f"{DRAFTS}/{created['id']}")
    assert response.status_code == 200
    assert response.json()["status"] == "withdrawn"
    assert Draft.objects.get(pk=created["id"]).status == "withdrawn"
    entry = AuditEntry.objects.get(action="draft.withdrawn", object_id=created["id"])
    assert entry.data == {
        "before": {"status": "queued", "queue": "claims-standard"},
        "after": {"status": "withdrawn"},
    }


@pytest.mark.parametrize("final", ["approved", "edited", "rejected", "auto_approved", "withdrawn"])
def test_withdrawing_a_decided_draft_is_409(claims_producer, final):
    created = post_json(claims_producer, DRAFTS, draft_body()).json()
    Draft.objects.filter(pk=created["id"]).update(status=final)
    response = claims_producer.delete(f"{DRAFTS}/{created['id']}")
    assert response.status_code == 409
    assert error_code(response) == "draft_already_final"
    assert Draft.objects.get(pk=created["id"]).status == final


def test_people_cannot_withdraw(claims_producer, as_person):
    created = post_json(claims_producer, DRAFTS, draft_body(consequence="low")).json()
    assert as_person("adjuster").delete(f"{DRAFTS}/{created['id']}").status_code == 403
    assert Draft.objects.get(pk=created["id"]).status == "queued"


def test_key_use_is_recorded(claims):
    client, key = producer_client(claims)
    assert key.last_used_at is None
    client.get(f"{DRAFTS}/{uuid.uuid4()}")
    key.refresh_from_db()
    assert key.last_used_at is not None
    assert timezone.now() - key.last_used_at < timezone.timedelta(minutes=1)


def test_ingest_costs_a_fixed_handful_of_queries(
    claims, claims_producer, django_assert_max_num_queries
):
    claims.monthly_budget_usd = None
    claims.save()
    post_json(claims_producer, DRAFTS, draft_body())  # the key's last-used time is written once
    # key lookup, policy queues, idempotency check, the database clock (due time), savepoint,
    # draft insert, audit insert, release
    with django_assert_max_num_queries(8):
        assert post_json(claims_producer, DRAFTS, draft_body()).status_code == 201


def test_a_budget_adds_three_queries_to_ingest(claims_producer, django_assert_max_num_queries):
    post_json(claims_producer, DRAFTS, draft_body())
    # ... plus: make sure the month's counter exists, lock it, update it
    with django_assert_max_num_queries(11):
        assert post_json(claims_producer, DRAFTS, draft_body()).status_code == 201


@pytest.mark.parametrize(
    ("field", "value", "path"),
    [
        ("external_id", 5, "external_id"),
        ("title", 1, "title"),
        ("content", 12, "content"),
        ("escalate", {"reason": 0}, "escalate.reason"),
        ("sources", [{"id": 7}], "sources.0.id"),
    ],
)
def test_numbers_where_text_belongs_are_refused_not_turned_into_text(
    claims_producer, field, value, path
):
    before = Draft.objects.count()
    response = post_json(claims_producer, "/api/v1/drafts", draft_body(**{field: value}))
    assert response.status_code == 400
    assert field_codes(response) == {path: ["invalid"]}
    assert Draft.objects.count() == before


def test_an_unreachable_database_is_a_503_to_retry_not_a_500(claims_producer, monkeypatch):
    from django.db import OperationalError

    from reviewqueue.api import drafts

    def down(**_):
        raise OperationalError("the database system is starting up")

    monkeypatch.setattr(drafts.ingest, "receive_drafts", down)
    before = Draft.objects.count()
    response = post_json(claims_producer, "/api/v1/drafts", draft_body())
    assert response.status_code == 503
    assert error_code(response) == "database_unavailable"
    assert response["Retry-After"] == "1"
    assert Draft.objects.count() == before


def test_reviewers_see_the_callback_address_without_its_query_string(claims):
    producer, _key = producer_client(claims)
    url = "https://hooks.example.com:8443/rq?token=s3cr3t"
    created = post_json(producer, DRAFTS, draft_body(external_id="cb-1", callback_url=url))
    assert created.status_code == 201 and created.json()["callback_url"] == url
    draft_id = created.json()["id"]
    assert producer.get(f"{DRAFTS}/{draft_id}").json()["callback_url"] == url
    seen = person_client("admin").get(f"{DRAFTS}/{draft_id}").json()["callback_url"]
    assert seen == "https://hooks.example.com:8443/rq?…"
    listed = person_client("adjuster").get(DRAFTS, {"queue": "claims-standard"}).json()["results"]
    [mine] = [d for d in listed if d["external_id"] == "cb-1"]
    assert mine["callback_url"] == "https://hooks.example.com:8443/rq?…"
