"""The SLA sweep escalates overdue drafts once, even with two sweepers at once."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from audit.models import AuditEntry
from reviewqueue.models import Draft
from reviewqueue.services.sla import escalate_overdue
from reviewqueue.tasks import escalate_overdue_task
from tests.conftest import person_client
from tests.reviewqueue.review_helpers import make_drafts
from workflows.models import Workflow


@pytest.fixture
def quiet(demo):
    Draft.objects.update(status="approved")


@pytest.mark.django_db
def test_overdue_draft_moves_to_the_escalation_queue(claims, quiet):
    [draft] = make_drafts(claims, 1)
    later = timezone.now() + timedelta(hours=4, minutes=1)
    assert escalate_overdue(now=later - timedelta(minutes=2)) == 0  # not yet due

    assert escalate_overdue(now=later) == 1

    draft.refresh_from_db()
    assert draft.queue.slug == "claims-escalations" and draft.status == "escalated"
    assert draft.due_at == later + timedelta(hours=8)
    actions = AuditEntry.objects.filter(object_id=str(draft.pk)).values_list("action", flat=True)
    assert {"draft.sla_breached", "draft.escalated"} <= set(actions)
    assert escalate_overdue(now=later) == 0  # idempotent


@pytest.mark.django_db
def test_a_breach_in_a_queue_with_nowhere_to_go_is_recorded_once(claims, quiet):
    [draft] = make_drafts(claims, 1, escalate={"reason": "unsure"})
    later = timezone.now() + timedelta(hours=9)
    assert escalate_overdue(now=later) == 1
    assert escalate_overdue(now=later + timedelta(hours=1)) == 0
    draft.refresh_from_db()
    assert draft.queue.slug == "claims-escalations" and draft.sla_breached_at == later
    assert (
        AuditEntry.objects.filter(action="draft.sla_breached", object_id=str(draft.pk)).count() == 1
    )


@pytest.mark.django_db
def test_a_draft_under_a_live_lease_stays_with_its_reviewer_but_the_breach_counts(claims, quiet):
    [draft] = make_drafts(claims, 1)
    adjuster = person_client("adjuster")
    adjuster.post("/api/v1/queues/claims-standard/claim")
    Draft.objects.filter(pk=draft.pk).update(due_at=timezone.now() - timedelta(minutes=1))
    breaches = AuditEntry.objects.filter(action="draft.sla_breached", object_id=str(draft.pk))

    assert escalate_overdue() == 1
    assert Draft.objects.get(pk=draft.pk).status == "in_review"  # not taken from the reviewer
    assert breaches.count() == 1 and breaches.get().data["leased_by"] == "adjuster"
    assert escalate_overdue() == 0  # recorded once

    # Released undecided: it moves at the next sweep, without a second breach.
    adjuster.post(f"/api/v1/drafts/{draft.pk}/release")
    assert escalate_overdue() == 1
    moved = Draft.objects.get(pk=draft.pk)
    assert moved.queue.slug == "claims-escalations" and moved.status == "escalated"
    assert moved.sla_breached_at is None and breaches.count() == 1
    assert escalate_overdue() == 0


@pytest.mark.django_db
def test_the_beat_task_runs_the_sweep(claims, quiet):
    [draft] = make_drafts(claims, 1)
    Draft.objects.filter(pk=draft.pk).update(due_at=timezone.now() - timedelta(minutes=1))
    assert escalate_overdue_task.apply().get() == 1


@pytest.mark.django_db(transaction=True)
def test_two_sweepers_at_once_escalate_each_draft_once(demo):
    Draft.objects.update(status="approved")
    claims = Workflow.objects.get(slug="claims-intake-summary")
    drafts = make_drafts(claims, 300)
    Draft.objects.filter(pk__in=[d.pk for d in drafts]).update(
        due_at=timezone.now() - timedelta(minutes=1)
    )
    barrier, counts = threading.Barrier(2), []

    def sweep():
        try:
            barrier.wait()
            counts.append(escalate_overdue())
        finally:
            connection.close()

    threads = [threading.Thread(target=sweep) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(counts) == 300
    ids = [str(d.pk) for d in drafts]
    assert AuditEntry.objects.filter(action="draft.escalated", object_id__in=ids).count() == 300
    assert Draft.objects.filter(pk__in=ids, queue__slug="claims-escalations").count() == 300
