"""Claiming a lost lease's draft again races other claimers on PostgreSQL, each thread on its own
connection: the draft goes to exactly one of them, and it never has two live leases."""

from __future__ import annotations

import threading

import pytest
from django.contrib.auth.models import User
from django.db import connection

from reviewqueue.models import Draft, Lease, Queue
from reviewqueue.services.errors import ReviewRefused
from reviewqueue.services.leases import claim_again, claim_next
from tests.reviewqueue.review_helpers import let_lease_time_pass, make_drafts, reviewer
from tests.reviewqueue.test_review_race import assert_no_overlapping_leases

ROUNDS = 20
CLAIMERS = 6


def race_round(draft: Draft, queue: Queue, owner: User, others: list[User]):
    """The lost lease's holder claims the draft again while the others claim the queue's next,
    all at once; who got the draft, and what went wrong."""
    barrier = threading.Barrier(len(others) + 1)
    got: list[str] = []
    errors: list[Exception] = []

    def again() -> None:
        try:
            barrier.wait()
            claim_again(draft_id=draft.pk, user=owner)
            got.append(owner.username)
        except ReviewRefused:
            pass  # someone else took it first: refused, as it must be
        except Exception as exc:  # noqa: BLE001  reported by the test
            errors.append(exc)
        finally:
            connection.close()

    def rival(person: User) -> None:
        try:
            barrier.wait()
            claim = claim_next(queue=queue, user=person)
            if claim is not None and claim.draft.pk == draft.pk:
                got.append(person.username)
        except Exception as exc:  # noqa: BLE001  reported by the test
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=again)]
    threads += [threading.Thread(target=rival, args=(p,)) for p in others]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return got, errors


@pytest.mark.django_db(transaction=True)
@pytest.mark.timeout(300)
def test_the_lost_lease_holder_and_other_claimers_never_share_the_draft(demo):
    Draft.objects.update(status="approved")
    queue = Queue.objects.get(slug="claims-senior")
    owner = User.objects.get(username="senior_adjuster")
    others = [reviewer(f"rival{n}") for n in range(CLAIMERS)]
    winners = []
    for _ in range(ROUNDS):
        [draft] = make_drafts(queue.workflow, 1, consequence="high")
        assert claim_next(queue=queue, user=owner).draft.pk == draft.pk
        let_lease_time_pass(draft, queue.lease_duration.total_seconds() / 60 + 1)

        got, errors = race_round(draft, queue, owner, others)

        assert not errors, errors
        assert len(got) == 1, got  # exactly one claimer holds it
        stored = Draft.objects.get(pk=draft.pk)
        assert stored.status == "in_review" and stored.leased_by.username == got[0]
        assert Lease.objects.filter(draft=draft, ended_at__isnull=True).count() == 1
        assert_no_overlapping_leases([draft.pk])
        winners.append(got[0])
        # Clear the round: the draft leaves the queue, everyone's leases end.
        Draft.objects.filter(pk=draft.pk).update(status="approved", leased_by=None)
        Lease.objects.filter(ended_at__isnull=True).update(ended_at=stored.lease_expires_at)
    assert len(winners) == ROUNDS
