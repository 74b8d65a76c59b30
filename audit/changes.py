"""Before / after snapshots of configuration objects, for `*.changed` audit entries."""

from __future__ import annotations

import hashlib
from typing import Any

from django.db import models


def is_secret(name: str) -> bool:
    """Fields whose values must never reach the log, which nobody can ever erase."""
    return name.endswith("secret") or name in {"password", "key_hash"}


def snapshot(obj: models.Model) -> dict[str, Any]:
    """The object's concrete fields as JSON-friendly values; a secret only as a fingerprint,
    enough to show that it changed and nothing to sign with."""
    values: dict[str, Any] = {}
    for field in obj._meta.concrete_fields:
        value = getattr(obj, field.attname)
        if is_secret(field.attname):
            value = _fingerprint(value)
        elif field.is_relation and value is not None:
            # By name as well as id: an auditor reading "technical_owner_id: 11" cannot tell
            # who that was, least of all once the account is gone.
            value = f"{getattr(obj, field.name)} (id {value})"
        values[field.attname] = (
            value if isinstance(value, bool | int | float | None) else str(value)
        )
    return values


def _fingerprint(value: Any) -> str:
    if not value:
        return ""
    return "redacted sha256:" + hashlib.sha256(str(value).encode()).hexdigest()[:12]


def changed(before: dict[str, Any], after: dict[str, Any]) -> dict[str, dict[str, Any]]:
    keys = [k for k in after if before.get(k) != after.get(k) and k != "updated_at"]
    return {"before": {k: before.get(k) for k in keys}, "after": {k: after[k] for k in keys}}
