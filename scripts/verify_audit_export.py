"""Recompute the audit chain from an export alone: no database, no server, no Django.

    uv run python scripts/verify_audit_export.py audit-export.jsonl [--checkpoint POSITION:HASH]

Reads the JSON Lines (exact) or CSV (cells a spreadsheet would run as formulas carry a leading
apostrophe, removed here) that GET /api/v1/audit/export gives auditors. Every sealed row's hash
is recomputed from its own fields and the previous hash (audit/chain.py, the same code the
server seals with); consecutive positions must link; a checkpoint kept elsewhere (the daily
mail) must be held by the row at its position. A full export must also start at position 1 and
have no gaps; a filtered one is checked row by row and where its positions touch.

Exit status 0 when everything holds, 1 with the first problem otherwise.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from collections.abc import Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from audit.chain import GENESIS, link  # noqa: E402  (pure: hashlib and rfc8785 only)


class _Moment(str):
    """The exported ISO time, as chain.entry_fields reads it (`.isoformat()`)."""

    def isoformat(self) -> str:
        return str(self)


class _Row:
    def __init__(self, row: dict):
        self.id = int(row["id"])
        self.occurred_at = _Moment(row["occurred_at"])
        for name in ("actor_type", "actor_id", "actor_label", "action", "object_type"):
            setattr(self, name, row[name])
        self.object_id = row["object_id"]
        self.workflow_slug = row["workflow_slug"]
        self.request_id = row["request_id"]
        self.data = row["data"] if isinstance(row["data"], dict) else json.loads(row["data"])
        self.position = int(row["position"]) if row["position"] not in ("", None) else None
        self.prev_hash = row["prev_hash"]
        self.hash = row["hash"]


def _unneutralise(cell: str) -> str:
    # audit/exports.py prefixes `'` to formula-like cells and to cells starting with `'`.
    return cell[1:] if cell.startswith("'") else cell


def rows(path: Path) -> Iterator[_Row]:
    with path.open(encoding="utf-8", newline="") as handle:
        first = handle.read(1)
        handle.seek(0)
        if first == "{":
            for line in handle:
                if line.strip():
                    yield _Row(json.loads(line))
        else:
            for record in csv.DictReader(handle):
                yield _Row({k: _unneutralise(v) for k, v in record.items()})


def verify(path: Path, checkpoint: tuple[int, str] | None, complete: bool) -> tuple[bool, str]:
    links: dict[int, tuple[str, str]] = {}  # position -> (prev_hash, hash)
    unsealed = 0
    for row in rows(path):
        if row.position is None:
            unsealed += 1
            continue
        if link(row.prev_hash, row) != row.hash:
            return False, f"entry {row.id} (position {row.position}) does not match its hash"
        links[row.position] = (row.prev_hash, row.hash)
    if not links:
        return (not complete), f"no sealed entries ({unsealed} unsealed)"
    positions = sorted(links)
    gaps = 0
    for before, after in zip(positions, positions[1:], strict=False):
        if after == before + 1:
            if links[after][0] != links[before][1]:
                return False, f"position {after} does not follow position {before}"
        else:
            gaps += 1
            if complete:
                return False, f"position {before + 1} is missing"
    if complete and (positions[0] != 1 or links[1][0] != GENESIS):
        return False, "the export does not start at the first position of the chain"
    if checkpoint:
        held = links.get(checkpoint[0], (None, None))[1]
        if held != checkpoint[1]:
            return (
                False,
                f"the chain does not hold checkpoint {checkpoint[1][:16]}… at {checkpoint[0]}",
            )
    head = links[positions[-1]][1]
    shape = "complete" if complete else f"{gaps} gap(s) between filtered rows"
    return True, (
        f"ok: {len(links)} sealed entries, positions {positions[0]}..{positions[-1]} ({shape}), "
        f"{unsealed} not sealed yet, head {head}"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("export", type=Path, help="a .jsonl or .csv file from /api/v1/audit/export")
    parser.add_argument("--checkpoint", help="POSITION:HASH from a checkpoint mail")
    parser.add_argument(
        "--partial", action="store_true", help="a filtered export: do not require every position"
    )
    args = parser.parse_args()
    checkpoint = None
    if args.checkpoint:
        position, _, digest = args.checkpoint.partition(":")
        if not position.isdigit() or len(digest) != 64:
            parser.error("--checkpoint takes POSITION:HASH (a 64-character hex hash)")
        checkpoint = (int(position), digest)
    ok, message = verify(args.export, checkpoint, complete=not args.partial)
    print(message)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
