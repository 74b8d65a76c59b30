"""Creating workflows and their error taxonomy; the history of their ROI inputs."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from audit import events
from audit.actors import Actor
from audit.services import record
from workflows.models import ErrorCategory, RoiInputs, Workflow
from workflows.models.core import ROI_INPUTS


def create_workflow(
    *, slug: str, name: str, actor: Actor, error_categories: dict[str, str], **fields: Any
) -> Workflow:
    """A new workflow with its error categories ({slug: label}). Routing is set separately."""
    with transaction.atomic():
        workflow = Workflow.objects.create(slug=slug, name=name, **fields)
        keep_roi_history(workflow)
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


def keep_roi_history(workflow: Workflow) -> RoiInputs | None:
    """Add the workflow's ROI inputs to their history if they changed (inside the caller's
    transaction, with the change itself): earlier days stay valued at the inputs of their time.
    Called wherever the inputs are set: creating a workflow, saving it in the admin."""
    now = {name: getattr(workflow, name) for name in ROI_INPUTS}
    last = workflow.roi_history.order_by("since", "id").last()
    if last is not None and all(getattr(last, name) == value for name, value in now.items()):
        return None
    return RoiInputs.objects.create(workflow=workflow, since=timezone.now(), **now)
