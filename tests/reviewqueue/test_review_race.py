"""Sixteen reviewers race on PostgreSQL, each on its own connection, until a queue is empty.

Every draft is decided exactly once, no draft ever had two live leases at once, every decision
has its audit entry, and on two-approval queues no draft is finished by one person.
"""

from __future__ import annotations

import threading
from collections import defaultdict

import pytest
from django.db import connection

from audit.models import AuditEntry
from reviewqueue.models import Decision, Draft, Lease, Queue
from reviewqueue.services.decisions import decide
from reviewqueue.services.errors import ReviewRefused
from reviewqueue.services.leases import claim_next
from tests.reviewqueue.review_helpers import make_drafts, reviewer
from workflows.models import Workflow

REVIEWERS = 16


def work_until_empty(queue: Queue, people, actions=("approve",)) -> list[Exception]:
    barrier = threading.Barrier(len(people))
    errors: list[Exception] = []

    def review(person, n: int) -> None:
        try:
            barrier.wait()
            while True:
                claim = claim_next(queue=queue, user=person)
                if claim is None:
                    return
                action = actions[n % len(actions)]
                extra = {"error_category": "tone"} if action == "reject" else {}
                try:
                    decide(draft_id=claim.draft.pk, user=person, action=action, **extra)
                except ReviewRefused as refused:  # must never happen to a live lease holder
                    errors.append(refused)
                    return
        except Exception as exc:  # noqa: BLE001  reported by the test, not swallowed
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=review, args=(p, n)) for n, p in enumerate(people)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    return errors


def assert_no_overlapping_leases(draft_ids) -> None:
    spans = defaultdict(list)
    for lease in Lease.objects.filter(draft_id__in=draft_ids):
        end = min(lease.ended_at or lease.expires_at, lease.expires_at)
        spans[lease.draft_id].append((lease.started_at, end))
    for draft_id, intervals in spans.items():
        intervals.sort()
        for (_, end), (start, _) in zip(intervals, intervals[1:], strict=False):
            assert start >= end, f"two live leases on {draft_id}"


@pytest.mark.django_db(transaction=True)
@pytest.mark.timeout(300)
def test_sixteen_reviewers_decide_every_draft_exactly_once(demo):
    Draft.objects.update(status="approved")
    claims = Workflow.objects.get(slug="claims-intake-summary")
    drafts = make_drafts(claims, 500)
    people = [reviewer(f"racer{n}") for n in range(REVIEWERS)]
    queue = Queue.objects.get(slug="claims-standard")

    errors = work_until_empty(queue, people, actions=("approve", "reject"))

    assert errors == []
    ids = [d.pk for d in drafts]
    assert (
        Draft.objects.filter(pk__in=ids).exclude(status__in=["approved", "rejected"]).count() == 0
    )
    finals = Decision.objects.filter(draft_id__in=ids, is_final=True)
    assert finals.count() == 500
    assert finals.values("draft_id").distinct().count() == 500
    assert_no_overlapping_leases(ids)
    decided = AuditEntry.objects.filter(action="draft.decided", object_id__in=[str(i) for i in ids])
    assert decided.count() == 500
    assert (
        AuditEntry.objects.filter(
            action="draft.claimed", object_id__in=[str(i) for i in ids]
        ).count()
        == 500
    )
    assert len({d.reviewer_id for d in finals}) > 1  # the work really was shared


@pytest.mark.django_db(transaction=True)
@pytest.mark.timeout(300)
def test_two_approval_queue_never_lets_one_person_finish_a_draft(demo):
    Draft.objects.update(status="approved")
    claims = Workflow.objects.get(slug="claims-intake-summary")
    drafts = make_drafts(claims, 200, consequence="critical")
    people = [reviewer(f"pair{n}") for n in range(REVIEWERS)]
    queue = Queue.objects.get(slug="claims-critical")

    errors = work_until_empty(queue, people)

    assert errors == []
    ids = [d.pk for d in drafts]
    assert set(Draft.objects.filter(pk__in=ids).values_list("status", flat=True)) == {"approved"}
    for draft_id in ids:
        approvers = list(
            Decision.objects.filter(draft_id=draft_id).values_list("reviewer_id", flat=True)
        )
        assert len(approvers) == 2 and len(set(approvers)) == 2
    assert_no_overlapping_leases(ids)


@pytest.mark.django_db(transaction=True)
@pytest.mark.timeout(60)
def test_a_claim_passes_over_a_draft_another_claim_has_locked_without_waiting(demo):
    """An exact interleaving: A has locked its candidate and not committed; B claims now."""
    import time

    from django.db import transaction

    Draft.objects.update(status="approved")
    claims = Workflow.objects.get(slug="claims-intake-summary")
    make_drafts(claims, 2)
    queue = Queue.objects.get(slug="claims-standard")
    a, b = reviewer("interleave_a"), reviewer("interleave_b")
    locked, finish = threading.Event(), threading.Event()
    held: dict = {}

    def claim_and_hold():
        try:
            with transaction.atomic():  # keeps A's row lock until `finish`
                held["a"] = claim_next(queue=queue, user=a).draft.pk
                locked.set()
                finish.wait(timeout=30)
        finally:
            connection.close()

    thread = threading.Thread(target=claim_and_hold)
    thread.start()
    assert locked.wait(timeout=30)
    started = time.monotonic()
    mine = claim_next(queue=queue, user=b)
    waited = time.monotonic() - started
    finish.set()
    thread.join()
    assert mine is not None and mine.draft.pk != held["a"]
    assert waited < 1.0  # SKIP LOCKED: B never queued behind A's lock
