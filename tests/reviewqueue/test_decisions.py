"""Decisions: each action, its 400 / 403 / 409, and the two-person rule."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.utils import timezone

from audit.models import AuditEntry
from reviewqueue.models import Decision, Draft, Queue
from reviewqueue.services.decisions import decide
from reviewqueue.services.errors import NotAllowed
from tests.conftest import person_client, signed_in
from tests.reviewqueue.helpers import error_code, field_codes
from tests.reviewqueue.review_helpers import make_drafts, reviewer

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def quiet_queues(demo):
    """Only the drafts each test makes are waiting."""
    Draft.objects.update(status="approved")


def claim(client, slug):
    response = client.post(f"/api/v1/queues/{slug}/claim")
    assert response.status_code == 200, response.content
    return response.json()["id"]


def post_decision(client, draft_id, **body):
    return client.post(f"/api/v1/drafts/{draft_id}/decisions", body, format="json")


def test_approve_finishes_a_single_approval_draft(claims):
    [draft] = make_drafts(claims, 1)
    adjuster = person_client("adjuster")
    claim(adjuster, "claims-standard")
    response = post_decision(adjuster, draft.pk, action="approve", comment="fine")
    assert response.status_code == 201
    assert response.json()["draft_status"] == "approved"
    draft.refresh_from_db()
    assert draft.status == "approved" and draft.decided_at is not None and draft.leased_by is None
    decision = Decision.objects.get(draft=draft)
    assert decision.is_final and decision.reviewer.username == "adjuster"
    assert decision.content == draft.content and decision.diff == ""
    assert decision.time_spent >= timedelta(0)
    entry = AuditEntry.objects.get(action="draft.decided", object_id=str(draft.pk))
    assert entry.data["action"] == "approve"
    assert entry.data["after"] == {"status": "approved", "queue": "claims-standard"}


def test_edit_stores_the_new_text_its_diff_and_category(claims):
    [draft] = make_drafts(claims, 1)
    adjuster = person_client("adjuster")
    claim(adjuster, "claims-standard")
    new_text = draft.content.replace("Second line.", "Corrected second line.")
    response = post_decision(
        adjuster, draft.pk, action="edit", content=new_text, error_category="missing_information"
    )
    assert response.status_code == 201
    decision = Decision.objects.get(draft=draft)
    assert decision.content == new_text
    assert "-Second line." in decision.diff and "+Corrected second line." in decision.diff
    # One change per line, whether or not the texts end with a newline.
    changed = [line for line in decision.diff.splitlines() if line[:1] in "+-"]
    assert "-Second line." in changed and "+Corrected second line." in changed
    assert decision.error_category.slug == "missing_information"
    draft.refresh_from_db()
    assert draft.status == "edited" and draft.current_content == new_text
    detail = adjuster.get(f"/api/v1/drafts/{draft.pk}").json()
    assert detail["current_content"] == new_text
    assert detail["decisions"][0]["error_category"] == "missing_information"


def test_reject_needs_a_category_and_keeps_the_comment(claims):
    [draft] = make_drafts(claims, 1)
    adjuster = person_client("adjuster")
    claim(adjuster, "claims-standard")
    response = post_decision(
        adjuster, draft.pk, action="reject", error_category="hallucinated_fact", comment="no pipe"
    )
    assert response.status_code == 201
    assert Draft.objects.get(pk=draft.pk).status == "rejected"
    assert Decision.objects.get(draft=draft).comment == "no pipe"


def test_escalate_moves_the_draft_to_the_escalation_queue_with_a_new_due_time(claims):
    [draft] = make_drafts(claims, 1)
    adjuster = person_client("adjuster")
    claim(adjuster, "claims-standard")
    before = timezone.now()
    response = post_decision(adjuster, draft.pk, action="escalate", reason="coverage unclear")
    assert response.status_code == 201
    draft.refresh_from_db()
    assert draft.status == "escalated" and draft.queue.slug == "claims-escalations"
    assert draft.due_at >= before + timedelta(hours=8)
    assert draft.leased_by is None
    assert AuditEntry.objects.filter(action="draft.escalated", object_id=str(draft.pk)).exists()
    # The adjuster cannot see the escalation queue: the draft is now hidden from them.
    assert adjuster.get(f"/api/v1/drafts/{draft.pk}").status_code == 404
    assert claim(person_client("senior_adjuster"), "claims-escalations") == str(draft.pk)


def test_escalating_from_a_queue_with_no_escalation_queue_is_409(claims):
    [draft] = make_drafts(claims, 1, escalate={"reason": "unsure"})
    senior = person_client("senior_adjuster")
    claim(senior, "claims-escalations")
    response = post_decision(senior, draft.pk, action="escalate", reason="still unsure")
    assert response.status_code == 409
    assert error_code(response) == "no_escalation_queue"
    assert Draft.objects.get(pk=draft.pk).status == "in_review"


@pytest.mark.parametrize(
    ("body", "field", "code"),
    [
        ({"action": "edit", "error_category": "tone"}, "content", "required"),
        ({"action": "edit", "content": "x"}, "error_category", "required"),
        ({"action": "reject"}, "error_category", "required"),
        (
            {"action": "reject", "error_category": "wrong_period"},
            "error_category",
            "unknown_category",
        ),
        ({"action": "escalate"}, "reason", "required"),
        ({"action": "edit", "error_category": "tone", "content": "  \n "}, "content", "blank"),
        (
            {"action": "edit", "error_category": "tone", "content": "\u200b\ufeff"},
            "content",
            "blank",
        ),
        ({"action": "escalate", "reason": " \t\n"}, "reason", "blank"),
        ({"action": "escalate", "reason": "\u2060"}, "reason", "blank"),
        ({"action": "publish"}, "action", "invalid_choice"),
        ({"action": "approve", "status": "approved"}, "status", "unknown_field"),
        ({"action": "approve", "error_category": "tone"}, "error_category", "not_allowed"),
        ({"action": "approve", "content": "New text."}, "content", "not_allowed"),
        (
            {"action": "reject", "error_category": "tone", "content": "x"},
            "content",
            "not_allowed",
        ),
        ({"action": "approve", "reason": "because"}, "reason", "not_allowed"),
    ],
)
def test_invalid_decisions_are_400_and_change_nothing(claims, body, field, code):
    [draft] = make_drafts(claims, 1)
    adjuster = person_client("adjuster")
    claim(adjuster, "claims-standard")
    response = post_decision(adjuster, draft.pk, **body)
    assert response.status_code == 400
    assert code in field_codes(response)[field]
    draft.refresh_from_db()
    assert draft.status == "in_review" and not Decision.objects.filter(draft=draft).exists()


@pytest.mark.parametrize("line_end", ["\n", "\r\n"])
def test_an_edit_that_changes_nothing_is_refused_as_unchanged(claims, line_end):
    [draft] = make_drafts(claims, 1)
    Draft.objects.filter(pk=draft.pk).update(content="First line.\nSecond line.")
    adjuster = person_client("adjuster")
    claim(adjuster, "claims-standard")
    same = f"First line.{line_end}Second line."
    response = post_decision(adjuster, draft.pk, action="edit", error_category="tone", content=same)
    assert response.status_code == 400
    assert field_codes(response) == {"content": ["unchanged"]}
    assert "approve it as written" in response.json()["error"]["fields"]["content"][0]["message"]
    draft.refresh_from_db()
    assert draft.status == "in_review" and not Decision.objects.filter(draft=draft).exists()


def test_deciding_without_a_lease_is_409(claims):
    [draft] = make_drafts(claims, 1)
    response = post_decision(person_client("adjuster"), draft.pk, action="approve")
    assert response.status_code == 409
    assert error_code(response) == "no_live_lease"


def test_deciding_on_someone_elses_lease_is_409(claims):
    [draft] = make_drafts(claims, 1)
    claim(person_client("senior_adjuster"), "claims-standard")
    response = post_decision(person_client("adjuster"), draft.pk, action="approve")
    assert response.status_code == 409
    assert Draft.objects.get(pk=draft.pk).leased_by.username == "senior_adjuster"


def test_deciding_an_already_decided_draft_is_409(claims):
    [draft] = make_drafts(claims, 1)
    adjuster = person_client("adjuster")
    claim(adjuster, "claims-standard")
    assert post_decision(adjuster, draft.pk, action="approve").status_code == 201
    again = post_decision(adjuster, draft.pk, action="reject", error_category="tone")
    assert again.status_code == 409
    assert error_code(again) == "draft_already_final"
    assert Decision.objects.filter(draft=draft).count() == 1


def test_viewer_without_review_rights_gets_403_on_decide(claims):
    from guardian.shortcuts import assign_perm

    [draft] = make_drafts(claims, 1)
    User.objects.create_user("watcher")
    assign_perm("view_queue", User.objects.get(username="watcher"), draft.queue)
    response = post_decision(person_client("watcher"), draft.pk, action="approve")
    assert response.status_code == 403


class TestTwoPersonApproval:
    @pytest.fixture
    def critical(self, claims):
        [draft] = make_drafts(claims, 1, consequence="critical")
        assert draft.queue.slug == "claims-critical"
        return draft

    def test_first_approval_waits_for_a_second_person(self, critical):
        first = person_client("senior_adjuster")
        claim(first, "claims-critical")
        response = post_decision(first, critical.pk, action="approve")
        assert response.json()["draft_status"] == "awaiting_second_approval"
        assert not response.json()["is_final"]
        # The first approver is never offered it again ...
        assert first.post("/api/v1/queues/claims-critical/claim").status_code == 204
        # ... a different person takes it and finishes it.
        second = person_client("senior_adjuster2")
        assert claim(second, "claims-critical") == str(critical.pk)
        finished = post_decision(second, critical.pk, action="approve")
        assert finished.json()["draft_status"] == "approved"
        approvers = set(
            Decision.objects.filter(draft=critical).values_list("reviewer__username", flat=True)
        )
        assert approvers == {"senior_adjuster", "senior_adjuster2"}

    def test_second_reviewer_sees_the_first_reviewers_edit_and_may_reject(self, critical):
        first = person_client("senior_adjuster")
        claim(first, "claims-critical")
        post_decision(
            first, critical.pk, action="edit", content="Edited by one.", error_category="tone"
        )
        second = person_client("senior_adjuster2")
        claim(second, "claims-critical")
        seen = second.get(f"/api/v1/drafts/{critical.pk}").json()
        assert seen["current_content"] == "Edited by one."
        assert seen["status"] == "in_review"
        rejected = post_decision(
            second, critical.pk, action="reject", error_category="hallucinated_fact"
        )
        assert rejected.json()["draft_status"] == "rejected"

    def test_an_edit_in_either_round_makes_the_outcome_edited(self, critical):
        first = person_client("senior_adjuster")
        claim(first, "claims-critical")
        post_decision(first, critical.pk, action="edit", content="Better.", error_category="tone")
        second = person_client("senior_adjuster2")
        claim(second, "claims-critical")
        assert (
            post_decision(second, critical.pk, action="approve").json()["draft_status"] == "edited"
        )

    def test_a_first_approval_whose_approver_lost_the_right_no_longer_counts(self, critical):
        from django.contrib.auth.models import Group

        from tests.reviewqueue.review_helpers import reviewer

        first = person_client("senior_adjuster")
        claim(first, "claims-critical")
        post_decision(first, critical.pk, action="approve")
        # Between the two approvals the first approver leaves the role that let them review.
        User.objects.get(username="senior_adjuster").groups.remove(
            Group.objects.get(name="senior_adjusters")
        )
        second = person_client("senior_adjuster2")
        claim(second, "claims-critical")
        response = post_decision(second, critical.pk, action="approve")

        assert response.status_code == 201
        assert response.json()["draft_status"] == "awaiting_second_approval"  # one valid approval
        critical.refresh_from_db()
        assert critical.first_approver.username == "senior_adjuster2"
        voided = AuditEntry.objects.get(action="draft.approval_voided", object_id=str(critical.pk))
        assert voided.data["first_approver"] == "senior_adjuster"
        # A third qualified person gives the second approval: two qualified approvers, distinct.
        reviewer("senior_adjuster3")
        third = person_client("senior_adjuster3")
        assert claim(third, "claims-critical") == str(critical.pk)
        assert post_decision(third, critical.pk, action="approve").json()["draft_status"] == (
            "approved"
        )

    def test_the_first_approver_cannot_approve_again_by_any_route(self, critical):
        first_user = User.objects.get(username="senior_adjuster")
        first = person_client("senior_adjuster")
        claim(first, "claims-critical")
        post_decision(first, critical.pk, action="approve")
        # Force a lease onto the first approver, as a bug or a crafted request might.
        now = timezone.now()
        Draft.objects.filter(pk=critical.pk).update(
            status="in_review",
            status_before_lease="awaiting_second_approval",
            leased_by=first_user,
            lease_started_at=now,
            lease_expires_at=now + timedelta(minutes=5),
        )
        response = post_decision(first, critical.pk, action="approve")
        assert response.status_code == 403
        assert error_code(response) == "same_approver"
        with pytest.raises(NotAllowed):
            decide(
                draft_id=critical.pk,
                user=first_user,
                action="edit",
                content="x",
                error_category="tone",
            )
        assert Draft.objects.get(pk=critical.pk).status == "in_review"
        assert Decision.objects.filter(draft=critical).count() == 1

    def test_a_first_approval_stands_through_an_escalation(self, claims, critical):
        first = person_client("senior_adjuster")
        claim(first, "claims-critical")
        post_decision(first, critical.pk, action="approve")
        second = person_client("senior_adjuster2")
        claim(second, "claims-critical")
        post_decision(second, critical.pk, action="escalate", reason="needs legal")
        critical.refresh_from_db()
        assert critical.queue.slug == "claims-escalations"
        assert critical.first_approver.username == "senior_adjuster"
        # The escalation queue asks for one approval, but the draft is critical: the first
        # approver is not offered it there, and the next approval is the second one.
        assert first.post("/api/v1/queues/claims-escalations/claim").status_code == 204
        claim(second, "claims-escalations")
        assert post_decision(second, critical.pk, action="approve").json()["draft_status"] == (
            "approved"
        )

    def test_a_critical_draft_escalated_before_any_approval_still_needs_two_people(
        self, claims, critical
    ):
        # The hole: one person escalates, takes it again in the escalation queue, approves alone.
        alone = person_client("senior_adjuster")
        claim(alone, "claims-critical")
        post_decision(alone, critical.pk, action="escalate", reason="unsure")
        claim(alone, "claims-escalations")
        response = post_decision(alone, critical.pk, action="approve")
        assert response.json()["draft_status"] == "awaiting_second_approval"
        assert alone.post("/api/v1/queues/claims-escalations/claim").status_code == 204
        other = person_client("senior_adjuster2")
        claim(other, "claims-escalations")
        assert post_decision(other, critical.pk, action="approve").json()["draft_status"] == (
            "approved"
        )

    def test_a_critical_draft_the_producer_escalates_needs_two_people(self, claims):
        [draft] = make_drafts(claims, 1, consequence="critical", escalate={"reason": "legal"})
        assert draft.queue.slug == "claims-escalations"
        first = person_client("senior_adjuster")
        claim(first, "claims-escalations")
        assert post_decision(first, draft.pk, action="approve").json()["draft_status"] == (
            "awaiting_second_approval"
        )

    def test_a_second_round_edit_needs_another_persons_approval(self, critical):
        first = person_client("senior_adjuster")
        claim(first, "claims-critical")
        post_decision(first, critical.pk, action="approve")
        second = person_client("senior_adjuster2")
        claim(second, "claims-critical")
        edited = post_decision(
            second, critical.pk, action="edit", content="Second's text.", error_category="tone"
        )
        # Nobody but its editor has approved the new text yet.
        assert edited.json()["draft_status"] == "awaiting_second_approval"
        critical.refresh_from_db()
        assert critical.first_approver.username == "senior_adjuster2"
        # The editor cannot approve their own text; the first approver, who approved the old
        # text only, is a second pair of eyes on the new one (with the demo's two senior
        # adjusters, nobody else could finish it).
        assert second.post("/api/v1/queues/claims-critical/claim").status_code == 204
        page = signed_in("senior_adjuster").get(f"/drafts/{critical.pk}/").content.decode()
        assert "yours would be the second" in page
        queues = {q["slug"]: q for q in first.get("/api/v1/queues").json()["results"]}
        assert queues["claims-critical"]["claimable"] == 1
        assert claim(first, "claims-critical") == str(critical.pk)
        done = post_decision(first, critical.pk, action="approve")
        assert done.json()["draft_status"] == "edited"
        assert Draft.objects.get(pk=critical.pk).current_content == "Second's text."
        final = Decision.objects.get(draft=critical, is_final=True)
        assert (final.reviewer.username, final.first_approver.username) == (
            "senior_adjuster",
            "senior_adjuster2",
        )

    def test_the_database_refuses_a_second_approval_paired_with_its_own_reviewer(self, critical):
        first = person_client("senior_adjuster")
        claim(first, "claims-critical")
        post_decision(first, critical.pk, action="approve")
        approval = Decision.objects.get(draft=critical)
        with pytest.raises(IntegrityError), transaction.atomic():
            Decision.objects.filter(pk=approval.pk).update(first_approver=approval.reviewer)
        assert Decision.objects.get(pk=approval.pk).first_approver is None

    def test_the_first_approver_after_an_sla_escalation_gets_403_not_an_error(self, critical):
        from reviewqueue.services.sla import escalate_overdue

        first_user = User.objects.get(username="senior_adjuster")
        first = person_client("senior_adjuster")
        claim(first, "claims-critical")
        post_decision(first, critical.pk, action="approve")
        assert escalate_overdue(now=timezone.now() + timedelta(hours=2, minutes=1)) == 1
        critical.refresh_from_db()
        assert critical.queue.slug == "claims-escalations"
        assert first.post("/api/v1/queues/claims-escalations/claim").status_code == 204
        now = timezone.now()  # forced onto them, as a bug or a crafted request might
        Draft.objects.filter(pk=critical.pk).update(
            status="in_review",
            status_before_lease="escalated",
            leased_by=first_user,
            lease_started_at=now,
            lease_expires_at=now + timedelta(minutes=5),
        )
        response = post_decision(first, critical.pk, action="approve")
        assert response.status_code == 403 and error_code(response) == "same_approver"
        assert Decision.objects.filter(draft=critical).count() == 1

    def test_a_single_person_holding_two_roles_still_counts_once(self, claims, critical):
        both = reviewer("double_hat")
        both.groups.add(*User.objects.get(username="senior_adjuster2").groups.all())
        client = person_client("double_hat")
        claim(client, "claims-critical")
        post_decision(client, critical.pk, action="approve")
        assert client.post("/api/v1/queues/claims-critical/claim").status_code == 204
        assert Queue.objects.get(slug="claims-critical").approvals_required == 2


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"action": "shrug"}, "action"),
        ({"action": "edit", "error_category": "tone"}, "content"),
        ({"action": "escalate"}, "reason"),
    ],
)
def test_the_decision_service_checks_its_own_inputs(claims, kwargs, field):
    from reviewqueue.services.errors import Invalid

    [draft] = make_drafts(claims, 1)
    claim(person_client("adjuster"), "claims-standard")
    with pytest.raises(Invalid) as refused:
        decide(draft_id=draft.pk, user=User.objects.get(username="adjuster"), **kwargs)
    assert field in refused.value.fields
    assert Draft.objects.get(pk=draft.pk).status == "in_review"
