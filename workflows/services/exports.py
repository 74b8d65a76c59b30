"""Downloads of a workflow's drafts that leave the system: each one is an audit event."""

from __future__ import annotations

from django.db import transaction

from audit import events
from audit.actors import Actor
from audit.services import record
from workflows.models import Workflow


def golden_set_downloaded(
    *, workflow: Workflow, actor: Actor, filters: dict[str, list[str]]
) -> None:
    """Recorded before the first line leaves: a download cut short is still on the log."""
    with transaction.atomic():
        record(
            events.GOLDEN_SET_EXPORTED,
            actor=actor,
            object_type="workflow",
            object_id=workflow.pk,
            workflow_slug=workflow.slug,
            data={"filters": filters},
        )
