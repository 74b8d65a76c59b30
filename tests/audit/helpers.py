"""Writing entries quickly, and tampering with the log the way an attacker with superuser
rights would: bypassing the triggers with session_replication_role."""

from __future__ import annotations

import time
from contextlib import contextmanager

from django.db import connection, transaction

from audit.actors import Actor
from audit.services import record


def write_entries(count: int, action: str = "draft.received") -> list[int]:
    ids = []
    with transaction.atomic():
        for n in range(count):
            entry = record(
                action,
                actor=Actor.system("test"),
                object_type="draft",
                object_id=f"d-{n}",
                data={"n": n, "note": "=SUM(A1:A9)" if n == 0 else "plain"},
            )
            ids.append(entry.pk)
    return ids


@contextmanager
def triggers_bypassed():
    """What a database superuser can do; the application never does this."""
    with connection.cursor() as cursor:
        cursor.execute("SET session_replication_role = replica")
        try:
            yield cursor
        finally:
            cursor.execute("SET session_replication_role = DEFAULT")


def seal_everything(tries: int = 50) -> None:
    """Seal until no entry waits. One sealer pass can hold entries back for a moment while a
    transaction it cannot place is running (another test run on the same cluster, say): the
    product seals them on its next pass, a test that tampers with a sealed entry must not race."""
    from audit.models import AuditEntry
    from audit.sealing import seal_pending

    for _ in range(tries):
        seal_pending()
        if not AuditEntry.objects.filter(seal__isnull=True).exists():
            return
        time.sleep(0.05)
    raise AssertionError("entries stayed unsealed after repeated sealing")
