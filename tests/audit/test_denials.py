"""Every refusal of a known caller is an `authz.denied` audit entry; nothing else changes."""

from __future__ import annotations

import uuid

import pytest
from django.contrib.auth.models import User
from django.test import Client
from rest_framework.test import APIClient

from audit.models import AuditEntry
from reviewqueue.models import Draft
from tests.conftest import person_client, producer_client
from tests.reviewqueue.review_helpers import make_drafts
from workflows.models import Workflow

pytestmark = pytest.mark.django_db


def denials():
    return AuditEntry.objects.filter(action="authz.denied").order_by("id")


def test_a_reviewer_refused_a_queue_is_logged(demo):
    adjuster = person_client("adjuster")
    before = Draft.objects.values_list("id", "status", "updated_at").order_by("id")
    snapshot = list(before)
    response = adjuster.post("/api/v1/queues/claims-senior/claim")
    assert response.status_code == 404  # a queue they may not see, answered as missing
    entry = denials().last()
    assert entry.actor_label == "adjuster"
    assert entry.data["method"] == "POST"
    assert entry.data["path"] == "/api/v1/queues/claims-senior/claim"
    assert entry.data["status"] == response.status_code
    assert list(before) == snapshot  # nothing else changed


def test_a_hidden_draft_and_a_missing_one_are_both_logged_saying_which(demo):
    finance = Workflow.objects.get(slug="finance-variance")
    [hidden] = make_drafts(finance, 1)
    adjuster = person_client("adjuster")
    assert adjuster.get(f"/api/v1/drafts/{hidden.pk}").status_code == 404
    entry = denials().last()
    assert entry.data["path"] == f"/api/v1/drafts/{hidden.pk}"
    assert entry.data["code"] == "not_found" and entry.actor_label == "adjuster"
    assert entry.data["exists"] is True
    # The same page in the browser.
    count = denials().count()
    browser = Client()
    browser.force_login(User.objects.get(username="adjuster"))
    assert browser.get(f"/drafts/{hidden.pk}/").status_code == 404
    assert denials().count() == count + 1
    # An id that does not exist is written the same way (the same work, so the same time:
    # the answer's timing cannot tell the two apart), and the log says which it was.
    assert adjuster.get(f"/api/v1/drafts/{uuid.uuid4()}").status_code == 404
    assert denials().count() == count + 2 and denials().last().data["exists"] is False
    # An address that names no object is no lookup of one.
    assert adjuster.get("/api/v1/no-such-endpoint").status_code == 404
    assert denials().count() == count + 2


def test_refusals_beyond_the_cap_are_not_written(demo, settings):
    from django.core.cache import cache

    cache.clear()
    settings.RQ_DENIALS_LOGGED_PER_MINUTE = 3
    controller = person_client("controller")
    before = denials().count()
    for _ in range(6):
        assert controller.get("/api/v1/audit/entries").status_code == 403
    assert denials().count() == before + 3
    assert person_client("adjuster").get("/api/v1/audit/entries").status_code == 403
    assert denials().count() == before + 4  # each caller has their own allowance
    cache.clear()


def test_refusals_count_against_the_callers_rate(demo, monkeypatch):
    from django.core.cache import cache

    from reviewqueue.api.throttles import PersonRateThrottle

    monkeypatch.setattr(PersonRateThrottle, "THROTTLE_RATES", {"person": "3/min"})
    cache.clear()
    controller = person_client("controller")
    statuses = [controller.get("/api/v1/audit/entries").status_code for _ in range(5)]
    assert statuses == [403, 403, 403, 429, 429]
    cache.clear()


def test_the_auditor_refused_a_claim_and_a_reviewer_refused_the_log(demo):
    assert person_client("auditor").post("/api/v1/queues/claims-standard/claim").status_code == 404
    assert person_client("controller").get("/api/v1/audit/entries").status_code == 403
    labels = [(e.actor_label, e.data["code"]) for e in denials()]
    assert ("controller", "permission_denied") in labels
    assert any(label == "auditor" for label, _ in labels)


def test_a_producer_refused_is_logged_with_its_key(claims):
    client, key = producer_client(claims)
    assert client.get("/api/v1/audit/entries").status_code == 403
    entry = denials().last()
    assert entry.actor_type == "producer" and entry.actor_label == f"{claims.slug}:{key.prefix}"
    assert entry.workflow_slug == claims.slug


def test_strangers_are_not_logged_here(demo):
    assert APIClient().get("/api/v1/audit/entries").status_code == 401
    assert not denials().exists()


def test_a_reviewer_who_may_view_but_not_review_gets_a_logged_403(demo):
    from guardian.shortcuts import assign_perm

    from reviewqueue.models import Queue

    assign_perm(
        "reviewqueue.view_queue",
        User.objects.get(username="adjuster"),
        Queue.objects.get(slug="claims-senior"),
    )
    response = person_client("adjuster").post("/api/v1/queues/claims-senior/claim")
    assert response.status_code == 403
    entry = denials().last()
    assert (entry.actor_label, entry.data["status"]) == ("adjuster", 403)
    assert entry.data["code"] == response.json()["error"]["code"]
