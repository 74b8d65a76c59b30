"""Feedback from the review page: flagging a cited source, marking a decided draft as golden."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import User
from django.test import Client
from guardian.shortcuts import assign_perm

from audit.chain import digest
from audit.models import AuditEntry
from reviewqueue.models import Draft, Queue, SourceFlag
from reviewqueue.web.security import CONTENT_SECURITY_POLICY
from tests.conftest import signed_in
from tests.reviewqueue.review_helpers import make_drafts

pytestmark = pytest.mark.django_db

# Producers' source ids need not fit in a URL path: the page sends them in the form body.
ODD_ID = "policy/9001 §4?rev=2#roof"
SOURCES = [
    {"id": ODD_ID, "title": "Home policy §4", "excerpt": "Storm damage to roofs is covered."},
    {"id": "weather-1", "title": "Storm report", "uri": "https://weather.example/3-oct"},
]
MISSING = "00000000-0000-0000-0000-000000000000"


@pytest.fixture(autouse=True)
def quiet_queues(demo):
    """Only the drafts each test makes are waiting."""
    Draft.objects.update(status="approved")


@pytest.fixture
def draft(claims) -> Draft:
    [draft] = make_drafts(claims, 1, title="Claim 9001 storm damage", sources=SOURCES)
    return draft


def viewer() -> Client:
    """Someone who may view claims-standard but not review it."""
    person = User.objects.create_user(username="viewer", password="x")
    assign_perm("view_queue", person, Queue.objects.get(slug="claims-standard"))
    client = Client()
    client.force_login(person)
    return client


def text(response) -> str:
    return response.content.decode().replace("\xa0", " ")


def without_csrf_token(response) -> str:
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", text(response))


def flag(client: Client, draft_id, source_id: str = ODD_ID, reason: str = "stale", **form):
    return client.post(
        f"/drafts/{draft_id}/sources/flag/", {"source_id": source_id, "reason": reason, **form}
    )


def golden(client: Client, draft_id, value: str = "true"):
    return client.post(f"/drafts/{draft_id}/golden/", {"golden": value})


def approved(client: Client, draft: Draft) -> Draft:
    """The draft claimed and approved by this person through the pages."""
    assert client.post("/queues/claims-standard/claim/").url == f"/drafts/{draft.pk}/"
    assert client.post(f"/drafts/{draft.pk}/decide/", {"action": "approve"}).status_code == 302
    draft.refresh_from_db()
    assert draft.status == "approved"
    return draft


def audit_count(draft: Draft, action: str) -> int:
    return AuditEntry.objects.filter(action=action, object_id=str(draft.pk)).count()


def test_a_reviewer_flags_a_source_and_the_page_then_shows_the_flag(draft):
    adjuster = signed_in("adjuster")
    before = text(adjuster.get(f"/drafts/{draft.pk}/"))
    assert before.count('data-testid="flag-form"') == 2
    assert f'name="source_id" value="{ODD_ID}"' in before
    assert "Flagged:" not in before

    response = flag(adjuster, draft.pk, comment="Clause 4 was replaced in 2024.")

    assert response.status_code == 302 and response.url == f"/drafts/{draft.pk}/"
    stored = SourceFlag.objects.get(draft=draft)
    assert (stored.source_id, stored.reason, stored.comment) == (
        ODD_ID,
        "stale",
        "Clause 4 was replaced in 2024.",
    )
    assert stored.flagged_by.username == "adjuster"
    entry = AuditEntry.objects.get(action="draft.source_flagged", object_id=str(draft.pk))
    assert entry.actor_label == "adjuster"
    assert entry.data == {  # the comment itself stays out of the log (retention purges it)
        "source_id": ODD_ID,
        "reason": "stale",
        "comment_sha256": digest("Clause 4 was replaced in 2024."),
    }
    page = adjuster.get(response.url)
    shown = text(page)
    assert "Flagged “Home policy §4” as stale." in shown
    assert "Flagged: 1 stale · you flagged this as stale" in shown
    assert shown.count('data-testid="flag-form"') == 1  # only the source not yet flagged
    assert page["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
    # "Back" after a decision asks the server again instead of showing a stale lease form.
    assert "no-store" in page["Cache-Control"]


def test_flags_of_others_are_counted_by_reason_without_saying_they_are_yours(draft):
    assert flag(signed_in("senior_adjuster"), draft.pk, reason="wrong").status_code == 302
    assert flag(signed_in("senior_adjuster2"), draft.pk, reason="stale").status_code == 302
    page = text(signed_in("adjuster").get(f"/drafts/{draft.pk}/"))
    assert "Flagged: 1 stale, 1 wrong</p>" in page
    assert "you flagged this" not in page
    assert page.count('data-testid="flag-form"') == 2


def test_flagging_the_same_source_twice_is_refused_and_stores_nothing_new(draft):
    adjuster = signed_in("adjuster")
    assert flag(adjuster, draft.pk, reason="stale").status_code == 302

    again = flag(adjuster, draft.pk, reason="wrong", comment="Changed my mind.")

    assert again.status_code == 409
    assert "You already flagged this source." in text(again)
    assert f'href="/drafts/{draft.pk}/"' in text(again)  # back to the draft
    assert list(SourceFlag.objects.filter(draft=draft).values_list("reason", flat=True)) == [
        "stale"
    ]
    assert audit_count(draft, "draft.source_flagged") == 1


@pytest.mark.parametrize(
    "form",
    [
        {"source_id": "no-such-source", "reason": "stale"},
        {"source_id": f"{ODD_ID} ", "reason": "stale"},  # ids compare byte for byte
        {"source_id": ODD_ID, "reason": "outdated"},
        {"reason": "stale"},
        {"source_id": ODD_ID, "reason": "stale", "comment": "x" * 2001},
    ],
)
def test_an_unknown_source_or_bad_form_is_a_400_that_stores_nothing(draft, form):
    response = signed_in("adjuster").post(f"/drafts/{draft.pk}/sources/flag/", form)
    assert response.status_code == 400
    assert '<li class="error">' in text(response)
    assert "Claim 9001 storm damage" in text(response)  # the review page, with the message
    assert not SourceFlag.objects.filter(draft=draft).exists()
    assert audit_count(draft, "draft.source_flagged") == 0


def test_a_note_too_long_is_named_as_the_problem(draft):
    response = flag(signed_in("adjuster"), draft.pk, comment="x" * 2001)
    assert response.status_code == 400
    assert "The note on a flag can be at most 2000 characters" in text(response)
    assert "Choose a source" not in text(response)


def test_an_unknown_source_says_the_draft_cites_no_such_source(draft):
    response = flag(signed_in("adjuster"), draft.pk, source_id="no-such-source")
    assert "The draft cites no such source." in text(response)


def test_a_controller_gets_the_same_404_for_feedback_on_a_claims_draft_as_for_a_missing_one(
    draft,
):
    controller = signed_in("controller")
    approved(signed_in("adjuster"), draft)
    for hidden, missing in [
        (flag(controller, draft.pk), flag(controller, MISSING)),
        (golden(controller, draft.pk), golden(controller, MISSING)),
    ]:
        assert hidden.status_code == missing.status_code == 404
        assert without_csrf_token(hidden) == without_csrf_token(missing)
        assert draft.external_id not in text(hidden)
    assert not SourceFlag.objects.filter(draft=draft).exists()
    draft.refresh_from_db()
    assert not draft.is_golden


def test_a_viewer_sees_flags_but_may_neither_flag_nor_mark_golden(draft):
    approved(signed_in("adjuster"), draft)
    assert flag(signed_in("adjuster"), draft.pk).status_code == 302
    client = viewer()

    page = text(client.get(f"/drafts/{draft.pk}/"))
    assert "Flagged: 1 stale</p>" in page
    assert 'data-testid="flag-form"' not in page and 'data-testid="golden-form"' not in page

    for response in (flag(client, draft.pk, source_id="weather-1"), golden(client, draft.pk)):
        assert response.status_code == 403
        assert "You may view this queue but not review it." in text(response)
    assert SourceFlag.objects.filter(draft=draft).count() == 1
    assert audit_count(draft, "draft.marked_golden") == 0
    draft.refresh_from_db()
    assert not draft.is_golden


def test_a_reviewer_marks_a_decided_draft_golden_and_removes_it_again(draft):
    adjuster = signed_in("adjuster")
    approved(adjuster, draft)
    page = text(adjuster.get(f"/drafts/{draft.pk}/"))
    assert "Mark as golden case" in page and 'data-testid="golden-badge"' not in page

    marked = golden(adjuster, draft.pk, "true")

    assert marked.status_code == 302 and marked.url == f"/drafts/{draft.pk}/"
    draft.refresh_from_db()
    assert draft.is_golden
    page = text(adjuster.get(marked.url))
    assert f"Marked {draft.external_id} as a golden case." in page
    assert 'data-testid="golden-badge"' in page and "Golden case</span>" in page
    assert "Remove from golden set" in page and "Mark as golden case" not in page
    # Everyone who may see the draft sees the badge.
    assert 'data-testid="golden-badge"' in text(viewer().get(f"/drafts/{draft.pk}/"))

    removed = golden(adjuster, draft.pk, "false")

    assert removed.status_code == 302
    draft.refresh_from_db()
    assert not draft.is_golden
    page = text(adjuster.get(removed.url))
    assert f"Removed {draft.external_id} from the golden set." in page
    assert 'data-testid="golden-badge"' not in page and "Mark as golden case" in page
    entries = AuditEntry.objects.filter(action="draft.marked_golden", object_id=str(draft.pk))
    assert [e.data["after"] for e in entries.order_by("id")] == [
        {"is_golden": True},
        {"is_golden": False},
    ]


@pytest.mark.parametrize(
    "status", ["queued", "in_review", "escalated", "auto_approved", "withdrawn"]
)
def test_golden_on_a_draft_no_person_decided_is_a_409_that_changes_nothing(draft, status):
    Draft.objects.filter(pk=draft.pk).update(status=status)
    adjuster = signed_in("adjuster")
    assert "Mark as golden case" not in text(adjuster.get(f"/drafts/{draft.pk}/"))

    response = golden(adjuster, draft.pk)

    assert response.status_code == 409
    assert "Only decided drafts can be golden cases." in text(response)
    draft.refresh_from_db()
    assert draft.status == status and not draft.is_golden
    assert audit_count(draft, "draft.marked_golden") == 0


def test_golden_without_a_choice_is_a_400_that_changes_nothing(draft):
    adjuster = signed_in("adjuster")
    approved(adjuster, draft)
    response = adjuster.post(f"/drafts/{draft.pk}/golden/", {"golden": "maybe"})
    assert response.status_code == 400
    draft.refresh_from_db()
    assert not draft.is_golden and audit_count(draft, "draft.marked_golden") == 0


def test_the_feedback_pages_answer_post_only_and_send_the_security_policy(draft):
    adjuster = signed_in("adjuster")
    for path in (f"/drafts/{draft.pk}/sources/flag/", f"/drafts/{draft.pk}/golden/"):
        assert adjuster.get(path).status_code == 405
        response = adjuster.post(path, {})
        assert response.status_code == 400
        assert response["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
        signed_out = Client().post(path, {})
        assert signed_out.status_code == 302 and signed_out.url.startswith("/login/")


def test_a_flag_without_a_reason_is_not_stored_and_the_typed_decision_stays(draft):
    adjuster = signed_in("adjuster")
    assert adjuster.post("/queues/claims-standard/claim/").url == f"/drafts/{draft.pk}/"
    page = text(adjuster.get(f"/drafts/{draft.pk}/"))
    assert '<option value="">choose…</option>' in page  # no reason is chosen for the reviewer
    response = adjuster.post(
        f"/drafts/{draft.pk}/sources/flag/",
        {
            "flag_source": "0",
            "flag_reason_0": "",
            "action": "edit",
            "content": "My rewrite so far.",
        },
    )
    assert response.status_code == 400
    assert "Choose stale or wrong under “Flag as”, then flag the source again." in text(response)
    assert "My rewrite so far." in text(response)
    assert not SourceFlag.objects.filter(draft=draft).exists()


def test_a_refused_flag_gives_back_its_note_beside_the_lease_holders_form(draft):
    adjuster = signed_in("adjuster")
    assert adjuster.post("/queues/claims-standard/claim/").url == f"/drafts/{draft.pk}/"
    response = adjuster.post(
        f"/drafts/{draft.pk}/sources/flag/",
        {"flag_source": "1", "flag_reason_1": "", "flag_comment_1": "Report is from 2019."},
    )
    assert response.status_code == 400
    page = text(response)
    # Beside the second source, where it was written; not beside the first.
    first, second = page.split('data-testid="source"')[1:3]
    assert ">Report is from 2019.</textarea>" in second
    assert "Report is from 2019." not in first


def test_a_refused_flag_gives_back_its_reason_and_note_to_a_reviewer_without_a_lease(draft):
    response = flag(signed_in("adjuster"), draft.pk, reason="stale", comment="y" * 2001)
    assert response.status_code == 400
    page = text(response)
    first = page.split('data-testid="source"')[1]
    assert f'value="{"y" * 2001}"' in first
    assert '<option value="stale" selected>stale</option>' in first
    assert not SourceFlag.objects.filter(draft=draft).exists()
