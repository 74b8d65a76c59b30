"""The weekly digest, and the operations endpoints."""

from __future__ import annotations

import io
import re
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.test import Client, TestCase, override_settings
from django.utils import timezone

from audit.models import AuditEntry
from reviewqueue.models import Decision, Draft
from tests.reviewqueue.review_helpers import make_drafts
from workflows.models import Workflow
from workflows.services import digest

pytestmark = pytest.mark.django_db


def _decide(drafts, category, when):
    reviewer = User.objects.get(username="adjuster")
    for draft in drafts:
        Draft.objects.filter(pk=draft.pk).update(status="rejected", decided_at=when)
        Decision.objects.create(
            draft=draft,
            queue=draft.queue,
            workflow=draft.workflow,
            reviewer=reviewer,
            action="reject",
            is_final=True,
            content=draft.content,
            error_category=draft.workflow.error_categories.get(slug=category),
            time_spent=timedelta(seconds=40),
            decided_at=when,
        )


def test_the_digest_shows_the_week_beside_the_one_before_with_links(demo, mailoutbox):
    claims = Workflow.objects.get(slug="claims-intake-summary")
    Draft.objects.filter(workflow=claims).delete()
    User.objects.filter(username="claims_owner").update(email="owner@example.com")
    start, end = digest.week_of(timezone.now().date())
    _decide(make_drafts(claims, 3), "tone", start + timedelta(days=1))
    _decide(make_drafts(claims, 1), "tone", start - timedelta(days=3))  # the week before

    with TestCase.captureOnCommitCallbacks(execute=True):
        assert digest.send(claims).sent
    [mail] = mailoutbox
    assert "owner@example.com" in mail.to
    assert "- Tone: 3 (up 2 from 1 the week before)" in mail.body  # the label reviewers see
    assert "approved unchanged" in mail.subject
    assert "The dashboard, for any period: http://" in mail.body
    assert "Cost: US$ 0.00 (– per draft, – per accepted draft)" in mail.body  # none received
    assert f"week of {start:%-d %b %Y} to" in mail.body
    assert "SLA breaches: 0" in mail.body
    # Each example link opens the decided draft for the owner who got the mail: no dead end.
    links = re.findall(r"http://\S+/workflows/claims-intake-summary/drafts/[0-9a-f-]+/", mail.body)
    assert len(links) == 3
    owner = Client()
    owner.force_login(User.objects.get(username="claims_owner"))
    page = owner.get(urlsplit(links[0]).path)
    assert page.status_code == 200 and "<b>Tone</b>" in page.content.decode()
    html = mail.alternatives[0][0]
    assert "<b>Tone</b>: 3" in html and "example 1" in html
    assert AuditEntry.objects.filter(action="workflow.digest_sent").count() == 1
    # Beat on two workers, or a rerun: the week is not sent twice.
    with TestCase.captureOnCommitCallbacks(execute=True):
        again = digest.send(claims)
    assert not again.sent and again.why_not.startswith(
        f"already sent for the week of {start:%d %b}"
    )
    assert len(mailoutbox) == 1


def test_send_digest_command_sends_one_now(demo, mailoutbox):
    User.objects.filter(username="finance_owner").update(email="fin@example.com")
    out = io.StringIO()
    call_command("send_digest", "finance-variance", "--force", stdout=out)
    assert "finance-variance: sent" in out.getvalue()
    # Without an owner's e-mail address, or sent already: it says which.
    User.objects.filter(username__in=["claims_owner", "claims_tech", "admin"]).update(email="")
    out = io.StringIO()
    call_command("send_digest", stdout=out)
    said = out.getvalue()
    assert "finance-variance: not sent: already sent for the week of" in said
    assert "claims-intake-summary: not sent: none of its owners has an e-mail address" in said


def test_readyz_checks_the_database_and_redis(demo):
    body = Client().get("/readyz").json()
    assert body == {"ok": True, "database": "ok", "redis": "ok"}
    with override_settings(REDIS_URL="redis://127.0.0.1:1/0"):
        down = Client().get("/readyz")
    assert down.status_code == 503 and down.json()["redis"].startswith("down")


def test_metrics_endpoint_exposes_queues_decisions_and_callbacks(demo):
    text = Client(REMOTE_ADDR="127.0.0.1").get("/metrics").content.decode()
    assert 'reviewqueue_queue_depth{queue="claims-standard"}' in text
    assert "reviewqueue_queue_oldest_age_seconds" in text
    assert "reviewqueue_callback_attempts_total" in text
    assert 'reviewqueue_drafts_received_total{workflow="finance-variance"} 24.0' in text


@override_settings(RQ_METRICS_CACHE_SECONDS=60)
def test_one_count_of_the_metrics_serves_the_scrapes_of_its_interval(demo):
    from django.core.cache import cache
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    cache.delete("ops:metrics:body")
    scraper = Client(REMOTE_ADDR="127.0.0.1")
    first = scraper.get("/metrics").content.decode()
    Draft.objects.filter(workflow__slug="finance-variance").delete()
    with CaptureQueriesContext(connection) as queries:
        again = scraper.get("/metrics").content.decode()
    assert again == first and len(queries) == 0  # no table counted for the second scrape
    cache.delete("ops:metrics:body")
    fresh = scraper.get("/metrics").content.decode()
    assert 'reviewqueue_drafts_received_total{workflow="finance-variance"}' not in fresh


@override_settings(RQ_METRICS_TOKEN="scrape-secret")
def test_metrics_from_elsewhere_need_the_token(demo):
    outside = Client(REMOTE_ADDR="203.0.113.9")
    assert outside.get("/metrics").status_code == 403
    assert outside.get("/metrics", HTTP_AUTHORIZATION="Bearer scrape-secret").status_code == 200


@override_settings(RQ_METRICS_TOKEN="scrape-secret", BEHIND_TLS_PROXY=True)
def test_behind_the_proxy_loopback_is_everyone_so_metrics_need_the_token(demo):
    via_proxy = Client(REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.9")
    assert via_proxy.get("/metrics").status_code == 403
    assert via_proxy.get("/metrics", HTTP_AUTHORIZATION="Bearer scrape-secret").status_code == 200


@pytest.mark.parametrize(
    ("amount", "places", "said"),
    [
        ("-0.0100", 2, "−US$ 0.01"),
        ("-0.001", 2, "US$ 0.00"),
        ("0.0065", 4, "US$ 0.0065"),
        ("1234.5", 2, "US$ 1,234.50"),
        (None, 2, "–"),
    ],
)
def test_amounts_in_the_digest_say_their_currency_and_sign(amount, places, said):
    from workflows.templatetags.owner import usd

    assert usd(amount, places) == said
