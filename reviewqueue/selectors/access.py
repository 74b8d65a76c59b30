"""Read-side access: which queues a person may use, and fetching a draft for a caller.

A draft the caller may not see is answered exactly like a draft that does not exist
(`Draft.DoesNotExist`, which the API turns into 404), so ids cannot be probed.
"""

from __future__ import annotations

from uuid import UUID

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import QuerySet
from guardian.shortcuts import get_objects_for_user

from reviewqueue.models import Draft, Queue
from workflows.models import ProducerKey

VIEW = "reviewqueue.view_queue"
REVIEW = "reviewqueue.review_queue"


def queues_for(user: AbstractBaseUser, perm: str = VIEW) -> QuerySet[Queue]:
    """Queues on which the person holds `perm` by object permission (theirs or a role's).

    Global (model-level) permissions are deliberately ignored: queue access is granted per queue.
    Superusers (admins) see every queue.
    """
    return get_objects_for_user(
        user, perm, klass=Queue, accept_global_perms=False, with_superuser=True
    )


def _drafts() -> QuerySet[Draft]:
    return Draft.objects.select_related("queue", "workflow", "policy")


def draft_for_producer(key: ProducerKey, draft_id: UUID) -> Draft:
    return _drafts().get(pk=draft_id, workflow_id=key.workflow_id)


def draft_for_person(user: AbstractBaseUser, draft_id: UUID) -> Draft:
    return _drafts().get(pk=draft_id, queue__in=queues_for(user, VIEW))
