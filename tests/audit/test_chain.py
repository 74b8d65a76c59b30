"""Sealing and verification: an intact chain verifies; any change is reported where it is."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from audit.chain import GENESIS, link
from audit.checkpoints import record_checkpoint
from audit.models import AuditEntry, AuditSeal
from audit.sealing import seal_pending
from audit.verification import verify
from tests.audit.helpers import seal_everything, triggers_bypassed, write_entries

pytestmark = pytest.mark.django_db


def positions_of(ids):
    return dict(AuditSeal.objects.filter(entry_id__in=ids).values_list("entry_id", "position"))


def test_sealing_links_every_entry_to_the_one_before(demo):
    seal_everything()
    ids = write_entries(5)
    assert seal_pending() == 5
    seals = list(AuditSeal.objects.order_by("position"))
    assert [s.position for s in seals] == list(range(1, len(seals) + 1))
    assert seals[0].prev_hash == GENESIS
    for before, after in zip(seals, seals[1:], strict=False):
        assert after.prev_hash == before.hash
    last = AuditSeal.objects.get(entry_id=ids[-1])
    assert last.hash == link(last.prev_hash, AuditEntry.objects.get(pk=ids[-1]))
    assert seal_pending() == 0


def test_an_intact_chain_verifies(demo):
    write_entries(3)
    seal_everything()
    report = verify()
    assert report.ok and report.entries == AuditEntry.objects.count()
    assert report.head == AuditSeal.objects.order_by("-position").first().hash


def test_an_entry_changed_behind_the_applications_back_is_reported_at_exactly_that_entry(demo):
    ids = write_entries(10)
    seal_everything()
    target = ids[6]
    with triggers_bypassed() as cursor:
        cursor.execute("UPDATE audit_auditentry SET data = '{\"n\": 999}' WHERE id = %s", [target])
    report = verify()
    assert not report.ok
    assert (report.problem, report.entry_id) == ("entry_altered", target)
    assert report.position == positions_of([target])[target]
    assert report.entries == report.position - 1  # everything before it still checks out


def test_a_deleted_entry_is_reported_at_its_position(demo):
    ids = write_entries(10)
    seal_everything()
    target = ids[3]
    with triggers_bypassed() as cursor:
        cursor.execute("DELETE FROM audit_auditentry WHERE id = %s", [target])
    report = verify()
    assert (report.ok, report.problem, report.entry_id) == (False, "entry_missing", target)
    assert report.position == positions_of([target])[target]


def test_a_deleted_seal_shows_as_a_missing_position(demo):
    ids = write_entries(10)
    seal_everything()
    position = positions_of([ids[4]])[ids[4]]
    with triggers_bypassed() as cursor:
        cursor.execute("DELETE FROM audit_auditentry WHERE id = %s", [ids[4]])
        cursor.execute("DELETE FROM audit_auditseal WHERE position = %s", [position])
    report = verify()
    assert (report.problem, report.position) == ("missing_position", position)


def test_a_removed_tail_is_caught_by_the_checkpoint(demo):
    write_entries(5)
    checkpoint = record_checkpoint()
    with triggers_bypassed() as cursor:
        cursor.execute("DELETE FROM audit_auditseal WHERE position >= %s", [checkpoint.position])
        cursor.execute("DELETE FROM audit_auditcheckpoint")
    # Without a copy kept outside, the shortened chain is self-consistent ...
    assert verify().ok
    # ... the checkpoint mailed to auditors catches it.
    report = verify(checkpoint=(checkpoint.position, checkpoint.head_hash))
    assert (report.ok, report.problem) == (False, "checkpoint_mismatch")
    # It says the chain is now shorter than the checkpoint, not that a hash changed.
    assert f"the chain has {checkpoint.position - 1} positions, fewer than" in report.detail
    assert "cut short" in report.detail


def test_checkpoints_recorded_in_the_database_are_checked_too(demo):
    write_entries(3)
    checkpoint = record_checkpoint()
    with triggers_bypassed() as cursor:
        cursor.execute(
            "DELETE FROM audit_auditseal WHERE position >= %s", [checkpoint.position - 1]
        )
    report = verify()
    assert not report.ok and report.problem == "checkpoint_mismatch"


def test_a_kept_checkpoint_holds_against_a_rewritten_chain_and_checkpoint(demo):
    from django.utils import timezone

    from audit.models import AuditCheckpoint, AuditSeal

    ids = write_entries(3)
    kept = record_checkpoint()
    # A rewrite of the whole log: one entry changed, the chain resealed from the start and the
    # stored checkpoint replaced by one at the same position that matches the forged chain.
    with triggers_bypassed() as cursor:
        cursor.execute("UPDATE audit_auditentry SET action = 'forged' WHERE id = %s", [ids[0]])
        cursor.execute("DELETE FROM audit_auditseal")
        cursor.execute("DELETE FROM audit_auditcheckpoint")
    seal_everything()
    forged = AuditSeal.objects.get(position=kept.position).hash
    assert forged != kept.head_hash
    AuditCheckpoint.objects.create(
        position=kept.position, head_hash=forged, created_at=timezone.now()
    )

    assert verify().ok  # the forged log is consistent with itself ...
    report = verify(checkpoint=(kept.position, kept.head_hash))  # ... not with the kept copy
    assert (report.ok, report.problem, report.position) == (
        False,
        "checkpoint_mismatch",
        kept.position,
    )


def test_the_checkpoint_is_mailed_to_auditors(demo, mailoutbox):
    from django.contrib.auth.models import User

    User.objects.filter(username="auditor").update(email="auditor@example.com")
    write_entries(2)
    with pytest.MonkeyPatch.context():
        from django.test import TestCase

        with TestCase.captureOnCommitCallbacks(execute=True):
            checkpoint = record_checkpoint()
    assert [m.to for m in mailoutbox] == [["auditor@example.com"]]
    assert checkpoint.head_hash in mailoutbox[0].body
    # An auditor checks it on the audit log page; the shell command is the fallback.
    assert '/audit/) and paste this into "Verify the chain now"' in mailoutbox[0].body
    assert f"  {checkpoint.position}:{checkpoint.head_hash}\n" in mailoutbox[0].body


def test_entries_left_unsealed_too_long_are_reported(demo, settings):
    seal_everything()
    [entry_id] = write_entries(1)
    AuditEntry.objects.filter(pk=entry_id)  # (unchanged: the entry is immutable)
    settings.RQ_AUDIT_MAX_UNSEALED_SECONDS = 1
    import time_machine

    with time_machine.travel(timezone.now() + timedelta(seconds=5)):
        report = verify()
    assert (report.ok, report.problem, report.entry_id) == (False, "unsealed_entries", entry_id)


def test_verify_audit_command_exits_1_and_names_the_entry(demo):
    ids = write_entries(4)
    out = io.StringIO()
    call_command("verify_audit", stdout=out, stderr=io.StringIO())
    assert out.getvalue().startswith("ok: ")
    with triggers_bypassed() as cursor:
        cursor.execute(
            "UPDATE audit_auditentry SET actor_label = 'mallory' WHERE id = %s", [ids[1]]
        )
    out = io.StringIO()
    with pytest.raises(SystemExit) as exited:
        call_command("verify_audit", stdout=out, stderr=io.StringIO())
    assert exited.value.code == 1
    assert "entry_altered at position" in out.getvalue() and f"(entry {ids[1]})" in out.getvalue()
    # Both checks are on record, the failed one saying what it found.
    checks = AuditEntry.objects.filter(action="audit.verified").order_by("-id")[:2]
    assert [c.actor_label for c in checks] == ["manage.py verify_audit"] * 2
    assert [c.data["ok"] for c in checks] == [False, True]
    assert checks[0].data["entry_id"] == ids[1]


FORGED = """
    INSERT INTO audit_auditentry (occurred_at, actor_type, actor_id, actor_label, action,
        object_type, object_id, workflow_slug, request_id, data, txid)
    VALUES (now() - interval '1 day', 'person', '1', 'admin', 'draft.decided', 'draft', 'x',
        'claims-intake-summary', '', '{"action": "approve"}', 1)
    RETURNING id, txid
"""


def test_a_writer_cannot_choose_the_transaction_id_the_sealer_orders_by(demo):
    write_entries(3)
    seal_everything()
    with connection.cursor() as cursor:
        cursor.execute(FORGED)  # asks for txid 1: behind the sealer's cursor
        forged_id, txid = cursor.fetchone()
    assert txid > 1  # the database stamped its own
    seal_everything()
    assert AuditSeal.objects.filter(entry_id=forged_id).exists()  # in the chain, in view
    assert verify().ok


def test_an_entry_forged_behind_the_sealer_is_reported(demo):
    write_entries(3)
    seal_everything()
    with triggers_bypassed() as cursor:  # a superuser, past the triggers
        cursor.execute(FORGED)
        forged_id, txid = cursor.fetchone()
    assert txid == 1
    seal_pending()
    report = verify()
    assert (report.ok, report.problem, report.entry_id) == (False, "entry_not_in_chain", forged_id)
    # And the auditor's API says so too.
    from tests.conftest import person_client

    body = person_client("auditor").get("/api/v1/audit/verify").json()
    assert body["ok"] is False and body["entry_id"] == forged_id
