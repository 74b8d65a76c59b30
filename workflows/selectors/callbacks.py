"""Reading a workflow's callbacks: the dashboard's latest, the API's list, one by id."""

from __future__ import annotations

from django.db.models import QuerySet

from workflows.models import CallbackDelivery, Workflow


def callbacks_of(
    workflow: Workflow, statuses: list[str] | None = None
) -> QuerySet[CallbackDelivery]:
    """The workflow's callbacks (in any of `statuses`), newest first, each with its attempts."""
    callbacks = (
        CallbackDelivery.objects.filter(workflow=workflow)
        .select_related("draft")
        .prefetch_related("tries")
        .order_by("-created_at")
    )
    return callbacks.filter(status__in=statuses) if statuses else callbacks


def callback_of(workflow: Workflow, delivery_id: str) -> CallbackDelivery:
    """One callback of the workflow; CallbackDelivery.DoesNotExist for another's or none."""
    return CallbackDelivery.objects.get(workflow=workflow, pk=delivery_id)
