"""The embedded demo's two weeks of history: real decisions, spread over the days, once."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from audit.models import AuditEntry
from reviewqueue.models import Decision, Draft
from reviewqueue.services.demo_history import CLAIMS_OUTCOMES, DAYS, FINANCE_OUTCOMES, seed_history
from tests.conftest import person_client

pytestmark = pytest.mark.django_db


@pytest.fixture
def empty_demo(demo):
    Draft.objects.all().delete()


def test_history_is_decided_through_the_real_path_and_spread_over_two_weeks(empty_demo):
    seed_history()

    decided = Decision.objects.filter(is_final=True) | Decision.objects.filter(action="escalate")
    assert decided.count() == len(CLAIMS_OUTCOMES) + len(FINANCE_OUTCOMES)
    assert AuditEntry.objects.filter(action__startswith="draft.decided").count() >= decided.count()
    oldest = timezone.now() - timedelta(days=DAYS + 1)
    assert not Decision.objects.filter(decided_at__lt=oldest).exists()
    days = {d.date() for d in Decision.objects.values_list("decided_at", flat=True)}
    assert len(days) >= 7

    metrics = (
        person_client("claims_owner").get("/api/v1/workflows/claims-intake-summary/metrics").json()
    )
    assert metrics["outcomes"] == {"approved": 18, "edited": 6, "rejected": 4}
    assert metrics["escalation_reasons"] and metrics["sources_flagged"] >= 1
    assert len(metrics["series"]) >= 7
    assert Draft.objects.filter(is_golden=True).exists()
    # Escalated drafts still wait, escalated hours ago and due within their queue's SLA.
    escalated = Draft.objects.filter(status="escalated").select_related("queue")
    assert escalated.exists()
    for draft in escalated:
        when = Decision.objects.get(draft=draft, action="escalate").decided_at
        assert timezone.now() - when < timedelta(hours=8)
        assert draft.due_at == when + draft.queue.sla and draft.due_at > timezone.now()


def test_history_goes_only_into_an_empty_demo(demo):
    before = Decision.objects.count()
    seed_history()  # the demo's sample drafts are already there
    assert Decision.objects.count() == before
