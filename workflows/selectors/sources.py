"""The sources reviewers flagged in a workflow's drafts, most flagged first."""

from __future__ import annotations

from datetime import datetime

from django.db.models import Count, Max, OuterRef, Q, Subquery

from reviewqueue.models import SourceFlag
from workflows.models import Workflow


def source_report(
    workflow: Workflow,
    *,
    start: datetime | None = None,
    end: datetime | None = None,
    limit: int | None = None,
) -> list[dict]:
    """Flag counts per source (flags made in [start, end) when given), with what the owner
    needs to act on one: its title and link as the latest flagged draft cited it, the latest
    reviewer's note and that draft."""
    flags = SourceFlag.objects.filter(draft__workflow=workflow)
    if start is not None:
        flags = flags.filter(created_at__gte=start)
    if end is not None:
        flags = flags.filter(created_at__lt=end)
    latest = flags.filter(source_id=OuterRef("source_id")).order_by("-created_at", "-pk")
    rows = (
        flags.values("source_id")
        .annotate(
            stale=Count("pk", filter=Q(reason="stale")),
            wrong=Count("pk", filter=Q(reason="wrong")),
            total=Count("pk"),
            last_flagged_at=Max("created_at"),
            latest_id=Subquery(latest.values("pk")[:1]),
        )
        .order_by("-total", "source_id")
    )
    if limit is not None:
        rows = rows[:limit]
    rows = list(rows)
    latest_flags = SourceFlag.objects.select_related("draft").in_bulk(
        [r["latest_id"] for r in rows]
    )
    report = []
    for r in rows:
        flag = latest_flags[r["latest_id"]]
        cited = next((s for s in flag.draft.sources if str(s.get("id")) == r["source_id"]), {})
        report.append(
            {
                "source_id": r["source_id"],
                "title": cited.get("title", ""),
                "uri": cited.get("uri", ""),
                "stale": r["stale"],
                "wrong": r["wrong"],
                "last_flagged_at": r["last_flagged_at"].isoformat(),
                "latest_comment": flag.comment,
                "latest_draft_id": str(flag.draft_id),
            }
        )
    return report
