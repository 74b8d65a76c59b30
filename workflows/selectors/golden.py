"""The golden set: decided drafts as evaluation cases, one JSON object per line."""

from __future__ import annotations

from collections.abc import Iterator

from django.db.models import Prefetch

from reviewqueue.models import Decision, Draft
from workflows.models import Workflow
from workflows.selectors.metrics import Period


def decided_draft(workflow: Workflow, draft_id: object) -> Draft:
    """A draft of the workflow decided by people, with its source flags; Draft.DoesNotExist for
    one undecided, of another workflow, or none."""
    return (
        Draft.objects.filter(status__in=Draft.DECIDED_BY_A_PERSON)
        .prefetch_related("source_flags")  # its decisions: reviewqueue.web.changes
        .get(workflow=workflow, pk=draft_id)
    )


def golden_cases(
    workflow: Workflow, period: Period, verdicts: list[str], *, golden_only: bool = False
) -> Iterator[dict]:
    drafts = Draft.objects.filter(
        workflow=workflow,
        status__in=verdicts,
        decided_at__gte=period.start,
        decided_at__lt=period.end,
        purged_at__isnull=True,
    ).order_by("decided_at", "pk")
    if golden_only:
        drafts = drafts.filter(is_golden=True)
    finals = Prefetch(
        "decisions",
        queryset=Decision.objects.filter(is_final=True).select_related("error_category"),
        to_attr="finals",
    )
    # Chunks of 500 drafts, each with one prefetch query: memory stays flat, queries few.
    for draft in drafts.prefetch_related(finals).iterator(chunk_size=500):
        final = draft.finals[0] if draft.finals else None
        yield {
            "id": str(draft.pk),
            "external_id": draft.external_id,
            "input": {
                "title": draft.title,
                "metadata": draft.metadata,
                "consequence": draft.consequence,
            },
            "sources": draft.sources,
            "ai_draft": draft.content,
            "human_final": draft.current_content if draft.status != "rejected" else None,
            "verdict": draft.status,
            "error_category": final.error_category.slug if final and final.error_category else None,
            "comment": final.comment if final else "",
            "model": {
                "name": draft.model_name,
                "version": draft.model_version,
                "prompt_version": draft.prompt_version,
            },
            "golden": draft.is_golden,
            "decided_at": draft.decided_at.isoformat() if draft.decided_at else None,
        }
