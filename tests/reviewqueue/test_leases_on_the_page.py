"""Leases on the review page: releasing with something typed, a lease that ran out (claim the
same draft again, what was typed given back), a draft someone else finished meanwhile."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.utils import timezone

from audit.models import AuditEntry
from reviewqueue.models import Draft, Lease, Queue, QueueGroupObjectPermission
from reviewqueue.services import leases
from reviewqueue.services.errors import NotAllowed
from tests.conftest import signed_in
from tests.reviewqueue.review_helpers import let_lease_time_pass, make_drafts
from tests.reviewqueue.test_pages import claimed, decide, text

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def quiet_queues(demo):
    """Only the drafts each test makes are waiting."""
    Draft.objects.update(status="approved")


def test_releasing_with_a_typed_decision_shows_what_was_not_saved(claims):
    [draft] = make_drafts(claims, 1)
    adjuster = signed_in("adjuster")
    claimed(adjuster, draft)
    response = adjuster.post(
        f"/drafts/{draft.pk}/release/",
        {
            "release": "1",
            "action": "escalate",
            "content": draft.content,  # the text box as it came: nothing changed there
            "comment": "Half-way through the photos.",
            "reason": "Coverage of the shed unclear.",
        },
    )
    assert response.status_code == 200
    page = text(response)
    assert f"Released {draft.external_id} back to claims-standard." in page
    assert "Half-way through the photos." in page and "Coverage of the shed unclear." in page
    assert "Your edited text" not in page  # the text was not changed
    assert Draft.objects.get(pk=draft.pk).status == "queued"


def test_releasing_with_nothing_typed_goes_back_to_the_inbox(claims):
    [draft] = make_drafts(claims, 1)
    adjuster = signed_in("adjuster")
    claimed(adjuster, draft)
    page = text(adjuster.get(f"/drafts/{draft.pk}/"))
    assert f'formaction="/drafts/{draft.pk}/release/"' in page  # part of the decision form
    response = adjuster.post(f"/drafts/{draft.pk}/release/", {"release": "1", "content": ""})
    assert response.status_code == 302 and response.url == "/"
    assert Draft.objects.get(pk=draft.pk).status == "queued"


def test_deciding_a_draft_someone_else_finished_names_them_and_when(claims):
    [draft] = make_drafts(claims, 1)
    adjuster = signed_in("adjuster")
    claimed(adjuster, draft)
    assert decide(adjuster, draft, action="approve").status_code == 302  # in one tab
    response = decide(adjuster, draft, action="reject", error_category="tone", comment="Tab 2.")
    assert response.status_code == 409
    page = text(response)
    assert "The draft was already decided: approved by adjuster at " in page
    assert "What you typed was <strong>not saved</strong>" in page and "Tab 2." in page
    assert "either" not in page


def test_a_lease_that_ran_out_can_be_claimed_again_with_what_was_typed(claims):
    [draft, other] = make_drafts(claims, 2)
    adjuster = signed_in("adjuster")
    claimed(adjuster, draft)
    let_lease_time_pass(draft, 16)
    refused_page = decide(
        adjuster, draft, action="edit", content="My rewrite.", error_category="tone", comment="Hm."
    )
    assert refused_page.status_code == 409
    page = text(refused_page)
    assert 'data-testid="claim-again"' in page and "Claim it again with what you typed" in page

    response = adjuster.post(
        f"/drafts/{draft.pk}/claim/", {"content": "My rewrite.", "action": "edit", "comment": "Hm."}
    )

    assert response.status_code == 302 and response.url == f"/drafts/{draft.pk}/"
    draft.refresh_from_db()
    assert draft.status == "in_review" and draft.leased_by.username == "adjuster"
    assert draft.lease_expires_at > timezone.now()
    form = adjuster.get(f"/drafts/{draft.pk}/").context["form"]
    assert (form["content"].value(), form["comment"].value()) == ("My rewrite.", "Hm.")
    assert Lease.objects.filter(draft=draft, ended_at__isnull=True).count() == 1
    assert AuditEntry.objects.filter(action="draft.claimed", object_id=str(draft.pk)).count() == 2
    assert Draft.objects.get(pk=other.pk).status == "queued"  # the queue's next was not taken


def test_after_the_reaper_the_draft_page_offers_to_claim_it_again(claims):
    [draft] = make_drafts(claims, 1)
    adjuster = signed_in("adjuster")
    claimed(adjuster, draft)
    let_lease_time_pass(draft, 16)
    leases.expire_leases()
    assert Draft.objects.get(pk=draft.pk).status == "queued"
    assert 'data-testid="claim-again"' in text(adjuster.get(f"/drafts/{draft.pk}/"))
    assert adjuster.post(f"/drafts/{draft.pk}/claim/").status_code == 302
    assert Draft.objects.get(pk=draft.pk).leased_by.username == "adjuster"


def test_claiming_again_is_refused_once_someone_else_took_the_draft(claims):
    [draft] = make_drafts(claims, 1)
    adjuster = signed_in("adjuster")
    claimed(adjuster, draft)
    let_lease_time_pass(draft, 16)
    senior = signed_in("senior_adjuster")
    assert senior.post("/queues/claims-standard/claim/").url == f"/drafts/{draft.pk}/"
    assert 'data-testid="claim-again"' not in text(adjuster.get(f"/drafts/{draft.pk}/"))
    response = adjuster.post(f"/drafts/{draft.pk}/claim/")
    assert response.status_code == 409
    assert "Someone else has taken this draft meanwhile" in text(response)
    assert Draft.objects.get(pk=draft.pk).leased_by.username == "senior_adjuster"


def test_a_draft_never_leased_to_you_is_claimed_from_its_queue_not_by_name(claims):
    [first, second] = make_drafts(claims, 2)
    response = signed_in("adjuster").post(f"/drafts/{second.pk}/claim/")
    assert response.status_code == 409
    assert "claim the next draft of its queue instead" in text(response)
    assert Draft.objects.get(pk=second.pk).status == "queued"


def test_claiming_again_while_holding_another_draft_of_the_queue_is_refused(claims):
    [draft, other] = make_drafts(claims, 2)
    adjuster = signed_in("adjuster")
    claimed(adjuster, draft)
    let_lease_time_pass(draft, 16)
    leases.expire_leases()
    Draft.objects.filter(pk=draft.pk).update(due_at=timezone.now() + timedelta(days=1))
    assert adjuster.post("/queues/claims-standard/claim/").url == f"/drafts/{other.pk}/"
    response = adjuster.post(f"/drafts/{draft.pk}/claim/")
    assert response.status_code == 409 and "decide or release it first" in text(response)


def test_claiming_again_a_draft_someone_finished_says_who(claims):
    [draft] = make_drafts(claims, 1)
    adjuster = signed_in("adjuster")
    claimed(adjuster, draft)
    let_lease_time_pass(draft, 16)
    senior = signed_in("senior_adjuster")
    assert senior.post("/queues/claims-standard/claim/").url == f"/drafts/{draft.pk}/"
    assert decide(senior, draft, action="approve").status_code == 302
    response = adjuster.post(f"/drafts/{draft.pk}/claim/")
    assert response.status_code == 409
    assert "already decided: approved by senior_adjuster" in text(response)


def test_releasing_after_the_lease_ran_out_gives_back_what_was_typed(claims):
    [draft] = make_drafts(claims, 1)
    adjuster = signed_in("adjuster")
    claimed(adjuster, draft)
    let_lease_time_pass(draft, 16)
    response = adjuster.post(
        f"/drafts/{draft.pk}/release/", {"release": "1", "comment": "Notes so far."}
    )
    assert response.status_code == 409
    page = text(response)
    assert "Notes so far." in page and "Claim it again with what you typed" in page


def test_claiming_again_checks_the_review_right_under_the_lock(claims):
    [draft] = make_drafts(claims, 1)
    adjuster = signed_in("adjuster")
    claimed(adjuster, draft)
    let_lease_time_pass(draft, 16)
    person = User.objects.get(username="adjuster")
    queue = Queue.objects.get(slug="claims-standard")
    QueueGroupObjectPermission.objects.filter(
        content_object=queue, permission__codename="review_queue"
    ).delete()  # as a revocation landing between the page and the click
    with pytest.raises(NotAllowed):
        leases.claim_again(draft_id=draft.pk, user=person)
    assert Draft.objects.get(pk=draft.pk).leased_by is None
    assert Lease.objects.filter(draft=draft).count() == 1  # no new lease
