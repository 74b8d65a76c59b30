"""The sources reviewers flagged in a workflow's drafts, most flagged first."""

from __future__ import annotations

from django.db.models import Count, Q

from reviewqueue.models import SourceFlag
from workflows.models import Workflow


def source_report(workflow: Workflow, limit: int | None = None) -> list[dict]:
    rows = (
        SourceFlag.objects.filter(draft__workflow=workflow)
        .values("source_id")
        .annotate(
            stale=Count("pk", filter=Q(reason="stale")),
            wrong=Count("pk", filter=Q(reason="wrong")),
            total=Count("pk"),
        )
        .order_by("-total", "source_id")
    )
    if limit is not None:
        rows = rows[:limit]
    return [{"source_id": r["source_id"], "stale": r["stale"], "wrong": r["wrong"]} for r in rows]
