"""The database itself refuses to change or remove audit entries."""

from __future__ import annotations

import io

import pytest
from django.contrib.auth.models import User
from django.db import DatabaseError, connection, transaction
from django.test import Client

from audit import append_only
from audit.models import AuditEntry, AuditSeal
from tests.audit.helpers import seal_everything, write_entries

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE audit_auditentry SET action = 'draft.forged' WHERE id = %s",
        "DELETE FROM audit_auditentry WHERE id = %s",
        "UPDATE audit_auditseal SET hash = repeat('f', 64) WHERE entry_id = %s",
        "DELETE FROM audit_auditseal WHERE entry_id = %s",
    ],
)
def test_the_trigger_refuses_updates_and_deletes(demo, statement):
    [entry_id] = write_entries(1)
    seal_everything()
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(statement, [entry_id])
    assert AuditEntry.objects.get(pk=entry_id).action == "draft.received"
    assert AuditSeal.objects.filter(entry_id=entry_id).exists()


def test_the_trigger_refuses_truncate(demo):
    # The test database runs without this one trigger (pytest-django empties tables with
    # TRUNCATE); install the migration's own statement here and try.
    before = AuditEntry.objects.count()
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(append_only.truncate_trigger("audit_auditentry"))
        cursor.execute("TRUNCATE audit_auditentry CASCADE")
    assert AuditEntry.objects.count() == before


def test_the_orm_cannot_change_entries_either(demo):
    [entry_id] = write_entries(1)
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEntry.objects.filter(pk=entry_id).update(action="draft.forged")
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEntry.objects.filter(pk=entry_id).delete()


def test_the_admin_shows_entries_read_only(demo):
    [entry_id] = write_entries(1)
    admin = Client()
    admin.force_login(User.objects.get(username="admin"))
    page = admin.get(f"/admin/audit/auditentry/{entry_id}/change/")
    assert page.status_code == 200
    assert b'name="_save"' not in page.content
    assert (
        admin.post(f"/admin/audit/auditentry/{entry_id}/delete/", {"post": "yes"}).status_code
        == 403
    )
    assert AuditEntry.objects.filter(pk=entry_id).exists()


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE audit_auditentry SET action = 'draft.forged' WHERE id = %s",
        "DELETE FROM audit_auditentry WHERE id = %s",
        "TRUNCATE audit_auditentry",
    ],
)
def test_the_application_role_may_only_append_to_the_log(demo, statement):
    from django.core.management import call_command

    [entry_id] = write_entries(1)
    with connection.cursor() as cursor:
        cursor.execute("CREATE ROLE rq_app_test NOLOGIN")  # rolled back with the test
    call_command("audit_db_grants", "rq_app_test", "--apply", stdout=io.StringIO())
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL ROLE rq_app_test")
        write_entries(1)  # appending works
        cursor.execute("SELECT count(*) FROM reviewqueue_draft")  # the rest of the app works
        refused = "permission denied for table audit_auditentry"  # the grant, not the trigger
        with pytest.raises(DatabaseError, match=refused), transaction.atomic():
            cursor.execute(statement, [entry_id] if "%s" in statement else None)
        cursor.execute("RESET ROLE")
    assert AuditEntry.objects.filter(pk=entry_id).exists()


def test_the_grants_can_be_printed_for_a_dba(demo, capsys):
    from django.core.management import call_command

    call_command("audit_db_grants", "reviewqueue_app")
    out = capsys.readouterr().out
    assert 'REVOKE UPDATE, DELETE, TRUNCATE ON audit_auditentry FROM "reviewqueue_app";' in out
    assert (
        'GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO "reviewqueue_app";'
        in out
    )
