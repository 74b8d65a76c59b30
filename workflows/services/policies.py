"""Workflow routing policies: validated, versioned, audited."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from audit import events
from audit.actors import Actor
from audit.services import record
from workflows.models import PolicyVersion, Workflow
from workflows.routing import Policy, PolicyError


def check_policy(workflow: Workflow, document: Any, *, version: int = 0) -> Policy:
    """The document as a policy of this workflow: PolicyError if it is not one, or names a queue
    the workflow does not have (the message lists the ones it has)."""
    from reviewqueue.models import Queue  # queues live in the review app, which imports this one

    policy = Policy.from_document(document, version=version)
    known = set(Queue.objects.filter(workflow=workflow).values_list("slug", flat=True))
    missing = sorted(policy.queue_slugs() - known)
    if missing:
        raise PolicyError(
            f"no such queue in this workflow: {', '.join(missing)}. Its queues: "
            f"{', '.join(sorted(known)) or 'none yet (add them under Queues)'}."
        )
    return policy


def set_routing_policy(
    *, workflow: Workflow, document: dict[str, Any], actor: Actor
) -> PolicyVersion:
    """Make `document` the workflow's routing policy, as a new version. Raises PolicyError."""
    with transaction.atomic():
        # Lock the workflow so two concurrent changes cannot both take the same version number.
        workflow = Workflow.objects.select_for_update(of=("self",), no_key=True).get(pk=workflow.pk)
        previous = workflow.current_policy
        version = (previous.version + 1) if previous else 1
        check_policy(workflow, document, version=version)
        created = PolicyVersion.objects.create(workflow=workflow, version=version, policy=document)
        workflow.current_policy = created
        workflow.save(update_fields=["current_policy", "updated_at"])
        record(
            events.WORKFLOW_CHANGED,
            actor=actor,
            object_type="workflow",
            object_id=workflow.pk,
            workflow_slug=workflow.slug,
            data={
                "field": "routing_policy",
                "before": previous.policy if previous else None,
                "after": document,
                "version": version,
            },
        )
    return created
