"""Granting and revoking object permissions on queues and workflows, always audited."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser, Group
from django.db import models, transaction
from guardian.shortcuts import assign_perm, remove_perm

from audit import events
from audit.actors import Actor
from audit.services import record


def _holder(holder: AbstractBaseUser | Group) -> dict[str, str]:
    if isinstance(holder, Group):
        return {"group": holder.name}
    return {"user": holder.get_username()}


def _workflow_slug(obj: models.Model) -> str:
    workflow = getattr(obj, "workflow", None)
    return getattr(workflow, "slug", "") or getattr(obj, "slug", "")


def grant_permission(
    *, perm: str, holder: AbstractBaseUser | Group, obj: models.Model, actor: Actor
) -> None:
    """Give `holder` (a person or a role) `perm` (e.g. "review_queue") on `obj`."""
    with transaction.atomic():
        assign_perm(perm, holder, obj)
        record(
            events.PERMISSION_GRANTED,
            actor=actor,
            object_type=obj._meta.model_name,
            object_id=obj.pk,
            workflow_slug=_workflow_slug(obj),
            data={"permission": perm, **_holder(holder)},
        )


def revoke_permission(
    *, perm: str, holder: AbstractBaseUser | Group, obj: models.Model, actor: Actor
) -> None:
    with transaction.atomic():
        remove_perm(perm, holder, obj)
        record(
            events.PERMISSION_REVOKED,
            actor=actor,
            object_type=obj._meta.model_name,
            object_id=obj.pk,
            workflow_slug=_workflow_slug(obj),
            data={"permission": perm, **_holder(holder)},
        )
