"""Producer API keys: created (secret shown once), revoked."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from audit import events
from audit.actors import Actor
from audit.services import record
from reviewqueue.secrets import new_secret
from workflows.models import ProducerKey, Workflow


def create_producer_key(
    *, workflow: Workflow, actor: Actor, name: str = "", max_consequence: str = ""
) -> tuple[ProducerKey, str]:
    """A new key for the workflow, and its secret (not stored: it cannot be shown again)."""
    made = new_secret("rqp")
    with transaction.atomic():
        key = ProducerKey.objects.create(
            workflow=workflow,
            name=name,
            prefix=made.prefix,
            key_hash=made.hash,
            max_consequence=max_consequence,
        )
        record(
            events.PRODUCER_KEY_CREATED,
            actor=actor,
            object_type="producer_key",
            object_id=key.pk,
            workflow_slug=workflow.slug,
            data={
                "after": {"prefix": key.prefix, "name": name, "max_consequence": max_consequence}
            },
        )
    return key, made.secret


def revoke_producer_key(*, key: ProducerKey, actor: Actor) -> ProducerKey:
    with transaction.atomic():
        # Lock so two revocations record one event with the true "before".
        key = (
            ProducerKey.objects.select_for_update(of=("self",), no_key=True)
            .select_related("workflow")
            .get(pk=key.pk)
        )
        if key.revoked_at is None:
            key.revoked_at = timezone.now()
            key.save(update_fields=["revoked_at"])
            record(
                events.PRODUCER_KEY_REVOKED,
                actor=actor,
                object_type="producer_key",
                object_id=key.pk,
                workflow_slug=key.workflow.slug,
                data={"after": {"prefix": key.prefix, "revoked_at": key.revoked_at.isoformat()}},
            )
    return key
