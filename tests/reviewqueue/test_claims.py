"""Claiming: most urgent first, one lease per person per queue, expiry, renewal, release."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.contrib.auth.models import User
from django.utils import timezone

from audit.models import AuditEntry
from reviewqueue import clock
from reviewqueue.models import Draft, Lease, Queue
from reviewqueue.services.leases import expire_leases
from tests.conftest import person_client
from tests.reviewqueue.helpers import error_code
from tests.reviewqueue.review_helpers import let_lease_time_pass, make_drafts

pytestmark = pytest.mark.django_db


@pytest.fixture
def empty_standard(claims):
    """claims-standard with the demo's drafts moved out of the way."""
    Draft.objects.filter(queue__slug="claims-standard").update(status="approved")
    return Queue.objects.get(slug="claims-standard")


def claim(client, slug="claims-standard"):
    return client.post(f"/api/v1/queues/{slug}/claim")


def test_claim_hands_out_the_most_urgent_draft_with_its_lease(claims, empty_standard):
    later, sooner = make_drafts(claims, 2)
    Draft.objects.filter(pk=sooner.pk).update(due_at=timezone.now() + timedelta(minutes=5))
    adjuster = person_client("adjuster")

    response = claim(adjuster)

    assert response.status_code == 200
    body = response.json()
    assert body["id"] == str(sooner.pk)
    assert body["status"] == "in_review"
    assert body["leased_by"] == "adjuster"
    draft = Draft.objects.get(pk=sooner.pk)
    assert draft.lease_expires_at - draft.lease_started_at == timedelta(minutes=15)
    entry = AuditEntry.objects.get(action="draft.claimed", object_id=str(sooner.pk))
    assert entry.actor_label == "adjuster"
    assert Lease.objects.get(draft=draft).holder.username == "adjuster"


def test_equal_due_times_go_in_order_of_arrival(claims, empty_standard):
    first, second = make_drafts(claims, 2)
    Draft.objects.filter(pk__in=[first.pk, second.pk]).update(due_at=timezone.now())
    Draft.objects.filter(pk=second.pk).update(received_at=first.received_at + timedelta(seconds=1))
    assert claim(person_client("adjuster")).json()["id"] == str(first.pk)


def test_claiming_again_returns_the_draft_already_held(claims, empty_standard):
    make_drafts(claims, 3)
    adjuster = person_client("adjuster")
    first = claim(adjuster).json()
    again = claim(adjuster).json()
    assert again["id"] == first["id"]
    assert Lease.objects.filter(holder__username="adjuster").count() == 1


def test_claim_skips_drafts_leased_by_others(claims, empty_standard):
    make_drafts(claims, 2)
    mine = claim(person_client("senior_adjuster")).json()
    theirs = claim(person_client("senior_adjuster2")).json()
    assert mine["id"] != theirs["id"]


def test_nothing_to_claim_is_204(empty_standard):
    response = claim(person_client("adjuster"))
    assert response.status_code == 204
    assert response.content == b""


def test_an_expired_lease_makes_the_draft_claimable_again(claims, empty_standard):
    [draft] = make_drafts(claims, 1)
    adjuster, senior = person_client("adjuster"), person_client("senior_adjuster")
    assert claim(adjuster).json()["id"] == str(draft.pk)
    assert claim(senior).status_code == 204

    let_lease_time_pass(draft, minutes=16)
    taken = claim(senior)
    assert taken.json()["id"] == str(draft.pk)
    late = adjuster.post(
        f"/api/v1/drafts/{draft.pk}/decisions", {"action": "approve"}, format="json"
    )
    assert late.status_code == 409
    assert error_code(late) == "no_live_lease"
    assert AuditEntry.objects.filter(action="lease.expired", object_id=str(draft.pk)).exists()
    ended = Lease.objects.get(draft=draft, holder__username="adjuster")
    assert ended.end_reason == "expired"


def test_the_reaper_returns_expired_drafts_to_their_queue(claims, empty_standard):
    [draft] = make_drafts(claims, 1, escalate={"reason": "unsure"})
    Draft.objects.filter(pk=draft.pk).update(
        queue=empty_standard
    )  # an escalated draft waiting here
    claim(person_client("adjuster"))
    assert expire_leases() == 0  # still live
    let_lease_time_pass(draft, minutes=16)
    assert expire_leases() == 1
    draft.refresh_from_db()
    assert draft.status == "escalated"  # back to what it was waiting as
    assert draft.leased_by is None
    assert expire_leases() == 0


def test_renewing_extends_the_lease(claims, empty_standard):
    [draft] = make_drafts(claims, 1)
    adjuster = person_client("adjuster")
    claim(adjuster)
    let_lease_time_pass(draft, minutes=10)
    response = adjuster.post(f"/api/v1/drafts/{draft.pk}/lease")
    renewed_at = clock.now()
    assert response.status_code == 200
    draft.refresh_from_db()
    assert abs(draft.lease_expires_at - (renewed_at + timedelta(minutes=15))) < timedelta(seconds=5)
    assert AuditEntry.objects.filter(action="lease.renewed", object_id=str(draft.pk)).exists()
    assert Lease.objects.get(draft=draft).expires_at == draft.lease_expires_at


def test_releasing_puts_the_draft_back(claims, empty_standard):
    [draft] = make_drafts(claims, 1)
    adjuster = person_client("adjuster")
    claim(adjuster)
    response = adjuster.post(f"/api/v1/drafts/{draft.pk}/release")
    assert response.status_code == 200
    assert response.json()["status"] == "queued"
    assert AuditEntry.objects.filter(action="lease.released", object_id=str(draft.pk)).exists()
    assert claim(person_client("senior_adjuster")).json()["id"] == str(draft.pk)


@pytest.mark.parametrize("path", ["lease", "release"])
def test_renew_or_release_without_a_live_lease_is_409(claims, empty_standard, path):
    [draft] = make_drafts(claims, 1)
    claim(person_client("senior_adjuster"))
    response = person_client("adjuster").post(f"/api/v1/drafts/{draft.pk}/{path}")
    assert response.status_code == 409
    assert error_code(response) == "no_live_lease"
    assert Draft.objects.get(pk=draft.pk).leased_by == User.objects.get(username="senior_adjuster")


def test_claim_on_a_queue_one_may_view_but_not_review_is_403(claims):
    from guardian.shortcuts import assign_perm

    outsider = User.objects.create_user("viewer_only")
    assign_perm("view_queue", outsider, Queue.objects.get(slug="claims-senior"))
    response = claim(person_client("viewer_only"), "claims-senior")
    assert response.status_code == 403
    assert error_code(response) == "permission_denied"


def test_claim_on_a_queue_one_may_not_view_is_404_like_a_missing_queue(claims):
    adjuster = person_client("adjuster")
    hidden, missing = claim(adjuster, "claims-senior"), claim(adjuster, "no-such-queue")
    assert hidden.status_code == missing.status_code == 404
    assert hidden.json() == missing.json()


def test_the_queue_list_counts_drafts_with_expired_leases_as_waiting(claims, empty_standard):
    make_drafts(claims, 2)
    held = claim(person_client("adjuster")).json()["id"]

    def standard(client):
        queues = client.get("/api/v1/queues").json()["results"]
        return next(q for q in queues if q["slug"] == "claims-standard")

    senior = person_client("senior_adjuster")
    assert (standard(senior)["waiting"], standard(senior)["in_review"]) == (1, 1)
    let_lease_time_pass(Draft.objects.get(pk=held), minutes=16)
    assert (standard(senior)["waiting"], standard(senior)["in_review"]) == (2, 0)


def test_claiming_after_a_release_offers_another_draft_first(claims, empty_standard):
    first, second = make_drafts(claims, 2)
    Draft.objects.filter(pk=first.pk).update(due_at=timezone.now() + timedelta(hours=1))
    adjuster = person_client("adjuster")
    assert claim(adjuster).json()["id"] == str(first.pk)  # the most urgent
    adjuster.post(f"/api/v1/drafts/{first.pk}/release")
    assert claim(adjuster).json()["id"] == str(second.pk)  # "another one, please"
    adjuster.post(f"/api/v1/drafts/{second.pk}/release")
    # Both given back: the most urgent again, rather than nothing.
    assert claim(adjuster).json()["id"] == str(first.pk)
    adjuster.post(f"/api/v1/drafts/{first.pk}/release")
    # Someone else is offered the most urgent as always.
    assert claim(person_client("senior_adjuster")).json()["id"] == str(first.pk)


def test_a_release_stops_counting_after_ten_minutes(claims, empty_standard):
    first, _second = make_drafts(claims, 2)
    Draft.objects.filter(pk=first.pk).update(due_at=timezone.now() + timedelta(hours=1))
    adjuster = person_client("adjuster")
    claim(adjuster)
    adjuster.post(f"/api/v1/drafts/{first.pk}/release")
    let_lease_time_pass(first, minutes=11)
    assert claim(adjuster).json()["id"] == str(first.pk)


@pytest.mark.parametrize("server_clock_off_by", [timedelta(minutes=20), timedelta(minutes=-20)])
def test_leases_run_on_the_database_clock_whatever_the_web_servers_clock_says(
    claims, empty_standard, server_clock_off_by
):
    """Web servers' clocks drift apart; a lease must end at the same moment for all of them."""
    [draft] = make_drafts(claims, 1)
    adjuster, senior = person_client("adjuster"), person_client("senior_adjuster")
    assert claim(adjuster).json()["id"] == str(draft.pk)
    with time_machine.travel(timezone.now() + server_clock_off_by):
        # A fast clock does not end the lease early for the next reviewer...
        assert claim(senior).status_code == 204
        draft.refresh_from_db()
        assert abs(draft.lease_expires_at - (clock.now() + timedelta(minutes=15))) < timedelta(
            seconds=30
        )
        let_lease_time_pass(draft, minutes=16)
        # ...and a slow one does not keep an expired lease alive.
        assert claim(senior).json()["id"] == str(draft.pk)
