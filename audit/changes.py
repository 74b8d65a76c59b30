"""Before / after snapshots of configuration objects, for `*.changed` audit entries."""

from __future__ import annotations

from typing import Any

from django.db import models


def snapshot(obj: models.Model) -> dict[str, Any]:
    """The object's concrete fields as JSON-friendly values."""
    values: dict[str, Any] = {}
    for field in obj._meta.concrete_fields:
        value = getattr(obj, field.attname)
        values[field.attname] = (
            value if isinstance(value, bool | int | float | None) else str(value)
        )
    return values


def changed(before: dict[str, Any], after: dict[str, Any]) -> dict[str, dict[str, Any]]:
    keys = [k for k in after if before.get(k) != after.get(k) and k != "updated_at"]
    return {"before": {k: before.get(k) for k in keys}, "after": {k: after[k] for k in keys}}
