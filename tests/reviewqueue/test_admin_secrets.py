"""The admin creates producer keys and personal tokens and shows each secret once, on the page
that created it; the secret works at once, is stored only as a hash and is audited."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from rest_framework.test import APIClient

from audit.actors import Actor
from audit.models import AuditEntry
from reviewqueue.models import PersonalToken
from tests.reviewqueue.helpers import draft_body, post_json
from tests.reviewqueue.test_account_changes import admin_client
from workflows.models import ProducerKey
from workflows.services.keys import create_producer_key

pytestmark = pytest.mark.django_db


def secret_on(page: str) -> str:
    start = page.index('data-testid="secret"')
    return page[start:].split('value="', 1)[1].split('"', 1)[0]


def test_the_admin_creates_a_producer_key_and_shows_its_secret_once(claims):
    admin = admin_client()
    form = admin.get("/admin/workflows/producerkey/add/")
    assert form.status_code == 200 and "Highest consequence" in form.content.decode()

    response = admin.post(
        "/admin/workflows/producerkey/add/",
        {"workflow": "claims-intake-summary", "name": "Claims bot", "max_consequence": "high"},
    )

    assert response.status_code == 200 and "no-store" in response["Cache-Control"]
    secret = secret_on(response.content.decode())
    key = ProducerKey.objects.get(name="Claims bot")
    assert secret.startswith("rqp_") and secret not in key.key_hash
    assert key.max_consequence == "high" and key.workflow == claims
    created = AuditEntry.objects.get(action="producer_key.created", object_id=str(key.pk))
    assert created.actor_label == "admin" and secret not in str(created.data)
    producer = APIClient()
    producer.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert post_json(producer, "/api/v1/drafts", draft_body()).status_code == 201
    # Never shown again: the key's own page has no secret on it.
    page = admin.get(f"/admin/workflows/producerkey/{key.pk}/change/").content.decode()
    assert secret not in page and 'data-testid="secret"' not in page


def test_a_producer_key_form_with_an_unknown_workflow_creates_nothing(claims):
    before = ProducerKey.objects.count()
    response = admin_client().post(
        "/admin/workflows/producerkey/add/", {"workflow": "nope", "max_consequence": ""}
    )
    assert response.status_code == 200 and 'data-testid="secret"' not in response.content.decode()
    assert ProducerKey.objects.count() == before


def test_the_admin_issues_a_personal_token_that_acts_as_its_person(demo):
    response = admin_client().post("/admin/reviewqueue/personaltoken/add/", {"user": "auditor"})
    assert response.status_code == 200
    secret = secret_on(response.content.decode())
    token = PersonalToken.objects.get(user=User.objects.get(username="auditor"))
    assert AuditEntry.objects.filter(
        action="personal_token.issued", object_id=str(token.pk)
    ).exists()
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert client.get("/api/v1/audit/entries").status_code == 200


def test_changing_a_keys_highest_consequence_in_the_admin_is_audited(claims):
    key, _ = create_producer_key(workflow=claims, actor=Actor.system("test"), name="bot")
    response = admin_client().post(
        f"/admin/workflows/producerkey/{key.pk}/change/", {"name": "bot", "max_consequence": "low"}
    )
    assert response.status_code == 302
    entry = AuditEntry.objects.get(action="producer_key.changed", object_id=str(key.pk))
    assert entry.data["before"] == {"max_consequence": ""}
    assert entry.data["after"] == {"max_consequence": "low"}


def test_sending_the_add_form_again_creates_nothing_more(claims):
    admin = admin_client()
    form = admin.get("/admin/workflows/producerkey/add/").content.decode()
    once = form.split('name="once" value="', 1)[1].split('"', 1)[0]
    body = {"workflow": "claims-intake-summary", "name": "twice", "once": once}
    first = admin.post("/admin/workflows/producerkey/add/", body)
    again = admin.post("/admin/workflows/producerkey/add/", body)  # a reload of that page
    assert 'data-testid="secret"' in first.content.decode()
    assert 'data-testid="already-created"' in again.content.decode()
    assert 'data-testid="secret"' not in again.content.decode()
    assert ProducerKey.objects.filter(name="twice").count() == 1


def test_the_admin_issues_no_token_for_someone_who_reviews(demo):
    # Whoever held it could decide as them, a second approval included.
    admin = admin_client()
    offered = admin.get("/admin/reviewqueue/personaltoken/add/").content.decode()
    assert 'value="auditor"' in offered and 'value="adjuster"' not in offered
    response = admin.post("/admin/reviewqueue/personaltoken/add/", {"user": "adjuster"})
    assert 'data-testid="secret"' not in response.content.decode()
    assert not PersonalToken.objects.filter(user__username="adjuster").exists()
