"""Streamed exports of the audit log: CSV safe to open in a spreadsheet, and JSON Lines.

Each row carries the entry, its chain position, previous hash and hash, so anyone holding the
export can recompute the chain without the database. Rows are read with a
server-side cursor and written one by one: memory stays flat whatever the size.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator

from django.db.models import QuerySet

from audit.chain import entry_fields

COLUMNS = [
    "position",
    "prev_hash",
    "hash",
    "id",
    "occurred_at",
    "actor_type",
    "actor_id",
    "actor_label",
    "action",
    "object_type",
    "object_id",
    "workflow_slug",
    "request_id",
    "data",
]
# A spreadsheet runs a cell starting with one of these as a formula (CSV injection).
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(cell: str) -> str:
    """Prefix `'` to a cell a spreadsheet would run, and to one that already starts with `'`,
    so reading it back is always "drop one leading `'`" (scripts/verify_audit_export.py): a
    value like `'=1`, typed as a username, must come back as it was."""
    return "'" + cell if cell.startswith((*_FORMULA_STARTS, "'")) else cell


def _row(entry) -> dict:
    seal = getattr(entry, "seal", None)
    fields = entry_fields(entry)
    fields["data"] = json.dumps(entry.data, sort_keys=True, ensure_ascii=False)
    return {
        "position": seal.position if seal else "",
        "prev_hash": seal.prev_hash if seal else "",
        "hash": seal.hash if seal else "",
        **fields,
    }


def csv_lines(entries: QuerySet) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS)
    writer.writeheader()
    for entry in entries.select_related("seal").iterator(chunk_size=2000):
        writer.writerow({k: neutralise(str(v)) for k, v in _row(entry).items()})
        if buffer.tell() > 64 * 1024:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def jsonl_lines(entries: QuerySet) -> Iterator[str]:
    for entry in entries.select_related("seal").iterator(chunk_size=2000):
        row = _row(entry)
        row["data"] = entry.data  # JSON Lines keeps the data structured
        yield json.dumps(row, ensure_ascii=False, sort_keys=True) + "\n"
