"""Granting and revoking object permissions on queues and workflows.

The audit entries (and the end of leases a revocation takes away) come from the signal handlers
in reviewqueue/signals.py, so a change made through guardian's admin pages is recorded exactly
like one made here.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.contrib.auth.models import Group, User
from django.db import models, transaction
from guardian.shortcuts import assign_perm, get_group_perms, get_user_perms, remove_perm

from audit.actors import Actor
from audit.context import current_actor
from reviewqueue.services.errors import Invalid


@contextmanager
def acting_as(actor: Actor) -> Iterator[None]:
    token = current_actor.set(actor)
    try:
        yield
    finally:
        current_actor.reset(token)


def grant_permission(*, perm: str, holder: User | Group, obj: models.Model, actor: Actor) -> None:
    """Give `holder` (a person or a role) `perm` (e.g. "review_queue") on `obj`. Raises Invalid
    for a right that would be stored but change nothing (see without_effect)."""
    held = get_user_perms(holder, obj) if isinstance(holder, User) else get_group_perms(holder, obj)
    problem = without_effect(holder=holder, obj=obj, rights={perm, *held})
    if problem:
        raise Invalid("no_effect", problem, {"perm": "no_effect"})
    with acting_as(actor), transaction.atomic():
        assign_perm(perm, holder, obj)


def without_effect(*, holder: User | Group, obj: models.Model, rights: set[str]) -> str:
    """Why `holder` holding `rights` (codenames) on `obj` would change nothing, or "": review on
    a queue for an auditor or the auditors' role (auditors decide nothing), or without view
    (a person may view through one of their roles)."""
    from reviewqueue.models import Queue, QueueGroupObjectPermission
    from reviewqueue.selectors.access import is_auditor

    if not isinstance(obj, Queue) or "review_queue" not in rights:
        return ""
    if isinstance(holder, User):
        auditor = is_auditor(holder)
        views = (
            "view_queue" in rights
            or QueueGroupObjectPermission.objects.filter(
                group__user=holder, content_object=obj, permission__codename="view_queue"
            ).exists()
        )
    else:
        auditor = holder.permissions.filter(codename="read_audit_log").exists()
        views = "view_queue" in rights
    if auditor:
        return (
            "Auditors decide nothing, so a review right would have no effect for them; "
            "grant view only."
        )
    if not views:
        return "Reviewing a queue needs viewing it too: tick “view” as well."
    return ""


def revoke_permission(*, perm: str, holder: User | Group, obj: models.Model, actor: Actor) -> None:
    """Take `perm` away; live leases it was needed for end at once."""
    with acting_as(actor), transaction.atomic():
        remove_perm(perm, holder, obj)


def add_to_role(*, user: User, group: Group, actor: Actor) -> None:
    with acting_as(actor), transaction.atomic():
        user.groups.add(group)


def remove_from_role(*, user: User, group: Group, actor: Actor) -> None:
    with acting_as(actor), transaction.atomic():
        user.groups.remove(group)
