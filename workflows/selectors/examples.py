"""Example drafts behind a workflow's figures: where an owner clicks to see what went wrong."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from reviewqueue.models import Decision
from workflows.models import Workflow


def category_examples(
    workflow: Workflow, start: datetime, end: datetime, categories: list[str], per: int = 3
) -> dict[str, list[UUID]]:
    """The latest drafts decided with each error category in [start, end)."""
    return {
        slug: list(
            Decision.objects.filter(
                workflow=workflow,
                is_final=True,
                error_category__slug=slug,
                decided_at__gte=start,
                decided_at__lt=end,
            )
            .order_by("-decided_at")
            .values_list("draft_id", flat=True)[:per]
        )
        for slug in categories
    }
