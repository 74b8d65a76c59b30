"""The auditor's pages: who may read them, filters, keyset pages, one entry, verification."""

from __future__ import annotations

import html
import re

import pytest
from django.contrib.auth.models import User
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext

from audit import events
from audit.actors import Actor
from audit.models import AuditEntry, AuditSeal
from audit.services import record
from reviewqueue.web.security import CONTENT_SECURITY_POLICY
from tests.audit.helpers import seal_everything, write_entries
from tests.conftest import signed_in

pytestmark = pytest.mark.django_db

SCRIPT = "<script>alert(1)</script>"


def text(response) -> str:
    return response.content.decode()


def shown_ids(response) -> list[int]:
    return [entry.pk for entry in response.context["page"].entries]


def older_link(response) -> str:
    match = re.search(r'<a href="([^"]+)" rel="next">Older entries', text(response))
    assert match, "no link to older entries"
    return html.unescape(match.group(1))


def write_changed_entry(**data) -> AuditEntry:
    with transaction.atomic():
        return record(
            events.QUEUE_CHANGED,
            actor=Actor.system("test"),
            object_type="queue",
            object_id="42",
            workflow_slug="claims-intake-summary",
            data=data,
        )


@pytest.mark.parametrize("who", ["auditor", "admin"])
def test_auditors_and_admins_see_the_newest_entries_first(demo, who):
    client = signed_in(who)  # signing in is itself an entry
    ids = write_entries(3)
    response = client.get("/audit/")
    assert response.status_code == 200
    assert response["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
    assert shown_ids(response)[:3] == ids[::-1]
    page = text(response)
    assert f'href="/audit/{ids[-1]}/"' in page and "draft.received" in page
    assert "Verify the chain now" in page


@pytest.mark.parametrize("who", ["adjuster", "senior_adjuster", "controller", "claims_owner"])
def test_nobody_else_may_read_the_log_pages(demo, who):
    [entry_id] = write_entries(1)
    client = signed_in(who)
    for response in [
        client.get("/audit/"),
        client.get(f"/audit/{entry_id}/"),
        client.post("/audit/verify/"),
    ]:
        assert response.status_code == 403
        assert "Only auditors and admins may read the audit log." in text(response)
        assert "draft.received" not in text(response)


def test_a_signed_out_visitor_is_sent_to_sign_in(demo):
    [entry_id] = write_entries(1)
    for path in ["/audit/", f"/audit/{entry_id}/", "/audit/verify/"]:
        response = Client().get(path)
        assert response.status_code == 302
        assert response.url == f"/login/?next={path}"
    assert Client().post("/audit/verify/").status_code == 302


def test_a_filter_by_action_shows_only_those_entries_and_exports_the_same(demo):
    withdrawn = write_entries(3, action="draft.withdrawn")
    write_entries(2, action="draft.received")
    response = signed_in("auditor").get("/audit/", {"action": "draft.withdrawn"})
    assert response.status_code == 200
    entries = response.context["page"].entries
    assert {e.action for e in entries} == {"draft.withdrawn"}
    assert set(withdrawn) <= {e.pk for e in entries}
    page = text(response)
    assert "/api/v1/audit/export?format=csv&amp;action=draft.withdrawn" in page
    assert "/api/v1/audit/export?format=jsonl&amp;action=draft.withdrawn" in page
    assert "itself an audit event" in page


def test_filters_combine_actor_workflow_object_and_time(demo):
    entry = write_changed_entry(before={"sla": 4}, after={"sla": 8})
    write_entries(2)
    found = signed_in("auditor").get(
        "/audit/",
        {
            "actor": "test",
            "workflow": "claims-intake-summary",
            "object_type": "queue",
            "object_id": "42",
            "since": entry.occurred_at.isoformat(),
        },
    )
    assert shown_ids(found) == [entry.pk]
    nothing = signed_in("auditor").get(
        "/audit/", {"object_id": "42", "until": entry.occurred_at.isoformat()}
    )
    assert shown_ids(nothing) == [] and "No entries match these filters." in text(nothing)


@pytest.mark.parametrize(
    "query",
    [
        {"since": "not a time"},
        {"until": "2025-13-45"},
        {"before": "abc"},
        {"before": "0"},
        {"action": "nonsense.thing"},  # a typo would otherwise read as "it never happened"
    ],
)
def test_invalid_filters_show_the_error_with_400_and_no_entries(demo, query):
    response = signed_in("auditor").get("/audit/", query)
    assert response.status_code == 400
    page = text(response)
    assert "These filters are not valid" in page and 'class="errorlist' in page
    assert shown_ids(response) == []
    assert "/api/v1/audit/export" not in page


def test_older_pages_follow_by_id_without_overlap_and_keep_the_filters(demo):
    ids = write_entries(60, action="draft.withdrawn")
    auditor = signed_in("auditor")
    first = auditor.get("/audit/", {"action": "draft.withdrawn"})
    first_ids = shown_ids(first)
    assert first_ids == ids[::-1][:50]
    link = older_link(first)
    assert link == f"/audit/?action=draft.withdrawn&before={first_ids[-1]}"
    second = auditor.get(link)
    assert second.status_code == 200
    assert shown_ids(second) == ids[::-1][50:]
    assert not set(first_ids) & set(shown_ids(second))
    assert "Older entries" not in text(second)
    assert 'href="/audit/?action=draft.withdrawn">« Newest entries' in text(second)


def test_newer_pages_lead_back_up_page_by_page(demo):
    ids = write_entries(130, action="draft.withdrawn")
    auditor = signed_in("auditor")
    newest = shown_ids(auditor.get("/audit/", {"action": "draft.withdrawn"}))
    second = auditor.get(older_link(auditor.get("/audit/", {"action": "draft.withdrawn"})))
    third = auditor.get(older_link(second))
    assert shown_ids(third) == ids[::-1][100:]
    back = re.search(r'href="([^"]+)" rel="prev">‹ Newer entries', text(third)).group(1)
    assert shown_ids(auditor.get(back.replace("&amp;", "&"))) == shown_ids(second)
    # From the second page, the newer page is the newest: one link, no repeat.
    assert "Newer entries" not in text(second) and "« Newest entries" in text(second)
    assert shown_ids(second) == ids[::-1][50:100] and newest == ids[::-1][:50]


def test_a_page_costs_the_same_queries_for_one_entry_or_fifty(demo):
    auditor = signed_in("auditor")
    write_entries(1, action="draft.withdrawn")
    seal_everything()
    auditor.get("/audit/")  # session and permission caches warm
    with CaptureQueriesContext(connection) as one:
        auditor.get("/audit/", {"action": "draft.withdrawn"})
    write_entries(60, action="draft.withdrawn")
    seal_everything()
    with CaptureQueriesContext(connection) as fifty:
        response = auditor.get("/audit/", {"action": "draft.withdrawn"})
    assert len(shown_ids(response)) == 50
    assert all(e.seal for e in response.context["page"].entries)
    assert len(fifty) == len(one)
    assert not any("OFFSET" in q["sql"] for q in fifty.captured_queries)


def test_an_entry_shows_every_field_its_before_and_after_and_its_seal(demo):
    entry = write_changed_entry(before={"sla": 4, "name": SCRIPT}, after={"sla": 8}, note="x")
    auditor = signed_in("auditor")
    unsealed = auditor.get(f"/audit/{entry.pk}/")
    assert unsealed.status_code == 200
    assert "Not sealed yet" in text(unsealed)

    seal_everything()
    response = auditor.get(f"/audit/{entry.pk}/")
    page = text(response)
    seal = AuditSeal.objects.get(entry_id=entry.pk)
    assert f"Entry {entry.pk}: queue.changed" in page
    assert 'data-testid="data-before">{\n  &quot;name&quot;: &quot;&lt;script&gt;' in page
    assert SCRIPT not in page
    assert 'data-testid="data-after">{\n  &quot;sla&quot;: 8\n}</pre>' in page
    assert 'data-testid="data-other-data">{\n  &quot;note&quot;: &quot;x&quot;\n}' in page
    for value in [seal.hash, seal.prev_hash, str(seal.position), "claims-intake-summary"]:
        assert value in page
    assert "/audit/?object_type=queue&amp;object_id=42" in page


def test_an_unknown_entry_is_404(demo):
    assert signed_in("auditor").get("/audit/999999999/").status_code == 404


def test_verify_refuses_get_and_a_post_without_the_csrf_token(demo):
    assert signed_in("auditor").get("/audit/verify/").status_code == 405
    client = Client(enforce_csrf_checks=True)
    client.force_login(User.objects.get(username="auditor"))
    assert client.post("/audit/verify/").status_code == 403


def test_the_export_link_works_with_the_session_and_is_audited(demo):
    write_entries(2, action="draft.withdrawn")
    auditor = signed_in("auditor")
    page = text(auditor.get("/audit/", {"action": "draft.withdrawn"}))
    link = html.unescape(re.search(r'<a href="(/api/v1/audit/export[^"]+)">CSV', page).group(1))
    response = auditor.get(link)
    assert response.status_code == 200
    rows = b"".join(response.streaming_content).decode().splitlines()
    assert len(rows) >= 3 and all("draft.withdrawn" in row for row in rows[1:])
    exported = AuditEntry.objects.filter(action="audit.exported").latest("id")
    assert exported.actor_label == "auditor"
    assert exported.data["filters"]["action"] == ["draft.withdrawn"]


def test_a_reversed_time_range_is_named_on_the_page(demo):
    response = signed_in("auditor").get(
        "/audit/", {"since": "2026-02-01T00:00:00Z", "until": "2026-01-01T00:00:00Z"}
    )
    assert response.status_code == 400
    assert "Must be after" in text(response)


def test_a_filter_matching_nothing_says_how_filters_match(demo):
    page = signed_in("auditor").get("/audit/", {"actor": "ADJUSTER"}).content.decode()
    assert 'data-testid="no-entries"' in page
    assert "matched exactly, case included" in page
