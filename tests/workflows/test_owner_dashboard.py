"""The owner's dashboard page: what it shows, to whom, and what owners (not auditors) can do."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.test import Client, TestCase
from django.utils import timezone

from audit.models import AuditEntry
from reviewqueue.models import Draft
from tests.conftest import person_client, signed_in
from tests.reviewqueue.review_helpers import make_drafts
from tests.workflows.test_callbacks import decide_one, receiver  # noqa: F401 (fixture)
from tests.workflows.test_feedback import fresh, review  # noqa: F401 (fixture)
from workflows.models import CallbackDelivery, Workflow

pytestmark = pytest.mark.django_db
PAGE = "/workflows/claims-intake-summary/"


def test_the_owner_sees_the_figures_of_the_period(fresh):  # noqa: F811
    drafts = make_drafts(fresh, 4, consequence="low", cost={"usd": "0.01"})
    review(drafts[0], "adjuster", "approve")
    review(drafts[1], "adjuster", "approve")
    review(drafts[2], "adjuster", "reject", error_category="hallucinated_fact")
    review(drafts[3], "adjuster", "escalate", reason="coverage unclear")

    page = signed_in("claims_owner").get(PAGE)

    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-figure="received">4<' in html
    assert 'data-figure="decided">3<' in html
    assert 'data-figure="acceptance">66.7 %<' in html
    assert (
        ">Hallucinated fact<" in html and "coverage unclear" in html
    )  # labels, as reviewers see them
    assert "Switch auto-approval on" in html  # owners may act
    # The escalation rate says what it is a share of (here 1 escalation of 4 decisions).
    assert "(1 of 4 decisions given)" in html
    # The JSON link asks for the same period the page shows.
    link = re.search(r'href="([^"]+)" data-testid="metrics-json"', html).group(1)
    as_json = signed_in("claims_owner").get(link.replace("&amp;", "&")).json()
    assert (as_json["drafts_received"], as_json["drafts_decided"]) == (4, 3)
    assert as_json["from"] == page.context["m"]["from"]
    assert page["Content-Security-Policy"].startswith("default-src 'self'")


def test_auditors_read_the_dashboard_but_get_no_buttons(demo, receiver):  # noqa: F811
    decide_one(Workflow.objects.get(slug="claims-intake-summary"), receiver)
    owner_page = signed_in("claims_owner").get(PAGE).content.decode()
    auditor_page = signed_in("auditor").get(PAGE)
    assert auditor_page.status_code == 200
    assert "Send again" in owner_page and "Send again" not in auditor_page.content.decode()
    assert "1 attempt" in owner_page and "HTTP 200" in owner_page
    assert "Switch auto-approval" not in auditor_page.content.decode()


def test_a_callback_being_retried_says_when_it_is_tried_next_and_given_up(demo, receiver):  # noqa: F811
    receiver.script = [500]
    decide_one(Workflow.objects.get(slug="claims-intake-summary"), receiver)
    delivery = CallbackDelivery.objects.get()
    assert (delivery.status, delivery.attempts) == ("pending", 1)
    html = signed_in("claims_owner").get(PAGE).content.decode()
    status = re.search(r'data-testid="callback-status">(.*?)</td>', html, re.S).group(1)
    local = timezone.localtime
    assert f"next try {local(delivery.next_attempt_at):%-d %b, %H:%M}" in status
    assert (
        f"gives up {local(delivery.retrying_since + timedelta(hours=24)):%-d %b, %H:%M}" in status
    )


@pytest.mark.parametrize(
    ("who", "status"),
    [("adjuster", 404), ("finance_owner", 404), ("controller", 404), ("admin", 200)],
)
def test_only_owners_admins_and_auditors_open_it(demo, who, status):
    assert signed_in(who).get(PAGE).status_code == status


def test_unknown_workflow_is_404_and_anonymous_people_are_sent_to_sign_in(demo):
    assert signed_in("claims_owner").get("/workflows/nope/").status_code == 404
    response = Client().get(PAGE)
    assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_a_bad_period_is_explained_and_the_default_shown(demo):
    owner = signed_in("claims_owner")
    bad = owner.get(PAGE, {"start": "someday"})
    assert bad.status_code == 400 and "From: Enter a valid date." in bad.content.decode()
    assert "Showing the default period instead" in bad.content.decode()
    backwards = owner.get(PAGE, {"start": "2026-11-20", "end": "2026-11-01"})
    assert backwards.status_code == 400
    assert "must not be after" in backwards.content.decode()
    weekly = owner.get(PAGE, {"bucket": "week"})
    assert weekly.status_code == 200 and "Week of" in weekly.content.decode()

    # Dates a date input accepts but no calendar arithmetic survives: explained, not a 500.
    for period in ({"end": "9999-12-31"}, {"start": "0001-01-01", "end": "0001-01-02"}):
        far = owner.get(PAGE, period)
        assert far.status_code == 400
        assert "Choose a date from 1970-01-01 up to 2999-12-31." in far.content.decode()


def test_a_period_that_has_not_begun_says_so(demo):
    page = signed_in("claims_owner").get(PAGE, {"start": "2999-01-01", "end": "2999-02-01"})
    assert page.status_code == 200
    assert "from 1 Jan 2999 (UTC): <strong>it has not begun yet</strong>" in page.content.decode()


def test_switching_automation_on_before_it_is_earned_changes_nothing(demo):
    before = AuditEntry.objects.filter(action="workflow.automation_changed").count()
    response = signed_in("claims_owner").post(f"{PAGE}automation/", {"enabled": "1"}, follow=True)
    assert "Auto-approval not switched on" in response.content.decode()
    assert Workflow.objects.get(slug="claims-intake-summary").auto_approve_low is False
    assert AuditEntry.objects.filter(action="workflow.automation_changed").count() == before


def test_an_owner_switches_automation_off_and_an_auditor_cannot(demo):
    Workflow.objects.filter(slug="claims-intake-summary").update(auto_approve_low=True)
    refused = signed_in("auditor").post(f"{PAGE}automation/", {"enabled": "0"})
    assert refused.status_code == 403
    assert Workflow.objects.get(slug="claims-intake-summary").auto_approve_low is True

    response = signed_in("claims_owner").post(f"{PAGE}automation/", {"enabled": "0"}, follow=True)
    assert "Auto-approval is off" in response.content.decode()
    assert Workflow.objects.get(slug="claims-intake-summary").auto_approve_low is False
    assert AuditEntry.objects.filter(
        action="workflow.automation_changed", actor_label="claims_owner"
    ).exists()


def test_an_owner_sends_a_failed_callback_again(demo, receiver):  # noqa: F811
    receiver.script = [410]
    draft = decide_one(Workflow.objects.get(slug="claims-intake-summary"), receiver)
    delivery = CallbackDelivery.objects.get(draft=draft)
    assert delivery.status == "failed"
    assert signed_in("auditor").post(f"{PAGE}callbacks/{delivery.pk}/resend/").status_code == 403

    with TestCase.captureOnCommitCallbacks(execute=True):
        response = signed_in("claims_owner").post(f"{PAGE}callbacks/{delivery.pk}/resend/")
    assert response.status_code == 302
    assert CallbackDelivery.objects.get(pk=delivery.pk).status == "delivered"
    assert signed_in("claims_owner").post(f"{PAGE}callbacks/msg_nope/resend/").status_code == 404


def test_sending_again_goes_to_the_corrected_address(demo, receiver):  # noqa: F811
    claims = Workflow.objects.get(slug="claims-intake-summary")
    claims.default_callback_url = "http://127.0.0.1:9/old-hook?token=s3cr3t"  # nobody listens
    claims.save()
    Draft.objects.update(status="approved")
    [draft] = make_drafts(claims, 1)  # no address of its own: the workflow's default
    adjuster = person_client("adjuster")
    adjuster.post("/api/v1/queues/claims-standard/claim")
    with TestCase.captureOnCommitCallbacks(execute=True):
        adjuster.post(f"/api/v1/drafts/{draft.pk}/decisions", {"action": "approve"}, format="json")
    delivery = CallbackDelivery.objects.get(draft=draft)
    assert delivery.status == "pending" and delivery.attempts == 1 and not receiver.received
    page = signed_in("claims_owner").get(PAGE).content.decode()
    assert "to http://127.0.0.1:9/old-hook?…" in page and "s3cr3t" not in page

    claims.default_callback_url = receiver.url  # the owner corrects it
    claims.save()
    with TestCase.captureOnCommitCallbacks(execute=True):
        signed_in("claims_owner").post(f"{PAGE}callbacks/{delivery.pk}/resend/")

    [got] = receiver.received
    assert got.webhook_id == delivery.pk and got.verified
    delivery.refresh_from_db()
    assert delivery.status == "delivered" and delivery.url == receiver.url
    resent = AuditEntry.objects.filter(
        action="callback.resent", data__callback_id=delivery.pk
    ).get()
    assert resent.data["url"] == {
        "before": "http://127.0.0.1:9/old-hook?…",
        "after": receiver.url,
    }


def test_home_lists_the_workflows_a_person_oversees(demo):
    owner = signed_in("claims_owner").get("/").content.decode()
    assert "/workflows/claims-intake-summary/" in owner
    assert "/workflows/finance-variance/" not in owner
    assert "You review no queues" in owner and "Ask an admin" not in owner
    assert "Workflows you oversee" not in signed_in("adjuster").get("/").content.decode()
    auditor = signed_in("auditor").get("/").content.decode()
    assert "/workflows/claims-intake-summary/" in auditor
    assert "/workflows/finance-variance/" in auditor
    assert "Workflows whose figures you may read" in auditor  # they oversee nothing
    assert "Workflows you oversee" in owner


def test_home_links_auditors_and_admins_to_the_audit_log(demo):
    assert "/audit/" in signed_in("auditor").get("/").content.decode()
    assert "/audit/" in signed_in("admin").get("/").content.decode()
    assert "/audit/" not in signed_in("claims_owner").get("/").content.decode()


def test_owners_read_a_decided_draft_of_their_workflow_and_nothing_else(fresh):  # noqa: F811
    edited, waiting = make_drafts(fresh, 2, consequence="low", sources=[{"id": "policy-1"}])
    review(edited, "adjuster", "edit", content="The human text.", error_category="tone")
    path = f"{PAGE}drafts/{edited.pk}/"

    page = signed_in("claims_owner").get(path)
    assert page.status_code == 200
    html = page.content.decode()
    assert "The human text." in html and edited.content in html and "<b>Tone</b>" in html

    assert signed_in("admin").get(path).status_code == 200
    assert signed_in("finance_owner").get(path).status_code == 404
    # Auditors read it (checking a decision means reading what was decided), from the log too.
    assert "The human text." in signed_in("auditor").get(path).content.decode()
    entry = AuditEntry.objects.filter(action="draft.decided", object_id=str(edited.pk)).first()
    log_page = signed_in("auditor").get(f"/audit/{entry.pk}/").content.decode()
    assert f'href="{path}" data-testid="decided-draft"' in log_page
    # Not for a draft nobody has decided yet: that link would only say "not found".
    received = AuditEntry.objects.get(action="draft.received", object_id=str(waiting.pk))
    waiting_page = signed_in("auditor").get(f"/audit/{received.pk}/").content.decode()
    assert 'data-testid="decided-draft"' not in waiting_page
    assert signed_in("adjuster").get(path).status_code == 404
    # Not yet decided, or not of this workflow: as if it did not exist.
    assert signed_in("claims_owner").get(f"{PAGE}drafts/{waiting.pk}/").status_code == 404
    other = Draft.objects.filter(workflow__slug="finance-variance").first()
    Draft.objects.filter(pk=other.pk).update(status="approved")
    assert signed_in("claims_owner").get(f"{PAGE}drafts/{other.pk}/").status_code == 404


def test_the_dashboard_links_each_error_category_to_its_latest_drafts(fresh):  # noqa: F811
    [draft] = make_drafts(fresh, 1, consequence="low")
    review(draft, "adjuster", "reject", error_category="hallucinated_fact")
    html = signed_in("claims_owner").get(PAGE).content.decode()
    assert f"{PAGE}drafts/{draft.pk}/" in html
    assert f"{PAGE}drafts/{draft.pk}/" not in signed_in("auditor").get(PAGE).content.decode()


def test_the_dashboard_takes_the_period_as_the_api_names_it_too(fresh):  # noqa: F811
    day = (timezone.now() - timedelta(days=3)).date().isoformat()
    page = signed_in("claims_owner").get(PAGE, {"from": day, "to": day})
    assert page.status_code == 200
    form = page.context["form"]
    assert (str(form.cleaned_data["start"]), str(form.cleaned_data["end"])) == (day, day)
