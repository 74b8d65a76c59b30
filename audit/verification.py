"""Verification: recompute the whole chain and say where, if anywhere, it breaks.

It reports the first problem found: a missing position (a seal removed), an entry missing
behind its seal (removed), a broken link, an entry whose content no longer matches its hash
(changed), a checkpoint the chain no longer contains (the tail removed or everything rehashed),
an entry inserted behind the sealer's cursor (forged, so never sealed), or entries left unsealed
longer than RQ_AUDIT_MAX_UNSEALED_SECONDS.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, timedelta
from types import SimpleNamespace
from typing import Any

from django.conf import settings
from django.db import connection
from django.db.models import BooleanField
from django.db.models.expressions import RawSQL
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from audit.chain import GENESIS, link
from audit.models import AuditCheckpoint, AuditEntry
from audit.sealing import head

_FIELDS = (
    "id, occurred_at, actor_type, actor_id, actor_label, action, object_type, object_id,"
    " workflow_slug, request_id, data"
)


@dataclass(frozen=True)
class Report:
    ok: bool
    entries: int
    head: str
    problem: str | None = None
    position: int | None = None
    entry_id: int | None = None
    detail: str | None = None

    def as_dict(self) -> dict:
        return {k: v for k, v in asdict(self).items() if v is not None}


def verify(
    *,
    checkpoint: tuple[int, str] | None = None,
    chunk: int = 5000,
    on_progress: Callable[[int], None] | None = None,
    every: int = 100_000,
) -> Report:
    """Walk the chain from the genesis; `checkpoint` = (position, hash) kept outside the DB.
    `on_progress(entries checked)` is called every `every` entries."""
    previous, expected = GENESIS, 1
    hashes_at: dict[int, str] = {}
    # Every checkpoint is checked on its own: one kept outside the database must hold even where
    # a stored checkpoint at the same position says otherwise (it may have been rewritten too).
    wanted = [(c.position, c.head_hash) for c in AuditCheckpoint.objects.all()]
    if checkpoint:
        wanted.append(checkpoint)
    positions = {position for position, _ in wanted}
    for row in _seals_with_entries(chunk):
        position, entry_id, prev_hash, stored_hash = row[:4]
        if position != expected:
            return Report(
                False,
                expected - 1,
                previous,
                "missing_position",
                expected,
                detail=f"position {expected} is missing (next found: {position})",
            )
        if row[4] is None:
            return Report(
                False,
                expected - 1,
                previous,
                "entry_missing",
                position,
                entry_id,
                f"entry {entry_id} sealed at position {position} is gone",
            )
        if prev_hash != previous:
            return Report(False, expected - 1, previous, "broken_link", position, entry_id)
        if link(previous, _entry(row[4:])) != stored_hash:
            return Report(
                False,
                expected - 1,
                previous,
                "entry_altered",
                position,
                entry_id,
                f"entry {entry_id} no longer matches the hash sealed at {position}",
            )
        if position in positions:
            hashes_at[position] = stored_hash
        previous, expected = stored_hash, expected + 1
        if on_progress and position % every == 0:
            on_progress(position)
    count = expected - 1
    for position, wanted_hash in sorted(wanted):
        if hashes_at.get(position) != wanted_hash:
            return Report(
                False,
                count,
                previous,
                "checkpoint_mismatch",
                position,
                detail=(
                    f"the chain has {count} positions, fewer than checkpoint "
                    f"{wanted_hash[:16]}… at position {position} names: mistyped, or the "
                    "log was cut short"
                    if position > count
                    else f"the chain does not hold checkpoint {wanted_hash[:16]}… "
                    f"at position {position}"
                ),
            )
    skipped = _unsealed_behind_the_sealer()
    if skipped:
        return Report(
            False,
            count,
            previous,
            "entry_not_in_chain",
            None,
            skipped,
            f"entry {skipped} lies before the sealer's cursor but was never sealed: it was "
            "written behind the application's back",
        )
    stale = _unsealed_too_long()
    if stale:
        return Report(
            False,
            count,
            previous,
            "unsealed_entries",
            None,
            stale,
            f"entry {stale} (and maybe others) waited more than "
            f"{settings.RQ_AUDIT_MAX_UNSEALED_SECONDS} s to be sealed",
        )
    return Report(True, count, previous)


def _seals_with_entries(chunk: int) -> Iterator[tuple[Any, ...]]:
    sql = (
        "SELECT s.position, s.entry_id, s.prev_hash, s.hash, "
        + ", ".join(f"e.{f.strip()}" for f in _FIELDS.split(","))
        + " FROM audit_auditseal s LEFT JOIN audit_auditentry e ON e.id = s.entry_id"
        " ORDER BY s.position"
    )
    # A server-side cursor on PostgreSQL: a million entries never sit in memory at once.
    with connection.chunked_cursor() as cursor:
        cursor.execute(sql)
        while rows := cursor.fetchmany(chunk):
            yield from rows


def _entry(values: Sequence[Any]) -> SimpleNamespace:
    """A raw row as the attributes chain.link reads (raw cursors skip the ORM's converters)."""
    names = [f.strip() for f in _FIELDS.split(",")]
    entry = SimpleNamespace(**dict(zip(names, values, strict=True)))
    if isinstance(entry.data, str):
        entry.data = json.loads(entry.data)
    if isinstance(entry.occurred_at, str):  # SQLite
        entry.occurred_at = parse_datetime(entry.occurred_at)
    if timezone.is_naive(entry.occurred_at):
        entry.occurred_at = timezone.make_aware(entry.occurred_at, UTC)
    return entry


def _unsealed_behind_the_sealer() -> int | None:
    """An unsealed entry the sealer has already passed. The sealer never skips one (it seals in
    (txid, id) order only below every open transaction, and the database stamps txid itself), so
    such an entry was inserted by hand, with a transaction id of its choosing."""
    behind = AuditEntry.objects.filter(seal__isnull=True).filter(_cursor("<="))
    return behind.order_by("id").values_list("id", flat=True).first()


def _unsealed_too_long() -> int | None:
    """An entry past the sealer's cursor older than the allowed delay (entries before the
    cursor are all sealed, or their loss shows up as a chain problem above)."""
    limit = timezone.now() - timedelta(seconds=settings.RQ_AUDIT_MAX_UNSEALED_SECONDS)
    ahead = AuditEntry.objects.filter(occurred_at__lt=limit).filter(_cursor(">"))
    return ahead.order_by("txid", "id").values_list("id", flat=True).first()


def _cursor(compare: str) -> RawSQL:
    """Entries before ("<=") or past (">") the sealer's cursor, in its (txid, id) order."""
    current = head()
    return RawSQL(
        f"(txid, audit_auditentry.id) {compare} (%s, %s)",
        [current.entry_txid, current.entry_id],
        output_field=BooleanField(),
    )
