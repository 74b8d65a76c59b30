"""Creating workflows and their error taxonomy."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from audit import events
from audit.actors import Actor
from audit.services import record
from workflows.models import ErrorCategory, Workflow


def create_workflow(
    *, slug: str, name: str, actor: Actor, error_categories: dict[str, str], **fields: Any
) -> Workflow:
    """A new workflow with its error categories ({slug: label}). Routing is set separately."""
    with transaction.atomic():
        workflow = Workflow.objects.create(slug=slug, name=name, **fields)
        ErrorCategory.objects.bulk_create(
            [
                ErrorCategory(workflow=workflow, slug=s, label=label)
                for s, label in error_categories.items()
            ]
        )
        record(
            events.WORKFLOW_CREATED,
            actor=actor,
            object_type="workflow",
            object_id=workflow.pk,
            workflow_slug=slug,
            data={
                "after": {
                    "name": name,
                    "error_categories": sorted(error_categories),
                    **{k: str(getattr(v, "pk", v)) for k, v in fields.items()},
                }
            },
        )
    return workflow
