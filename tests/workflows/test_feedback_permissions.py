"""Who may use each owners' endpoint: every persona, a producer and a stranger."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from rest_framework.test import APIClient

from tests.conftest import person_client, producer_client, signed_in
from workflows.models import Workflow
from workflows.selectors.access import feedback_role

pytestmark = pytest.mark.django_db
BASE = "/api/v1/workflows/claims-intake-summary"
# owners, admins and auditors read; only owners and admins act or take the golden set (auditors
# get 403); to anyone else the workflow is not there (404, as for an unknown one)
READ = {"claims_owner": 200, "claims_tech": 200, "admin": 200, "auditor": 200}
OWN = {"claims_owner": 200, "claims_tech": 200, "admin": 200}
ENDPOINTS = [
    ("get", f"{BASE}/metrics", READ),
    ("get", f"{BASE}/sources", READ),
    ("get", f"{BASE}/callbacks", READ),
    ("get", f"{BASE}/automation", READ),
    ("get", f"{BASE}/golden-set", OWN),
    ("post", f"{BASE}/automation", {"claims_owner": 409, "claims_tech": 409, "admin": 409}),
]
PEOPLE = [
    "claims_owner",
    "claims_tech",
    "admin",
    "auditor",
    "finance_owner",
    "adjuster",
    "senior_adjuster",
    "controller",
]


@pytest.mark.parametrize(("method", "path", "allowed"), ENDPOINTS)
@pytest.mark.parametrize("who", PEOPLE)
def test_people(demo, method, path, allowed, who):
    client = person_client(who)
    body = {"enabled": True} if method == "post" else None
    response = getattr(client, method)(path, body, format="json") if body else client.get(path)
    expected = allowed.get(who, 403 if who == "auditor" else 404)
    assert response.status_code == expected
    if expected == 403:
        assert response.json()["error"]["message"].startswith("Auditors read this workflow")


@pytest.mark.parametrize(("method", "path", "allowed"), ENDPOINTS)
def test_producers_and_strangers(claims, method, path, allowed):
    producer = producer_client(claims)[0]
    assert getattr(producer, method)(path).status_code == 403
    assert getattr(APIClient(), method)(path).status_code == 401


def test_an_unknown_workflow_is_404(demo):
    assert person_client("admin").get("/api/v1/workflows/nope/metrics").status_code == 404


def test_a_person_named_owner_sees_the_workflow_they_get_the_digest_of(demo):
    finance = "/api/v1/workflows/finance-variance/metrics"
    assert person_client("claims_tech").get(finance).status_code == 404
    tech = User.objects.get(username="claims_tech")
    Workflow.objects.filter(slug="finance-variance").update(technical_owner=tech)

    assert person_client("claims_tech").get(finance).status_code == 200
    home = signed_in("claims_tech").get("/").content.decode()
    assert 'href="/workflows/finance-variance/"' in home
    assert signed_in("claims_tech").get("/workflows/finance-variance/").status_code == 200
    User.objects.filter(pk=tech.pk).update(is_active=False)
    assert Workflow.objects.get(slug="finance-variance").technical_owner == tech
    assert (
        feedback_role(User.objects.get(pk=tech.pk), Workflow.objects.get(slug="finance-variance"))
        is None
    )
