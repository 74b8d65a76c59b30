"""The queue page: a queue's undecided drafts, in the order claims take them, for anyone who
may view the queue; Claim next only where something is claimable."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone
from guardian.shortcuts import assign_perm

from reviewqueue.models import Draft, Queue
from reviewqueue.services import decisions, leases
from tests.conftest import signed_in
from tests.reviewqueue.review_helpers import make_drafts
from tests.reviewqueue.test_pages import text

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def quiet_queues(demo):
    """Only the drafts each test makes are waiting."""
    Draft.objects.update(status="approved")


def test_a_view_only_person_opens_the_queue_and_sees_what_waits_most_urgent_first(claims):
    Draft.objects.filter(queue__slug="claims-standard").update(status="approved")
    later, sooner = make_drafts(claims, 2)
    Draft.objects.filter(pk=later.pk).update(due_at=timezone.now() + timedelta(days=1))
    viewer = User.objects.create_user(username="team_lead", password="x")
    assign_perm("view_queue", viewer, Queue.objects.get(slug="claims-standard"))
    client = Client()
    client.force_login(viewer)

    home = text(client.get("/"))
    assert '<a href="/queues/claims-standard/">claims-standard</a>' in home
    page = text(client.get("/queues/claims-standard/"))

    rows = page[page.index('data-testid="queue-drafts"') :]
    assert rows.index(f"/drafts/{sooner.pk}/") < rows.index(f"/drafts/{later.pk}/")
    assert "you may view it, not review it" in page and "Claim next" not in page
    assert client.get(f"/drafts/{later.pk}/").status_code == 200  # each row opens


def test_the_queue_page_is_paged_and_hidden_from_those_who_may_not_view_it(claims):
    Draft.objects.filter(queue__slug="claims-standard").update(status="approved")
    make_drafts(claims, 51)
    adjuster = signed_in("adjuster")
    first = text(adjuster.get("/queues/claims-standard/"))
    assert "1–50 of 51" in first and "Claim next in claims-standard" in first
    second = text(adjuster.get("/queues/claims-standard/", {"page": "2"}))
    assert "51–51 of 51" in second
    assert adjuster.get("/queues/claims-standard/", {"page": "x"}).status_code == 200
    assert adjuster.get("/queues/claims-critical/").status_code == 404  # not theirs to see
    assert adjuster.get("/queues/no-such-queue/").status_code == 404
    assert signed_in("controller").get("/queues/claims-standard/").status_code == 404


def test_the_queue_page_offers_no_claim_where_nothing_is_claimable(claims):
    Draft.objects.filter(queue__slug="claims-qa").update(status="approved")
    senior = signed_in("senior_adjuster")
    page = text(senior.get("/queues/claims-qa/"))
    assert "Nothing waits in this queue." in page and "Claim next in claims-qa" not in page


def test_the_queue_page_lists_drafts_in_the_order_claims_take_them(claims):
    Draft.objects.filter(queue__slug="claims-standard").update(status="approved")
    drafts = make_drafts(claims, 5)
    same = timezone.now()
    Draft.objects.filter(pk__in=[d.pk for d in drafts]).update(received_at=same, due_at=same)
    adjuster = signed_in("adjuster")
    page = text(adjuster.get("/queues/claims-standard/"))
    listed = re.findall(r'<a href="/drafts/([0-9a-f-]+)/">', page)
    taken = []
    for _ in drafts:
        response = adjuster.post("/queues/claims-standard/claim/")
        draft_id = response.url.split("/")[2]
        taken.append(draft_id)
        Draft.objects.filter(pk=draft_id).update(status="approved", leased_by=None)
    assert taken == listed


def test_where_drafts_wait_but_none_is_yours_to_claim_the_queue_page_says_why(claims):
    [critical, held] = make_drafts(claims, 2, consequence="critical")
    Draft.objects.filter(pk=held.pk).update(due_at=timezone.now())  # the more urgent one
    claimed = leases.claim_next(
        queue=held.queue, user=User.objects.get(username="senior_adjuster2")
    )
    assert claimed.draft.pk == held.pk
    first = User.objects.get(username="senior_adjuster")
    assert leases.claim_next(queue=critical.queue, user=first).draft.pk == critical.pk
    decisions.decide(draft_id=critical.pk, user=first, action="approve")  # awaits another

    page = text(signed_in("senior_adjuster").get("/queues/claims-critical/"))

    assert 'data-testid="nothing-to-claim"' in page and "Claim next" not in page
    assert "waiting for a second approval (first: senior_adjuster)" in page
    assert "in review by senior_adjuster2 until" in page
    other = text(signed_in("admin").get("/queues/claims-critical/"))
    assert "Claim next in claims-critical" in other  # the admin may give the second approval
