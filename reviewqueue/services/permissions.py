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
from guardian.shortcuts import assign_perm, remove_perm

from audit.actors import Actor
from audit.context import current_actor


@contextmanager
def acting_as(actor: Actor) -> Iterator[None]:
    token = current_actor.set(actor)
    try:
        yield
    finally:
        current_actor.reset(token)


def grant_permission(*, perm: str, holder: User | Group, obj: models.Model, actor: Actor) -> None:
    """Give `holder` (a person or a role) `perm` (e.g. "review_queue") on `obj`."""
    with acting_as(actor), transaction.atomic():
        assign_perm(perm, holder, obj)


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
