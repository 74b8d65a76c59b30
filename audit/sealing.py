"""Sealing: entries join the hash chain in batches, apart from the writers.

Writers never wait on the chain: they only insert entries. The sealer, one at a time (a
PostgreSQL advisory lock; a second sealer finds it taken and leaves), appends seals in
(transaction id, entry id) order, and only for entries whose transaction id is below the oldest
transaction still running in this database. So an entry that commits late, from a transaction
that began early, is never skipped: nothing after it is sealed until it has committed (or rolled
back). Unique
positions and unique previous hashes make a fork impossible even if the lock were bypassed.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import connection, transaction
from django.db.models import BooleanField
from django.db.models.expressions import RawSQL
from django.utils import timezone

from audit.chain import GENESIS, link
from audit.models import AuditEntry, AuditSeal

SEALER_LOCK = 0x5EA1_0A0D  # pg_advisory lock key of the sealer
# The oldest transaction still running that could write to this database: the snapshot's oldest
# in-progress transaction, passing over those PostgreSQL shows running in another database of the
# cluster (they cannot insert here, and must not hold sealing back). A transaction it cannot place
# (finished meanwhile, or hidden from this role) counts as possibly ours: never too far ahead.
_HORIZON = """COALESCE(
    (SELECT min(running::text::bigint) FROM pg_snapshot_xip(pg_current_snapshot()) AS running
     WHERE xid(running) NOT IN (
         SELECT backend_xid FROM pg_stat_activity
         WHERE backend_xid IS NOT NULL AND datname IS DISTINCT FROM current_database())),
    pg_snapshot_xmax(pg_current_snapshot())::text::bigint)"""
BATCH = 5000


@dataclass(frozen=True)
class Head:
    position: int
    hash: str
    entry_txid: int
    entry_id: int


def head() -> Head:
    seal = AuditSeal.objects.order_by("-position").first()
    if seal is None:
        return Head(0, GENESIS, -1, 0)
    return Head(seal.position, seal.hash, seal.entry_txid, seal.entry_id)


def seal_pending(*, batch_size: int = BATCH) -> int:
    """Seal every entry that can be sealed now; returns how many were sealed."""
    sealed = 0
    while True:
        with transaction.atomic():
            if not _take_sealer_lock():
                return sealed  # another sealer is at work; it will seal these
            done = _seal_batch(batch_size)
        sealed += done
        if done < batch_size:
            return sealed


def _take_sealer_lock() -> bool:
    if connection.vendor != "postgresql":
        return True  # SQLite allows one writer at a time anyway
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_xact_lock(%s)", [SEALER_LOCK])
        return bool(cursor.fetchone()[0])


def _next_entries(after: Head, limit: int) -> list[AuditEntry]:
    entries = AuditEntry.objects.order_by("txid", "id")
    if connection.vendor == "postgresql":
        # pg_stat_activity is read once per transaction and then cached: a sealer called inside
        # a longer transaction would place other databases' transactions from a stale list.
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_stat_clear_snapshot()")
        # Entries whose transaction is older than every running one: none can still appear
        # before them in (txid, id) order. Same statement, same snapshot as the rows read.
        # The sealer's own transaction's entries count too when it is itself the oldest one:
        # they commit (or vanish) together with their seals.
        entries = entries.filter(
            RawSQL(
                "(txid, id) > (%s, %s) AND (txid < "
                + _HORIZON
                + " OR (txid = "
                + _HORIZON
                + " AND txid = pg_current_xact_id_if_assigned()::text::bigint))",
                [after.entry_txid, after.entry_id],
                output_field=BooleanField(),
            )
        )
    else:
        entries = entries.filter(id__gt=after.entry_id)
    return list(entries[:limit])


def _seal_batch(limit: int) -> int:
    current = head()
    entries = _next_entries(current, limit)
    now = timezone.now()
    position, previous = current.position, current.hash
    seals = []
    for entry in entries:
        position += 1
        digest = link(previous, entry)
        seals.append(
            AuditSeal(
                position=position,
                entry_id=entry.id,
                entry_txid=entry.txid,
                prev_hash=previous,
                hash=digest,
                sealed_at=now,
            )
        )
        previous = digest
    AuditSeal.objects.bulk_create(seals, batch_size=1000)
    return len(seals)
