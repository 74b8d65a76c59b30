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
    return Draft.objects.select_related("queue", "workflow", "policy", "leased_by")


def _with_decisions(drafts: QuerySet[Draft]) -> QuerySet[Draft]:
    return drafts.prefetch_related(
        "decisions__reviewer", "decisions__queue", "decisions__error_category"
    )


def draft_for_producer(key: ProducerKey, draft_id: UUID) -> Draft:
    return _with_decisions(_drafts()).get(pk=draft_id, workflow_id=key.workflow_id)


def draft_for_person(user: AbstractBaseUser, draft_id: UUID) -> Draft:
    return _with_decisions(_drafts()).get(pk=draft_id, queue__in=queues_for(user, VIEW))


def may(user: AbstractBaseUser, perm: str, queue: Queue) -> bool:
    """Whether the person holds `perm` on this queue (object permission, or superuser)."""
    return bool(user.is_active and user.has_perm(perm, queue))


def access_draft_for_review(user: AbstractBaseUser, draft_id: UUID) -> Draft:
    """A draft the person may view (else Draft.DoesNotExist, as if missing); NotAllowed if they
    may view but not review its queue."""
    from reviewqueue.services.errors import NotAllowed

    draft = draft_for_person(user, draft_id)
    if not may(user, REVIEW, draft.queue):
        raise NotAllowed("permission_denied", "You may view this queue but not review it.")
    return draft


def access_queue(user: AbstractBaseUser, slug: str, perm: str = REVIEW) -> Queue:
    """A queue the person may view (else Queue.DoesNotExist); NotAllowed without `perm`."""
    from reviewqueue.services.errors import NotAllowed

    queue = queues_for(user, VIEW).select_related("workflow").get(slug=slug)
    if perm != VIEW and not may(user, perm, queue):
        raise NotAllowed("permission_denied", "You may view this queue but not review it.")
    return queue


def drafts_visible_to(user: AbstractBaseUser) -> QuerySet[Draft]:
    return _drafts().filter(queue__in=queues_for(user, VIEW))
