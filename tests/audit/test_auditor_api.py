"""The auditor API: who may read, filters, cursor pages, export (escaping, streaming), verify."""

from __future__ import annotations

import csv
import io
import json
import tracemalloc

import pytest
from django.db import connection, transaction
from django.test import Client
from rest_framework.test import APIClient

from audit.actors import Actor
from audit.models import AuditEntry
from audit.services import record
from tests.audit.helpers import seal_everything, triggers_bypassed, write_entries
from tests.conftest import person_client, producer_client

pytestmark = pytest.mark.django_db
PATHS = ["/api/v1/audit/entries", "/api/v1/audit/export?format=csv", "/api/v1/audit/verify"]


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("who", ["auditor", "admin"])
def test_auditors_and_admins_read_the_log(demo, who, path):
    assert person_client(who).get(path).status_code == 200


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("who", ["adjuster", "senior_adjuster", "controller", "claims_owner"])
def test_nobody_else_does(demo, who, path):
    response = person_client(who).get(path)
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "permission_denied"


@pytest.mark.parametrize("path", PATHS)
def test_producers_get_403_and_strangers_401(claims, path):
    assert producer_client(claims)[0].get(path).status_code == 403
    assert APIClient().get(path).status_code == 401


def test_entries_filter_and_page_by_cursor(demo):
    write_entries(5, action="draft.withdrawn")
    auditor = person_client("auditor")
    first = auditor.get(
        "/api/v1/audit/entries", {"action": "draft.withdrawn", "page_size": 3}
    ).json()
    assert [e["action"] for e in first["results"]] == ["draft.withdrawn"] * 3
    second = auditor.get(first["next"]).json()
    assert len(second["results"]) == 2 and second["next"] is None
    ids = [e["id"] for e in first["results"] + second["results"]]
    assert ids == sorted(ids, reverse=True) and len(set(ids)) == 5
    by_actor = auditor.get(
        "/api/v1/audit/entries", {"actor": "seed_demo", "page_size": 1000}
    ).json()
    assert by_actor["results"] and {e["actor_label"] for e in by_actor["results"]} == {"seed_demo"}
    bad = auditor.get("/api/v1/audit/entries", {"since": "not a time"})
    assert bad.status_code == 400


def test_entry_detail_shows_before_and_after_and_its_seal(demo):
    [entry_id] = write_entries(1)
    seal_everything()
    body = person_client("auditor").get(f"/api/v1/audit/entries/{entry_id}").json()
    assert body["data"]["n"] == 0 and body["position"] and len(body["hash"]) == 64
    assert person_client("auditor").get("/api/v1/audit/entries/999999999").status_code == 404


def test_csv_export_neutralises_formulas_and_is_itself_audited(demo):
    write_entries(1)  # its data note is "=SUM(A1:A9)"
    seal_everything()
    response = person_client("auditor").get(
        "/api/v1/audit/export", {"format": "csv", "action": "draft.received"}
    )
    assert response["Content-Disposition"].startswith('attachment; filename="audit-')
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows and all(r["action"] == "draft.received" for r in rows)
    risky = [r for r in rows if "SUM" in r["data"]]
    assert risky and not risky[0]["data"].startswith("=")
    exported = AuditEntry.objects.filter(action="audit.exported").latest("id")
    assert exported.actor_label == "auditor"
    assert exported.data["filters"]["action"] == ["draft.received"]


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _exported_csv_rows(**filters) -> list[dict[str, str]]:
    seal_everything()
    response = person_client("auditor").get("/api/v1/audit/export", {"format": "csv", **filters})
    text = b"".join(response.streaming_content).decode()
    return list(csv.DictReader(io.StringIO(text, newline="")))


def test_a_formula_typed_as_a_username_reaches_the_csv_only_neutralised(demo):
    # The failed sign-in puts the typed name, as it is, in cells of its own (actor_label,
    # object_id): unlike the JSON data cell, nothing else stands in front of the formula.
    typed = ['=HYPERLINK("http://evil","x")', "+cmd", "-1+1", "@SUM(1)"]
    for username in typed:
        Client().post("/login/", {"username": username, "password": "wrong"})

    rows = _exported_csv_rows(action="auth.login_failed")

    assert sorted(r["actor_label"] for r in rows) == sorted("'" + u for u in typed)
    assert sorted(r["object_id"] for r in rows) == sorted("'" + u for u in typed)
    assert not [cell for r in rows for cell in r.values() if cell.startswith(FORMULA_STARTS)]


@pytest.mark.parametrize("label", ["\t=1+1", "\r=1+1"])
def test_a_cell_starting_with_a_tab_or_carriage_return_is_neutralised(demo, label):
    # The sign-in form strips surrounding whitespace, so these come from a direct entry.
    with transaction.atomic():
        record(
            "auth.login_failed",
            actor=Actor("anonymous", "", label),
            object_type="user",
            object_id=label,
            data={"username": label},
        )

    rows = _exported_csv_rows(action="auth.login_failed")

    assert [(r["actor_label"], r["object_id"]) for r in rows] == [("'" + label, "'" + label)]


@pytest.mark.parametrize("value", ["=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx"])
def test_every_formula_start_is_neutralised(value):
    from audit.exports import neutralise

    assert neutralise(value) == "'" + value
    assert neutralise("plain") == "plain"


def test_jsonl_export_lines_carry_the_chain(demo):
    write_entries(3)
    seal_everything()
    response = person_client("auditor").get("/api/v1/audit/export", {"format": "jsonl"})
    lines = [json.loads(line) for line in b"".join(response.streaming_content).splitlines()]
    sealed = [line for line in lines if line["position"] != ""]
    assert sealed and all(len(line["hash"]) == 64 for line in sealed)
    assert (
        person_client("auditor").get("/api/v1/audit/export", {"format": "xml"}).status_code == 400
    )


def test_export_recomputes_to_the_same_chain_without_the_database(demo):
    from audit.chain import GENESIS, link

    write_entries(4)
    seal_everything()
    response = person_client("auditor").get("/api/v1/audit/export", {"format": "jsonl"})
    rows = sorted(
        (json.loads(line) for line in b"".join(response.streaming_content).splitlines()),
        key=lambda r: r["position"] or 0,
    )
    previous = GENESIS
    for row in [r for r in rows if r["position"] != ""]:
        from datetime import datetime
        from types import SimpleNamespace

        entry = SimpleNamespace(
            **{**row, "occurred_at": datetime.fromisoformat(row["occurred_at"])}
        )
        assert row["prev_hash"] == previous
        previous = link(previous, entry)
        assert previous == row["hash"]


def test_verify_endpoint_reports_ok_then_where_it_breaks(demo):
    ids = write_entries(3)
    auditor = person_client("auditor")
    present = AuditEntry.objects.count()
    body = auditor.get("/api/v1/audit/verify").json()
    assert body["ok"] is True and body["entries"] == present
    with triggers_bypassed() as cursor:
        cursor.execute("UPDATE audit_auditentry SET object_id = 'x' WHERE id = %s", [ids[0]])
    body = auditor.get("/api/v1/audit/verify").json()
    assert body["ok"] is False and body["problem"] == "entry_altered" and body["entry_id"] == ids[0]


def test_each_check_is_on_record_with_who_asked_and_what_it_found(demo):
    ids = write_entries(3)
    auditor = person_client("auditor")
    auditor.get("/api/v1/audit/verify")
    passed = AuditEntry.objects.filter(action="audit.verified").latest("id")
    assert (passed.actor_type, passed.actor_label) == ("person", "auditor")
    assert passed.data["ok"] is True and passed.data["checkpoint"] is None
    with triggers_bypassed() as cursor:
        cursor.execute("UPDATE audit_auditentry SET object_id = 'x' WHERE id = %s", [ids[1]])
    auditor.get("/api/v1/audit/verify")
    failed = AuditEntry.objects.filter(action="audit.verified").latest("id")
    assert failed.pk != passed.pk and failed.actor_label == "auditor"
    assert (failed.data["ok"], failed.data["problem"], failed.data["entry_id"]) == (
        False,
        "entry_altered",
        ids[1],
    )


def test_export_of_100000_entries_streams_with_flat_memory(demo):
    def insert(count: int) -> None:
        with connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO audit_auditentry (occurred_at, actor_type, actor_id, actor_label,"
                " action, object_type, object_id, workflow_slug, request_id, data)"
                " SELECT now(), 'system', 'bulk', 'bulk', 'draft.received', 'draft', n::text,"
                " 'claims-intake-summary', '', jsonb_build_object('n', n)"
                " FROM generate_series(1, %s) AS n",
                [count],
            )

    def peak_while_streaming() -> tuple[int, int]:
        response = person_client("auditor").get("/api/v1/audit/export", {"format": "csv"})
        tracemalloc.start()
        size = sum(len(chunk) for chunk in response.streaming_content)
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        return size, peak

    insert(10_000)
    small_size, small_peak = peak_while_streaming()
    insert(90_000)
    big_size, big_peak = peak_while_streaming()
    assert big_size > 9 * small_size  # ten times the rows really went out
    assert big_peak < 2 * small_peak + 1_000_000  # ... in about the same memory
    assert big_peak < 16 * 1024 * 1024


def test_a_reversed_time_range_is_a_400_not_an_empty_log(demo):
    auditor = person_client("auditor")
    response = auditor.get(
        "/api/v1/audit/entries", {"since": "2026-02-01T00:00:00Z", "until": "2026-01-01T00:00:00Z"}
    )
    assert response.status_code == 400
    assert response.json()["error"]["fields"]["until"][0]["code"] == "invalid_range"
    ok = auditor.get(
        "/api/v1/audit/entries", {"since": "2026-01-01T00:00:00Z", "until": "2026-02-01T00:00:00Z"}
    )
    assert ok.status_code == 200


def test_an_action_family_finds_all_its_events_and_an_unknown_actor_type_is_a_400(demo):
    write_entries(2, action="draft.withdrawn")
    auditor = person_client("auditor")
    family = auditor.get("/api/v1/audit/entries", {"action": "draft", "page_size": 1000}).json()
    actions = {e["action"] for e in family["results"]}
    assert "draft.withdrawn" in actions and "draft.received" in actions
    assert all(a.startswith("draft.") for a in actions)
    for misspelt in ("draft.with", "draft.decide", "drafts", ""):
        refused = auditor.get("/api/v1/audit/entries", {"action": misspelt})
        if misspelt == "":  # an empty filter is no filter
            assert refused.status_code == 200
            continue
        assert refused.status_code == 400, misspelt
        [error] = refused.json()["error"]["fields"]["action"]
        assert error["code"] == "invalid_choice" and "draft.decided" in error["message"]
        assert "lease" in error["message"]  # the families are listed

    robots = auditor.get("/api/v1/audit/entries", {"actor_type": "robot"})
    assert robots.status_code == 400
    assert robots.json()["error"]["fields"]["actor_type"][0]["code"] == "invalid_choice"
    people = auditor.get("/api/v1/audit/entries", {"actor_type": "system", "page_size": 1000})
    assert {e["actor_type"] for e in people.json()["results"]} == {"system"}
