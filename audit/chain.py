"""The hash chain: what is hashed, and how each seal links to the one before.

    hash(n) = SHA-256( prev_hash(n) + "\\n" + RFC 8785 canonical JSON of entry n )

The canonical form covers every field of the entry, so changing any of them, or the order of
entries, changes every hash from there on. Large content (draft text) never enters the log:
entries carry its SHA-256 digest, so drafts can be purged without touching the chain.
"""

from __future__ import annotations

import hashlib
from typing import Any

import rfc8785

GENESIS = "0" * 64


def canonical(fields: dict[str, Any]) -> bytes:
    return rfc8785.dumps(fields)


def entry_fields(entry: Any) -> dict[str, Any]:
    """The hashed content of an AuditEntry (or of a row with the same attributes)."""
    return {
        "id": entry.id,
        "occurred_at": entry.occurred_at.isoformat(),
        "actor_type": entry.actor_type,
        "actor_id": entry.actor_id,
        "actor_label": entry.actor_label,
        "action": entry.action,
        "object_type": entry.object_type,
        "object_id": entry.object_id,
        "workflow_slug": entry.workflow_slug,
        "request_id": entry.request_id,
        "data": entry.data,
    }


def link(prev_hash: str, entry: Any) -> str:
    payload = prev_hash.encode("ascii") + b"\n" + canonical(entry_fields(entry))
    return hashlib.sha256(payload).hexdigest()


def digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
