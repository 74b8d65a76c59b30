"""Verification runs: asked for on a page or over the API, checked by a worker, followed until
done, recorded in the log; the nightly check mails auditors when the chain breaks."""

from __future__ import annotations

import re
import threading
from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from audit import verification_runs
from audit.checkpoints import record_checkpoint
from audit.models import AuditEntry, AuditSeal, VerificationRun
from audit.verification import verify
from tests.audit.helpers import seal_everything, triggers_bypassed, write_entries
from tests.conftest import person_client, producer_client, signed_in

pytestmark = pytest.mark.django_db


def text(response) -> str:
    return response.content.decode()


def ask_on_the_page(client, capture, **form):
    """POST the verify form, let the worker run it (tasks run inline in tests), open its page."""
    with capture(execute=True):
        asked = client.post("/audit/verify/", form)
    assert asked.status_code == 302, text(asked)
    return client.get(asked["Location"])


def tamper_with_an_entry() -> int:
    ids = write_entries(3)
    seal_everything()
    with triggers_bypassed() as cursor:
        cursor.execute("UPDATE audit_auditentry SET object_id = 'x' WHERE id = %s", [ids[1]])
    return ids[1]


def test_verifying_on_the_page_runs_on_a_worker_and_shows_ok(
    demo, django_capture_on_commit_callbacks
):
    write_entries(3)
    admin = signed_in("admin")
    page = ask_on_the_page(admin, django_capture_on_commit_callbacks)
    run = VerificationRun.objects.get()
    assert page.request["PATH_INFO"] == f"/audit/verifications/{run.pk}/"
    assert run.status == "finished" and run.ok and run.requested_by.username == "admin"
    assert "Chain ok." in text(page) and run.report["head"] in text(page)
    assert 'http-equiv="refresh"' not in text(page)  # done: nothing left to wait for
    logged = AuditEntry.objects.get(action="audit.verified")
    assert logged.data["ok"] is True and logged.data["requested_by"] == "admin"
    assert logged.data["entries"] == run.report["entries"]
    summary = admin.get("/audit/")
    assert f'href="/audit/verifications/{run.pk}/">ok</a>, asked for by admin' in text(summary)


def test_a_tampered_chain_is_named_on_the_run_page(demo, django_capture_on_commit_callbacks):
    altered = tamper_with_an_entry()
    page = text(ask_on_the_page(signed_in("auditor"), django_capture_on_commit_callbacks))
    position = AuditSeal.objects.get(entry_id=altered).position
    assert "Chain broken." in page and "An entry no longer matches its hash" in page
    assert f'entry <a href="/audit/{altered}/">#{altered}</a>, chain position {position}.' in page
    assert f"links up for its first {position - 1} entries" in page
    assert VerificationRun.objects.get().report["problem"] == "entry_altered"


def test_verifying_against_a_checkpoint_kept_elsewhere(demo, django_capture_on_commit_callbacks):
    checkpoint = record_checkpoint()
    auditor = signed_in("auditor")
    kept = f"{checkpoint.position}:{checkpoint.head_hash}"
    ok = text(ask_on_the_page(auditor, django_capture_on_commit_callbacks, checkpoint=kept))
    assert "Chain ok." in ok and "holds the checkpoint you gave" in ok
    forged = text(
        ask_on_the_page(auditor, django_capture_on_commit_callbacks, checkpoint=f"1:{'0' * 64}")
    )
    assert "Checkpoint not matched." in forged and "mistyped" in forged
    assert "Chain broken." not in forged
    assert "Verify again against this checkpoint" in forged
    # The log's headline and the list say what went wrong: not the chain, the checkpoint.
    latest = re.search(
        r'data-testid="latest-verification">(.*?)</dd>', text(auditor.get("/audit/"))
    )
    assert "checkpoint not matched" in latest.group(1) and "broken" not in latest.group(1)
    listed = text(auditor.get("/audit/verifications/"))
    assert "checkpoint not matched</span> (mistyped, or the log rewritten)" in listed


@pytest.mark.parametrize("checkpoint", ["12:short", "0:" + "a" * 64, "1:" + "z" * 64, "x:y"])
def test_a_malformed_checkpoint_is_refused_on_the_page_and_nothing_is_queued(demo, checkpoint):
    response = signed_in("auditor").post("/audit/verify/", {"checkpoint": checkpoint})
    assert response.status_code == 400 and "POSITION:HASH" in text(response)
    # Said at the top too: on a phone the form's own message is far below the filters.
    assert 'data-testid="verify-errors"' in text(response)
    assert not VerificationRun.objects.exists()


def test_a_run_waiting_for_a_worker_refreshes_itself_and_then_points_at_the_workers(demo):
    auditor = signed_in("auditor")
    asked = auditor.post("/audit/verify/")  # its task is never sent: no commit in this test
    page = text(auditor.get(asked["Location"]))
    assert "Waiting for a worker." in page and 'http-equiv="refresh" content="2"' in page
    assert "celery -A reviewqueue worker" not in page
    with time_machine.travel(timezone.now() + timedelta(minutes=2)):
        late = text(auditor.get(asked["Location"]))
    assert "No worker has taken it" in late and "manage.py verify_audit" in late


def test_a_running_check_shows_progress_and_a_silent_one_is_reported_stopped(demo):
    seal_everything()
    run = verification_runs.request_verification(user=None)
    VerificationRun.objects.filter(pk=run.pk).update(
        status="running", started_at=timezone.now(), progress_at=timezone.now(), checked=2
    )
    auditor = signed_in("auditor")
    page = text(auditor.get(f"/audit/verifications/{run.pk}/"))
    assert "Checking…" in page and "2 of about" in page and "<progress" in page
    assert 'http-equiv="refresh"' in page
    with time_machine.travel(timezone.now() + timedelta(minutes=6)):
        stopped = text(auditor.get(f"/audit/verifications/{run.pk}/"))
        listed = text(auditor.get("/audit/verifications/"))
    assert "Stopped." in stopped and "after 2 entries" in stopped
    assert 'http-equiv="refresh"' not in stopped and "Verify again" in stopped
    assert "stopped after 2 entries" in listed


def test_the_list_shows_each_run_and_who_asked(demo, django_capture_on_commit_callbacks):
    ask_on_the_page(signed_in("auditor"), django_capture_on_commit_callbacks)
    verification_runs.verify_nightly()
    listed = text(signed_in("auditor").get("/audit/verifications/"))
    assert listed.count("ok, ") == 2
    assert "nightly check" in listed and "<td>auditor</td>" in listed


def test_only_auditors_and_admins_see_verifications(demo):
    run = verification_runs.request_verification(user=None)
    for path in ["/audit/verifications/", f"/audit/verifications/{run.pk}/"]:
        assert signed_in("adjuster").get(path).status_code == 403
        assert signed_in("claims_owner").get(path).status_code == 403
        assert signed_in("auditor").get(path).status_code == 200
    assert signed_in("adjuster").post("/audit/verify/").status_code == 403
    assert signed_in("auditor").get("/audit/verifications/999999/").status_code == 404
    assert VerificationRun.objects.count() == 1


# --- The worker side ---------------------------------------------------------------------


def test_a_run_is_checked_once_however_often_its_task_arrives(demo):
    run = verification_runs.request_verification(user=None)
    assert verification_runs.run_verification(run.pk) is not None
    assert verification_runs.run_verification(run.pk) is None
    assert AuditEntry.objects.filter(action="audit.verified").count() == 1


def test_a_request_whose_task_was_lost_is_started_by_the_sweep(demo):
    lost = verification_runs.request_verification(user=None)  # on_commit never runs: lost
    assert verification_runs.start_unclaimed() == 0  # too fresh: its task may still arrive
    with time_machine.travel(timezone.now() + timedelta(minutes=1)):
        assert verification_runs.start_unclaimed() == 1
    lost.refresh_from_db()
    assert lost.status == "finished" and lost.ok


def test_verify_calls_back_with_its_progress(demo):
    write_entries(5)
    seal_everything()
    seen = []
    report = verify(on_progress=seen.append, every=2)
    assert report.ok and seen == list(range(2, report.entries + 1, 2))


def test_a_run_notes_its_progress_for_the_page_as_it_goes(demo, monkeypatch):
    write_entries(5)
    run = verification_runs.request_verification(user=None)
    monkeypatch.setattr(verification_runs, "PROGRESS_EVERY", 2)
    stored = []
    real_verify = verification_runs.verify

    def verify_and_look(*, on_progress, **kwargs):
        def note(checked):
            on_progress(checked)
            stored.append(VerificationRun.objects.get(pk=run.pk).checked)

        return real_verify(on_progress=note, **kwargs)

    monkeypatch.setattr(verification_runs, "verify", verify_and_look)
    verification_runs.run_verification(run.pk)
    run.refresh_from_db()
    assert stored == list(range(2, run.report["entries"] + 1, 2)) and len(stored) >= 2
    assert run.checked == run.report["entries"]


def test_a_failed_nightly_check_is_mailed_to_the_auditors(
    demo, settings, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    from django.contrib.auth.models import User

    User.objects.filter(username="auditor").update(email="auditor@example.com")
    with django_capture_on_commit_callbacks(execute=True):
        verification_runs.verify_nightly()
    assert mail.outbox == []  # an intact chain is not news
    altered = tamper_with_an_entry()
    with django_capture_on_commit_callbacks(execute=True):
        run = verification_runs.verify_nightly()
    assert run is not None and run.ok is False and run.requested_by is None
    [message] = mail.outbox
    assert message.to == ["auditor@example.com"] and "FAILED verification" in message.subject
    assert "entry_altered" in message.body and f"Entry: {altered}" in message.body


@pytest.mark.django_db(transaction=True)
def test_two_workers_racing_for_one_run_check_it_once(demo):
    # Stored as request_verification stores it, without the task it sends after commit.
    run = VerificationRun.objects.create(requested_at=timezone.now())
    start, results = threading.Barrier(4), []

    def worker():
        start.wait()
        try:
            results.append(verification_runs.run_verification(run.pk))
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sum(result is not None for result in results) == 1
    assert AuditEntry.objects.filter(action="audit.verified").count() == 1


# --- The API ------------------------------------------------------------------------------


def test_the_api_takes_a_request_and_reports_when_done(demo, django_capture_on_commit_callbacks):
    auditor = person_client("auditor")
    with django_capture_on_commit_callbacks(execute=True):
        asked = auditor.post("/api/v1/audit/verifications", {}, format="json")
    assert asked.status_code == 202
    body = asked.json()
    assert body["status"] == "queued" and body["requested_by"] == "auditor"
    assert asked["Location"] == body["url"] and body["url"].endswith(f"/verifications/{body['id']}")
    done = auditor.get(f"/api/v1/audit/verifications/{body['id']}").json()
    assert done["status"] == "finished" and done["report"]["ok"] is True
    assert done["checked"] == done["report"]["entries"] > 0 and done["stalled"] is False
    listed = auditor.get("/api/v1/audit/verifications").json()
    assert [run["id"] for run in listed["results"]] == [body["id"]]


def test_the_api_refuses_a_malformed_checkpoint_and_non_auditors(demo, claims):
    auditor = person_client("auditor")
    bad = auditor.post("/api/v1/audit/verifications", {"checkpoint": "7:abc"}, format="json")
    assert bad.status_code == 400
    assert bad.json()["error"]["fields"]["checkpoint"][0]["code"] == "invalid"
    unknown = auditor.post("/api/v1/audit/verifications", {"check": "x"}, format="json")
    assert unknown.status_code == 400
    producer, _ = producer_client(claims)
    for client in (person_client("adjuster"), person_client("claims_owner"), producer):
        assert client.post("/api/v1/audit/verifications", {}, format="json").status_code == 403
        assert client.get("/api/v1/audit/verifications").status_code == 403
    assert auditor.get("/api/v1/audit/verifications/424242").status_code == 404
    assert not VerificationRun.objects.exists()


def test_the_command_reports_its_progress(demo, capsys):
    write_entries(6)
    call_command("verify_audit", "--progress-every", "2")
    out, err = capsys.readouterr()
    assert out.startswith("ok: ")
    assert "Verifying the audit chain (" in err
    assert re.search(r"  2 of \d+ checked \(\d+%, [\d,]+/s, about \d+ s left\)", err)
    assert err.count("checked (") >= 3
