"""Flagging a cited source through a real browser, on the review page.

Uses the browser, page and problem-recording fixtures of tests/browser/conftest.py (Debian's
Chromium against pytest-django's live server); no page error, console error or dialog may occur.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from audit.models import AuditEntry
from reviewqueue.models import Draft, SourceFlag
from tests.browser.helpers import sign_in
from tests.reviewqueue.review_helpers import make_drafts

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


POLICY_ID = "policy/9001 §4?rev=2#roof"  # does not fit in a URL path; the form sends it


@pytest.fixture
def quiet_queues(demo):
    """Only the drafts each test makes are waiting."""
    Draft.objects.update(status="approved")


def test_an_adjuster_flags_a_cited_source_as_stale_with_a_comment(
    page, live_server, claims, quiet_queues, problems
):
    [draft] = make_drafts(
        claims,
        1,
        title="Claim 9001 storm damage summary",
        content="Policyholder reports storm damage on 3 October.",
        sources=[
            {
                "id": POLICY_ID,
                "title": "Home policy §4",
                "uri": "https://docs.example/policy/9001",
                "excerpt": "Storm damage to roofs is covered.",
            },
            {"id": "weather-1", "title": "Storm report", "uri": "https://weather.example/3-oct"},
        ],
    )
    sign_in(page, "adjuster")
    page.goto(f"/drafts/{draft.pk}/")
    policy = page.get_by_test_id("source").filter(has_text="Home policy §4")
    expect(policy.get_by_test_id("source-flags")).to_have_count(0)

    policy.get_by_label("Flag as").select_option("stale")
    policy.get_by_label("Note on this source").fill("Clause 4 was replaced in 2024.")
    policy.get_by_role("button", name="Flag source").click()

    expect(page).to_have_url(f"{live_server.url}/drafts/{draft.pk}/")
    expect(page.get_by_test_id("messages")).to_have_text("Flagged “Home policy §4” as stale.")
    expect(policy.get_by_test_id("source-flags")).to_have_text(
        "Flagged: 1 stale · you flagged this as stale"
    )
    expect(policy.get_by_role("button", name="Flag source")).to_have_count(0)
    weather = page.get_by_test_id("source").filter(has_text="Storm report")
    expect(weather.get_by_role("button", name="Flag source")).to_be_visible()
    page.screenshot(path="/tmp/review_feedback.png", full_page=True)

    stored = SourceFlag.objects.get(draft=draft)
    assert (stored.source_id, stored.reason, stored.comment) == (
        POLICY_ID,
        "stale",
        "Clause 4 was replaced in 2024.",
    )
    assert stored.flagged_by.username == "adjuster"
    assert AuditEntry.objects.filter(
        action="draft.source_flagged", object_id=str(draft.pk)
    ).exists()
    assert not problems, problems


def test_a_reviewer_flags_a_source_mid_edit_and_keeps_what_they_typed(
    page, live_server, claims, quiet_queues, problems
):
    [draft] = make_drafts(
        claims,
        1,
        title="Claim 9002 water damage",
        content="Water damage in the kitchen.",
        sources=[{"id": "policy-7", "title": "Home policy §7"}, {"id": "photo-1"}],
    )
    sign_in(page, "adjuster")
    page.get_by_role("button", name="Claim next").first.click()
    expect(page).to_have_url(f"{live_server.url}/drafts/{draft.pk}/")
    page.get_by_label("Edit: approve with my changes").check()
    page.get_by_label("Text").fill("Water damage in the kitchen and hallway.")
    page.get_by_label("Error category").select_option("missing_information")

    policy = page.get_by_test_id("source").filter(has_text="Home policy §7")
    policy.get_by_label("Flag as").select_option("wrong")
    policy.get_by_label("Note on this source").fill("Section 7 is about fire.")
    policy.get_by_role("button", name="Flag source").click()

    expect(page.get_by_test_id("messages")).to_have_text("Flagged “Home policy §7” as wrong.")
    # The unsaved decision came back, as typed.
    expect(page.get_by_label("Text")).to_have_value("Water damage in the kitchen and hallway.")
    expect(page.get_by_label("Edit: approve with my changes")).to_be_checked()
    expect(page.get_by_label("Error category")).to_have_value("missing_information")
    flag = SourceFlag.objects.get(draft=draft)
    assert (flag.source_id, flag.reason, flag.comment) == (
        "policy-7",
        "wrong",
        "Section 7 is about fire.",
    )
    assert Draft.objects.get(pk=draft.pk).status == "in_review"  # nothing decided yet

    # Enter in a source's note or in the reason adds a line: it never decides the draft.
    photo = page.get_by_test_id("source").filter(has_text="photo-1")
    photo.get_by_label("Note on this source").fill("Blurry")
    photo.get_by_label("Note on this source").press("Enter")
    page.get_by_label("Reason for escalating").press("Enter")
    expect(photo.get_by_label("Note on this source")).to_have_value("Blurry\n")
    assert Draft.objects.get(pk=draft.pk).status == "in_review"
    page.get_by_role("button", name="Submit decision").click()
    expect(page.get_by_test_id("messages")).to_contain_text("Approved")
    decided = Draft.objects.get(pk=draft.pk)
    assert decided.status == "edited"
    assert decided.current_content == "Water damage in the kitchen and hallway."
    assert SourceFlag.objects.filter(draft=draft).count() == 1
    assert not problems, problems
