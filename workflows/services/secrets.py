"""Rotating a workflow's callback signing secret."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from audit import events
from audit.actors import Actor
from audit.services import record
from workflows.models import Workflow
from workflows.models.core import new_callback_secret


def rotate_callback_secret(*, workflow: Workflow, actor: Actor) -> str:
    """A new secret (returned once); the old one keeps signing too for a day."""
    with transaction.atomic():
        # Locked so two rotations cannot both keep the same old secret as "previous".
        workflow = Workflow.objects.select_for_update(of=("self",), no_key=True).get(pk=workflow.pk)
        workflow.previous_callback_secret = workflow.callback_secret
        workflow.callback_secret = new_callback_secret()
        workflow.callback_secret_rotated_at = timezone.now()
        workflow.save(
            update_fields=[
                "previous_callback_secret",
                "callback_secret",
                "callback_secret_rotated_at",
                "updated_at",
            ]
        )
        # The secrets themselves stay out of the log.
        record(
            events.CALLBACK_SECRET_ROTATED,
            actor=actor,
            object_type="workflow",
            object_id=workflow.pk,
            workflow_slug=workflow.slug,
            data={"rotated_at": workflow.callback_secret_rotated_at.isoformat()},
        )
    return workflow.callback_secret
