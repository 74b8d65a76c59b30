"""Events besides the review flow: sign-ins, configuration edits, key revocation, purging."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone

from audit.models import AuditEntry
from reviewqueue.models import Decision, Draft, Queue
from reviewqueue.services.retention import purge_expired
from tests.conftest import person_client, producer_client
from tests.reviewqueue.review_helpers import make_drafts
from workflows.models import ProducerKey

pytestmark = pytest.mark.django_db


def test_sign_ins_and_failed_sign_ins_are_logged(demo):
    client = Client()
    client.post("/login/", {"username": "adjuster", "password": "wrong"})
    client.post("/login/", {"username": "adjuster", "password": "demo-password"})
    failed = AuditEntry.objects.get(action="auth.login_failed")
    assert failed.data == {"username": "adjuster"} and failed.actor_type == "anonymous"
    assert AuditEntry.objects.get(action="auth.login").actor_label == "adjuster"


def test_a_queue_edit_in_the_admin_is_logged_with_before_and_after(demo):
    admin = Client()
    admin.force_login(User.objects.get(username="admin"))
    queue = Queue.objects.get(slug="claims-senior")
    form = {
        "slug": queue.slug,
        "name": queue.name,
        "workflow": queue.workflow_id,
        "sla": "03:00:00",
        "lease_duration": "00:15:00",
        "escalation_queue": queue.escalation_queue_id,
        "approvals_required": 1,
    }
    assert admin.post(f"/admin/reviewqueue/queue/{queue.pk}/change/", form).status_code == 302
    entry = AuditEntry.objects.get(action="queue.changed", object_id=str(queue.pk))
    assert entry.data == {
        "queue": "claims-senior",
        "before": {"sla": "2:00:00"},
        "after": {"sla": "3:00:00"},
    }
    assert entry.actor_label == "admin"


def test_revoking_a_key_in_the_admin_is_logged_and_takes_effect(claims):
    client, key = producer_client(claims)
    sent = client.post(
        "/api/v1/drafts",
        {"external_id": "before-revoke", "content": "Text.", "consequence": "low"},
        format="json",
    )
    draft_url = f"/api/v1/drafts/{sent.json()['id']}"
    assert client.get(draft_url).status_code == 200
    admin = Client()
    admin.force_login(User.objects.get(username="admin"))
    admin.post("/admin/workflows/producerkey/", {"action": "revoke", "_selected_action": [key.pk]})
    assert ProducerKey.objects.get(pk=key.pk).revoked_at is not None
    assert AuditEntry.objects.filter(action="producer_key.revoked", object_id=str(key.pk)).exists()
    # The revoked key reads nothing, not even the drafts it sent itself; nor sends or withdraws.
    for response in (
        client.get(draft_url),
        client.delete(draft_url),
        client.post("/api/v1/drafts", {"external_id": "after", "content": "x"}, format="json"),
    ):
        assert response.status_code == 403
        assert response.json()["error"]["code"] == "key_revoked"


def test_purging_removes_old_text_but_keeps_the_chain_verifiable(claims):
    [draft] = make_drafts(claims, 1, consequence="low")
    adjuster = person_client("adjuster")
    Draft.objects.exclude(pk=draft.pk).filter(queue__slug="claims-standard").update(
        status="approved"
    )
    adjuster.post("/api/v1/queues/claims-standard/claim")
    adjuster.post(f"/api/v1/drafts/{draft.pk}/decisions", {"action": "approve"}, format="json")
    assert purge_expired() == 0  # inside retention: nothing happens
    assert purge_expired(now=timezone.now() + timedelta(days=claims.retention_days + 1)) >= 1

    draft.refresh_from_db()
    assert draft.content == "" and draft.purged_at is not None
    assert Decision.objects.get(draft=draft).content == ""
    entry = AuditEntry.objects.get(action="draft.purged", object_id=str(draft.pk))
    assert len(entry.data["content_sha256"]) == 64
    assert person_client("auditor").get("/api/v1/audit/verify").json()["ok"] is True
