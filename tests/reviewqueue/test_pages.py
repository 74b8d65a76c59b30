"""The reviewer's pages: inbox, claim, review page, decisions, and what they refuse."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone
from guardian.shortcuts import assign_perm

from reviewqueue.models import Decision, Draft, Queue
from reviewqueue.services import decisions, leases
from reviewqueue.web.security import CONTENT_SECURITY_POLICY
from tests.conftest import person_client, signed_in
from tests.reviewqueue.review_helpers import let_lease_time_pass, make_drafts

pytestmark = pytest.mark.django_db

SCRIPT = "<script>alert(1)</script>"
RLO = "\u202e"


@pytest.fixture(autouse=True)
def quiet_queues(demo):
    """Only the drafts each test makes are waiting."""
    Draft.objects.update(status="approved")


def text(response) -> str:
    # Times in words ("4 hours") are joined by no-break spaces.
    return response.content.decode().replace("\xa0", " ")


def without_csrf_token(response) -> str:
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", text(response))


def claim(client: Client, slug: str = "claims-standard"):
    return client.post(f"/queues/{slug}/claim/")


def claimed(client: Client, draft: Draft) -> Draft:
    response = claim(client)
    assert response.status_code == 302 and response.url == f"/drafts/{draft.pk}/"
    return Draft.objects.get(pk=draft.pk)


def decide(client: Client, draft: Draft, **form):
    return client.post(f"/drafts/{draft.pk}/decide/", form)


def test_the_inbox_shows_an_adjuster_only_the_standard_claims_queue(claims):
    make_drafts(claims, 2)
    response = signed_in("adjuster").get("/")
    assert response.status_code == 200
    assert [q.slug for q in response.context["queues"]] == ["claims-standard"]
    page = text(response)
    assert "claims-senior" not in page and "finance-review" not in page
    assert "Claim next" in page and 'action="/queues/claims-standard/claim/"' in page
    assert "4 hours" in page and "4:00:00" not in page
    [queue] = response.context["queues"]
    assert queue.waiting == 2 and queue.in_review == 0
    assert "in 3 hours" in page  # the oldest waiting draft, due within the 4-hour SLA


def test_the_inbox_shows_a_controller_the_three_finance_queues():
    response = signed_in("controller").get("/")
    assert {q.slug for q in response.context["queues"]} == {
        "finance-review",
        "finance-critical",
        "finance-escalations",
    }
    assert "claims-standard" not in text(response)


def test_the_inbox_tells_a_person_without_queues_to_ask_an_admin():
    from django.contrib.auth.models import User

    User.objects.create_user("newcomer")
    response = signed_in("newcomer").get("/")
    assert "You may not view any review queue. Ask an admin for access." in text(response)
    assert "Claim next" not in text(response)


def test_the_inbox_sends_an_auditor_without_queues_to_the_audit_log():
    response = signed_in("auditor").get("/")
    assert "You review no queues" in text(response) and "Ask an admin" not in text(response)
    assert "/audit/" in text(response) and "Claim next" not in text(response)


def test_a_signed_out_visit_goes_to_the_login_page(claims):
    [draft] = make_drafts(claims, 1)
    for path in ("/", f"/drafts/{draft.pk}/"):
        response = Client().get(path)
        assert response.status_code == 302 and response.url.startswith("/login/")


def test_a_decision_sent_after_signing_out_is_not_done_and_its_text_comes_back(claims):
    [draft] = make_drafts(claims, 1)
    adjuster = signed_in("adjuster")
    claimed(adjuster, draft)
    adjuster.post("/logout/")  # in another tab, say
    sent = decide(adjuster, draft, action="edit", content="Kept text.", error_category="tone")
    assert sent.status_code == 302 and sent.url == f"/login/?next=/drafts/{draft.pk}/"
    assert Draft.objects.get(pk=draft.pk).status == "in_review"
    assert not Decision.objects.filter(draft=draft).exists()
    # The sign-in page says why they are there (and uses that message up)...
    signin = adjuster.get(sent.url)
    assert "You were signed out, so that was not done." in text(signin)
    back = adjuster.post(
        sent.url, {"username": "adjuster", "password": "demo-password"}, follow=True
    )
    assert back.request["PATH_INFO"] == f"/drafts/{draft.pk}/"
    # ... and the draft says it again where the form is.
    page = text(back)
    assert "Your decision was not made: you had been signed out." in page
    assert back.context["form"]["content"].value() == "Kept text."
    assert back.context["form"]["action"].value() == "edit"


def test_what_strangers_send_signed_out_is_put_aside_only_within_the_rate(claims, settings):
    from django.contrib.sessions.models import Session
    from django.core.cache import cache

    cache.clear()
    settings.RQ_SIGNIN_RATE_PER_CLIENT = "2/m"
    [draft] = make_drafts(claims, 1)
    before = Session.objects.count()
    for _ in range(5):
        Client().post(f"/drafts/{draft.pk}/decide/", {"action": "edit", "content": "x" * 1000})
    assert Session.objects.count() == before + 2
    cache.clear()


def test_other_actions_sent_signed_out_lead_back_to_the_draft(claims):
    [draft] = make_drafts(claims, 1)
    for action in ("release", "renew", "golden", "sources/flag"):
        sent = Client().post(f"/drafts/{draft.pk}/{action}/")
        assert sent.status_code == 302 and sent.url == f"/login/?next=/drafts/{draft.pk}/"


def test_a_refused_decision_offers_to_give_the_lease_back(claims):
    [draft] = make_drafts(claims, 1, consequence="critical")
    first = User.objects.get(username="senior_adjuster")
    leases.claim_next(queue=draft.queue, user=first)
    decisions.decide(draft_id=draft.pk, user=first, action="approve")
    # A lease the first approver got anyway (claim would not offer it to them again).
    now = timezone.now()
    Draft.objects.filter(pk=draft.pk).update(
        status="in_review",
        status_before_lease="awaiting_second_approval",
        leased_by=first,
        lease_started_at=now,
        lease_expires_at=now + timedelta(minutes=15),
    )
    page = decide(signed_in("senior_adjuster"), draft, action="approve")
    assert page.status_code == 403
    assert "You still hold the lease" in text(page)
    assert f'action="/drafts/{draft.pk}/release/"' in text(page)


def test_a_decision_after_the_lease_ran_out_says_so_and_keeps_what_was_written(claims):
    [draft] = make_drafts(claims, 1)
    adjuster = signed_in("adjuster")
    claimed(adjuster, draft)
    let_lease_time_pass(draft, 16)  # the reaper has not run: the draft still names them
    response = decide(
        adjuster,
        draft,
        action="edit",
        content="My rewrite.",
        error_category="tone",
        comment="Checked the file.",
    )
    assert response.status_code == 409
    page = text(response)
    assert "Your lease on this draft ran out at" in page and "claim it again" in page
    assert "You still hold the lease" not in page
    assert "My rewrite." in page and "Checked the file." in page


def test_the_first_approver_trying_again_is_told_why_claiming_will_not_help(claims):
    [draft] = make_drafts(claims, 1, consequence="critical")
    first = signed_in("senior_adjuster")
    claim(first, draft.queue.slug)
    assert decide(first, draft, action="approve").status_code == 302
    again = decide(first, draft, action="approve")  # from a tab left open
    assert again.status_code == 403
    assert "You gave this draft its first approval" in text(again)
    assert "claim it first" not in text(again)
    assert Draft.objects.get(pk=draft.pk).status == "awaiting_second_approval"


def test_the_inbox_counts_what_waits_for_another_approver_apart(claims):
    Draft.objects.filter(queue__slug="claims-critical").update(status="approved")
    [draft] = make_drafts(claims, 1, consequence="critical")
    first = signed_in("senior_adjuster")
    claim(first, draft.queue.slug)
    assert decide(first, draft, action="approve").status_code == 302

    def row(client) -> str:
        page = text(client.get("/"))
        return page[page.index('data-queue="claims-critical"') :].split("</tr>")[0]

    mine = row(first)
    assert "1 needs another approver" in mine and "nothing for you" in mine
    assert "Claim next" not in mine
    other = row(signed_in("senior_adjuster2"))
    assert "Claim next" in other and "another approver" not in other
    queues = person_client("senior_adjuster").get("/api/v1/queues").json()["results"]
    critical = next(q for q in queues if q["slug"] == "claims-critical")
    assert (critical["waiting"], critical["claimable"]) == (1, 0)
    # Claiming anyway (from a page left open) says why there is nothing, beside "Waiting 1".
    response = first.post("/queues/claims-critical/claim/", follow=True)
    assert (
        "Nothing for you in claims-critical: 1 waiting there needs a second approval by "
        "someone other than you." in text(response)
    )


def test_the_inbox_says_an_escalation_queue_takes_two_approvals_for_critical_drafts(claims):
    page = text(signed_in("senior_adjuster").get("/"))

    def approvals(slug: str) -> str:
        return page[page.index(f'data-queue="{slug}"') :].split("</tr>")[0]

    assert "2 for critical drafts escalated here" in approvals("claims-escalations")
    assert "2 for critical drafts escalated here" not in approvals("claims-standard")


def test_the_first_approver_of_an_escalated_draft_is_not_offered_it(claims):
    Draft.objects.filter(queue__slug__startswith="claims").update(status="approved")
    [draft] = make_drafts(claims, 1, consequence="critical")
    first = signed_in("senior_adjuster")
    claim(first, draft.queue.slug)
    assert decide(first, draft, action="approve").status_code == 302
    second = signed_in("senior_adjuster2")
    claim(second, draft.queue.slug)
    assert decide(second, draft, action="escalate", reason="coverage unclear").status_code == 302

    def escalations(who: str) -> dict:
        queues = person_client(who).get("/api/v1/queues").json()["results"]
        return next(q for q in queues if q["slug"] == "claims-escalations")

    # Escalated drafts keep their first approval: waiting, but not for the first approver.
    assert (
        escalations("senior_adjuster")["waiting"],
        escalations("senior_adjuster")["claimable"],
    ) == (1, 0)
    assert escalations("senior_adjuster2")["claimable"] == 1  # who escalated may take it on
    refused = person_client("senior_adjuster").post("/api/v1/queues/claims-escalations/claim")
    assert refused.status_code == 204  # what the count said


def test_a_view_only_person_has_nothing_to_claim(claims):
    viewer = User.objects.create_user(username="viewer", password="x")
    assign_perm("view_queue", viewer, Queue.objects.get(slug="claims-standard"))
    make_drafts(claims, 1)
    [queue] = person_client("viewer").get("/api/v1/queues").json()["results"]
    assert queue["waiting"] >= 1 and queue["claimable"] == 0 and not queue["may_review"]


def test_a_refused_renewal_gives_back_what_was_typed(claims):
    [draft] = make_drafts(claims, 1)
    adjuster = signed_in("adjuster")
    claimed(adjuster, draft)
    Draft.objects.filter(pk=draft.pk).update(lease_expires_at=timezone.now() - timedelta(seconds=1))
    response = adjuster.post(
        f"/drafts/{draft.pk}/renew/",
        {"renew_lease": "1", "action": "edit", "content": "My careful rewrite.", "comment": "Why."},
    )
    assert response.status_code == 409
    assert "My careful rewrite." in text(response) and "Why." in text(response)


def test_submit_and_claim_next_opens_the_next_draft_of_the_queue(claims):
    first, second = make_drafts(claims, 2)
    adjuster = signed_in("adjuster")
    claimed(adjuster, first)
    response = decide(adjuster, first, action="approve", then="next")
    assert response.status_code == 302 and response.url == f"/drafts/{second.pk}/"
    assert Draft.objects.get(pk=first.pk).status == "approved"
    assert Draft.objects.get(pk=second.pk).leased_by.username == "adjuster"
    page = text(adjuster.get(response.url))
    assert f"Approved {first.external_id}" in page  # the decision is confirmed on the next page

    last = decide(adjuster, second, action="reject", error_category="tone", then="next")
    assert last.status_code == 302 and last.url == "/"
    assert "Nothing waiting in claims-standard." in text(adjuster.get("/"))


def test_home_lists_your_recent_decisions_also_those_gone_out_of_view(claims):
    approved, escalated = make_drafts(claims, 2)
    adjuster = signed_in("adjuster")
    claimed(adjuster, approved)
    decide(adjuster, approved, action="approve")
    claimed(adjuster, escalated)
    decide(adjuster, escalated, action="escalate", reason="Coverage unclear.")

    home = text(adjuster.get("/"))
    recent = home[home.index('data-testid="recent-decisions"') :]
    # Newest first; the escalated draft is named, not linked: the adjuster cannot open it now.
    assert recent.index(escalated.external_id) < recent.index(approved.external_id)
    assert f'<a href="/drafts/{approved.pk}/">{approved.external_id}</a>' in recent
    assert f'href="/drafts/{escalated.pk}/"' not in recent
    assert "now escalated in claims-escalations, out of your view" in recent
    assert re.search(r"Approved\s+<a", recent) and "Escalated" in recent  # said as done
    assert 'data-testid="recent-decisions"' not in text(signed_in("controller").get("/"))


def test_home_leads_back_to_the_draft_you_hold(claims):
    [draft] = make_drafts(claims, 1, title="Claim 77 hail")
    adjuster = signed_in("adjuster")
    assert 'data-testid="held"' not in text(adjuster.get("/"))
    claimed(adjuster, draft)
    home = text(adjuster.get("/"))
    assert "You are reviewing" in home
    assert f'<a href="/drafts/{draft.pk}/">Claim 77 hail</a>' in home
    assert 'data-testid="held"' not in text(signed_in("senior_adjuster").get("/"))


def test_claim_next_leases_the_draft_and_opens_its_review_page(claims):
    [draft] = make_drafts(claims, 1, title="Claim 1 summary")
    adjuster = signed_in("adjuster")
    draft = claimed(adjuster, draft)
    assert draft.status == "in_review" and draft.leased_by.username == "adjuster"
    page = adjuster.get(f"/drafts/{draft.pk}/")
    assert page.status_code == 200
    assert page.context["holds_lease"] and page.context["form"] is not None
    assert "Claim 1 summary" in text(page) and 'data-testid="lease-expiry"' in text(page)
    assert "Renew lease" in text(page) and "Release" in text(page)


def test_the_review_page_opens_from_an_id_written_in_upper_case(claims):
    [draft] = make_drafts(claims, 1, title="Claim 2 summary")
    page = signed_in("adjuster").get(f"/drafts/{str(draft.pk).upper()}/")
    assert page.status_code == 200
    assert "Claim 2 summary" in text(page)


def test_claiming_an_empty_queue_goes_back_to_the_inbox_with_a_message():
    response = signed_in("adjuster").post("/queues/claims-standard/claim/", follow=True)
    assert response.redirect_chain == [("/", 302)]
    assert "Nothing waiting in claims-standard." in text(response)


def test_claiming_with_a_draft_in_hand_returns_to_that_draft(claims):
    first, _second = make_drafts(claims, 2)
    adjuster = signed_in("adjuster")
    claimed(adjuster, first)
    response = claim(adjuster, "claims-standard")
    assert response.url == f"/drafts/{first.pk}/"
    assert "You are already reviewing" in text(adjuster.get(response.url))


def test_approving_through_the_form_finishes_the_draft_and_says_so(claims):
    [draft] = make_drafts(claims, 1)
    adjuster = signed_in("adjuster")
    claimed(adjuster, draft)
    response = decide(adjuster, draft, action="approve", comment="Looks right.")
    assert response.status_code == 302 and response.url == "/"
    draft.refresh_from_db()
    assert draft.status == "approved" and draft.leased_by is None
    assert Decision.objects.get(draft=draft).comment == "Looks right."
    assert f"Approved {draft.external_id}." in text(adjuster.get("/"))


def test_editing_stores_the_new_text_with_plain_line_breaks(claims):
    [draft] = make_drafts(claims, 1)
    adjuster = signed_in("adjuster")
    claimed(adjuster, draft)
    response = decide(
        adjuster,
        draft,
        action="edit",
        content="Corrected first line.\r\nSecond line.",
        error_category="hallucinated_fact",
    )
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.status == "edited"
    assert draft.current_content == "Corrected first line.\nSecond line."
    assert f"Approved {draft.external_id} with your edits." in text(adjuster.get("/"))
    page = text(adjuster.get(f"/drafts/{draft.pk}/"))
    assert "(as edited by a reviewer)" in page and "Original AI draft" in page
    assert "<ins>Corrected</ins>" in page and "error category: Hallucinated fact" in page


def test_edit_without_a_category_is_shown_again_with_the_error_and_changes_nothing(claims):
    [draft] = make_drafts(claims, 1)
    adjuster = signed_in("adjuster")
    claimed(adjuster, draft)
    response = decide(adjuster, draft, action="edit", content="Better text.", error_category="")
    assert response.status_code == 400
    assert response.context["form"].errors["error_category"] == [
        "An error category is required to edit."
    ]
    assert "An error category is required to edit." in text(response)
    assert "Better text." in text(response)  # what the reviewer typed is kept
    draft.refresh_from_db()
    assert draft.status == "in_review" and draft.reviewed_content is None
    assert not Decision.objects.filter(draft=draft).exists()


@pytest.mark.parametrize(
    ("form", "field", "says"),
    [
        ({"action": "approve", "content": "My corrected text."}, "content", 'choose "Edit"'),
        (
            {"action": "reject", "error_category": "tone", "content": "My corrected text."},
            "content",
            'choose "Edit"',
        ),
        ({"action": "approve", "reason": "Looks like fraud."}, "reason", "Only an escalation"),
    ],
)
def test_what_the_reviewer_typed_is_never_dropped_by_another_action(claims, form, field, says):
    [draft] = make_drafts(claims, 1)
    adjuster = signed_in("adjuster")
    claimed(adjuster, draft)
    response = decide(adjuster, draft, **form)
    assert response.status_code == 400
    [error] = response.context["form"].errors[field]
    assert says in error
    assert "My corrected text." in text(response) or "Looks like fraud." in text(response)
    draft.refresh_from_db()
    assert draft.status == "in_review" and not Decision.objects.filter(draft=draft).exists()


@pytest.mark.parametrize("stored", ["One.\nTwo.", "One.\rTwo."])
def test_approving_with_the_text_as_shown_ignores_the_browsers_line_ends(claims, stored):
    [draft] = make_drafts(claims, 1)
    Draft.objects.filter(pk=draft.pk).update(content=stored)
    adjuster = signed_in("adjuster")
    claimed(adjuster, draft)
    response = decide(adjuster, draft, action="approve", content="One.\r\nTwo.")
    assert response.status_code == 302
    assert Draft.objects.get(pk=draft.pk).status == "approved"


@pytest.mark.parametrize(
    ("form", "field"),
    [
        ({"action": "edit", "error_category": "tone"}, "content"),  # the text left unchanged
        ({"action": "escalate", "reason": "  "}, "reason"),
        ({"action": "shrug"}, "action"),
        ({"action": "reject", "error_category": "no_such_category"}, "error_category"),
    ],
)
def test_an_incomplete_decision_is_a_400_next_to_its_field(claims, form, field):
    [draft] = make_drafts(claims, 1)
    adjuster = signed_in("adjuster")
    claimed(adjuster, draft)
    if form.get("action") == "edit":
        form["content"] = draft.content
    response = decide(adjuster, draft, **form)
    assert response.status_code == 400
    assert list(response.context["form"].errors) == [field]
    assert Draft.objects.get(pk=draft.pk).status == "in_review"


@pytest.mark.parametrize(
    ("form", "field", "says", "not_said"),
    [
        (
            {"action": "edit", "error_category": "tone", "content": "x" * 100_001},
            "content",
            "at most 100000 characters",
            "Write the corrected text",
        ),
        (
            {"action": "escalate", "reason": "y" * 2001},
            "reason",
            "at most 2000 characters",
            "Say why you escalate",
        ),
    ],
)
def test_text_that_is_too_long_gets_one_message_saying_so(claims, form, field, says, not_said):
    [draft] = make_drafts(claims, 1)
    adjuster = signed_in("adjuster")
    claimed(adjuster, draft)
    response = decide(adjuster, draft, **form)
    assert response.status_code == 400
    errors = response.context["form"].errors[field]
    assert len(errors) == 1 and says in errors[0] and not_said not in text(response)


def test_text_over_the_limit_is_not_cut_by_the_browser_but_given_back_whole(claims):
    # A browser cuts pasted text at a maxlength without a word; the page sets none, and the
    # form comes back with every character and what to shorten.
    [draft] = make_drafts(claims, 1)
    adjuster = signed_in("adjuster")
    claimed(adjuster, draft)
    assert "maxlength" not in text(adjuster.get(f"/drafts/{draft.pk}/"))
    long_text = "word " * 20_001
    response = decide(adjuster, draft, action="edit", error_category="tone", content=long_text)
    assert response.status_code == 400
    assert response.context["form"]["content"].value() == long_text
    assert "maxlength" not in text(response)
    assert Draft.objects.get(pk=draft.pk).status == "in_review"


def test_a_queue_with_nowhere_to_escalate_asks_for_no_reason(claims):
    [draft] = make_drafts(claims, 1, consequence="low", escalate={"reason": "unsure"})
    assert draft.queue.slug == "claims-escalations" and draft.queue.escalation_queue is None
    senior = signed_in("senior_adjuster")
    assert senior.post("/queues/claims-escalations/claim/").url == f"/drafts/{draft.pk}/"
    page = text(senior.get(f"/drafts/{draft.pk}/"))
    assert "Reason for escalating" not in page and "Escalate to" not in page
    assert decide(senior, draft, action="approve").status_code == 302


def test_escalating_moves_the_draft_to_the_escalation_queue(claims):
    [draft] = make_drafts(claims, 1)
    adjuster = signed_in("adjuster")
    claimed(adjuster, draft)
    response = decide(adjuster, draft, action="escalate", reason="Coverage unclear.")
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.status == "escalated" and draft.queue.slug == "claims-escalations"
    assert f"Escalated {draft.external_id} to claims-escalations." in text(adjuster.get("/"))
    history = text(signed_in("senior_adjuster").get(f"/drafts/{draft.pk}/"))
    assert "<strong>Escalated</strong> by adjuster" in history
    assert "Reason: Coverage unclear." in history
    # Said at the top too, beside why the draft was first routed.
    top = re.search(r'data-testid="escalated-by">(.*?)</dd>', history).group(1)
    top = re.sub(r"<[^>]+>", "", top)
    assert top.startswith("adjuster from claims-standard") and top.endswith(": Coverage unclear.")


def test_deciding_after_releasing_is_a_409_that_keeps_the_unsaved_text(claims):
    [draft] = make_drafts(claims, 1)
    adjuster = signed_in("adjuster")
    claimed(adjuster, draft)
    released = adjuster.post(f"/drafts/{draft.pk}/release/")
    assert released.status_code == 302 and released.url == "/"
    assert Draft.objects.get(pk=draft.pk).status == "queued"
    response = decide(adjuster, draft, action="edit", content="My rewrite.", error_category="tone")
    assert response.status_code == 409
    assert "You hold no live lease on this draft" in text(response)
    assert "My rewrite." in text(response)
    assert adjuster.post(f"/drafts/{draft.pk}/renew/").status_code == 409


def test_renewing_extends_the_lease_and_stays_on_the_review_page(claims):
    [draft] = make_drafts(claims, 1)
    adjuster = signed_in("adjuster")
    before = claimed(adjuster, draft).lease_expires_at
    Draft.objects.filter(pk=draft.pk).update(lease_expires_at=before - timedelta(minutes=10))
    response = adjuster.post(f"/drafts/{draft.pk}/renew/")
    assert response.status_code == 302 and response.url == f"/drafts/{draft.pk}/"
    assert Draft.objects.get(pk=draft.pk).lease_expires_at > before - timedelta(seconds=5)


def test_the_review_page_is_read_only_for_someone_without_the_lease(claims):
    [draft] = make_drafts(claims, 1)
    claimed(signed_in("adjuster"), draft)
    response = signed_in("senior_adjuster").get(f"/drafts/{draft.pk}/")
    assert response.status_code == 200
    assert response.context["form"] is None and not response.context["holds_lease"]
    assert "another reviewer is working on this draft" in text(response)
    assert 'data-testid="lease-expiry"' not in text(response)
    assert decide(signed_in("senior_adjuster"), draft, action="approve").status_code == 409


def test_a_controller_gets_the_same_404_for_a_claims_draft_as_for_a_missing_one(claims):
    [draft] = make_drafts(claims, 1)
    controller = signed_in("controller")
    hidden = controller.get(f"/drafts/{draft.pk}/")
    missing = controller.get("/drafts/00000000-0000-0000-0000-000000000000/")
    assert hidden.status_code == missing.status_code == 404
    assert without_csrf_token(hidden) == without_csrf_token(missing)
    assert draft.external_id not in text(hidden)
    for action in ("decide", "release", "renew"):
        assert controller.post(f"/drafts/{draft.pk}/{action}/").status_code == 404
    assert claim(controller, "claims-standard").status_code == 404
    assert claim(controller, "no-such-queue").status_code == 404


def test_a_person_who_may_only_view_a_queue_gets_403_on_claim_and_decide(claims):
    [draft] = make_drafts(claims, 1)
    viewer = User.objects.create_user(username="viewer", password="x")
    assign_perm("view_queue", viewer, Queue.objects.get(slug="claims-standard"))
    client = Client()
    client.force_login(viewer)
    page = client.get(f"/drafts/{draft.pk}/")
    assert page.status_code == 200 and page.context["form"] is None
    assert "you may view this queue but not review it" in text(page)
    response = claim(client, "claims-standard")
    assert response.status_code == 403
    assert "You may view this queue but not review it." in text(response)
    assert decide(client, draft, action="approve").status_code == 403
    assert Draft.objects.get(pk=draft.pk).status == "queued"
    inbox = text(client.get("/"))
    assert "Claim next" not in inbox and ">view<" in inbox


def test_pages_answer_get_or_post_only(claims):
    [draft] = make_drafts(claims, 1)
    adjuster = signed_in("adjuster")
    assert adjuster.get("/queues/claims-standard/claim/").status_code == 405
    assert adjuster.get(f"/drafts/{draft.pk}/decide/").status_code == 405
    assert adjuster.post(f"/drafts/{draft.pk}/").status_code == 405
    # A reloaded or pasted action address says so and links back, instead of a blank page.
    page = adjuster.get(f"/drafts/{draft.pk}/decide/")
    assert "Nothing was done" in text(page)
    assert f'href="/drafts/{draft.pk}/"' in page.content.decode()
    assert 'href="/"' in adjuster.get("/queues/claims-standard/claim/").content.decode()
    assert Draft.objects.get(pk=draft.pk).status == "queued"


def test_markup_in_a_draft_is_shown_as_text(claims):
    [draft] = make_drafts(
        claims,
        1,
        title=SCRIPT,
        content=f"Before {SCRIPT} after",
        sources=[
            {"id": "s1", "title": SCRIPT, "uri": "javascript:alert(1)", "excerpt": SCRIPT},
            {"id": "s2", "title": "Policy", "uri": "https://docs.example/p?a=1&b=2"},
        ],
        metadata={"items": SCRIPT, "nested": {"a": [1, 2]}},
    )
    adjuster = signed_in("adjuster")
    claimed(adjuster, draft)
    page = text(adjuster.get(f"/drafts/{draft.pk}/"))
    assert "<script>" not in page
    assert page.count("&lt;script&gt;alert(1)&lt;/script&gt;") >= 6  # title x2, text x2, ...
    assert 'href="javascript:' not in page and "(not a web link)" in page
    assert 'href="https://docs.example/p?a=1&amp;b=2"' in page
    assert "{&quot;a&quot;: [1, 2]}" in page


def test_direction_control_characters_are_flagged(claims):
    plain, tricky = make_drafts(claims, 2)
    Draft.objects.filter(pk=tricky.pk).update(content=f"Pay {RLO}0001$ now")
    adjuster = signed_in("adjuster")
    warning = "This text contains invisible direction-control characters."
    assert warning not in text(adjuster.get(f"/drafts/{plain.pk}/"))
    page = text(adjuster.get(f"/drafts/{tricky.pk}/"))
    assert warning in page and "Pay [U+202E]0001$ now" in page


def test_the_pages_send_a_content_security_policy(claims):
    [draft] = make_drafts(claims, 1)
    adjuster = signed_in("adjuster")
    assert CONTENT_SECURITY_POLICY == "default-src 'self'; style-src 'self' 'unsafe-inline'"
    responses = [adjuster.get("/"), adjuster.get(f"/drafts/{draft.pk}/"), claim(adjuster)]
    responses.append(decide(adjuster, draft, action="reject"))  # a 400 re-render
    for response in responses:
        assert response["Content-Security-Policy"] == CONTENT_SECURITY_POLICY


def test_an_overdue_queue_says_so(claims):
    [draft] = make_drafts(claims, 1)
    Draft.objects.filter(pk=draft.pk).update(due_at=timezone.now() - timedelta(minutes=30))
    page = text(signed_in("adjuster").get("/"))
    assert "overdue by 30" in page and 'class="overdue"' in page


def test_not_found_pages_carry_the_same_no_script_policy(claims):
    from reviewqueue.web.security import CONTENT_SECURITY_POLICY

    adjuster = signed_in("adjuster")
    for path in ("/no-such-page/", "/drafts/00000000-0000-4000-8000-000000000000/"):
        response = adjuster.get(path)
        assert response.status_code == 404
        assert response["Content-Security-Policy"] == CONTENT_SECURITY_POLICY


def test_the_history_says_which_approval_each_was_and_the_outcome_in_plain_words(claims):
    [draft] = make_drafts(claims, 1, consequence="critical")
    first, second = signed_in("senior_adjuster"), signed_in("senior_adjuster2")
    claim(first, draft.queue.slug)
    assert decide(first, draft, action="approve").status_code == 302
    claim(second, draft.queue.slug)
    edited = decide(second, draft, action="edit", content="Changed.", error_category="tone")
    assert edited.status_code == 302
    claim(first, draft.queue.slug)
    assert decide(first, draft, action="approve").status_code == 302

    page = text(signed_in("senior_adjuster").get(f"/drafts/{draft.pk}/"))

    said = re.findall(r"<strong>([^<]+)</strong> by (\w+)", page)
    assert said == [
        ("Approved (first approval)", "senior_adjuster"),
        ("Edited (first approval of the changed text)", "senior_adjuster2"),
        ("Approved (second approval)", "senior_adjuster"),
    ]
    assert "This draft was approved with edits; there is nothing left to decide." in page


def test_changed_text_can_be_let_go_to_reject_without_retyping_the_draft(claims):
    [draft] = make_drafts(claims, 1)
    adjuster = signed_in("adjuster")
    claimed(adjuster, draft)
    form = {"action": "reject", "error_category": "tone", "content": "Half an edit."}
    refused_page = decide(adjuster, draft, **form)
    assert refused_page.status_code == 400
    assert 'data-testid="discard-changes"' in text(refused_page)
    assert "Half an edit." in text(refused_page)  # nothing lost until they choose
    assert 'data-testid="discard-changes"' not in text(adjuster.get(f"/drafts/{draft.pk}/"))

    response = decide(adjuster, draft, **form, discard_changes="on")

    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.status == "rejected" and draft.current_content == draft.content
    assert Decision.objects.get(draft=draft).content == draft.content
