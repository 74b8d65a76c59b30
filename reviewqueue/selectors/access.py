"""Read-side access: which queues a person may use, and fetching a draft for a caller.

A draft the caller may not see is answered exactly like a draft that does not exist
(`Draft.DoesNotExist`, which the API turns into 404), so ids cannot be probed.

Queue rights are guardian object permissions stored in the direct-foreign-key tables
(QueueUserObjectPermission, QueueGroupObjectPermission), read here directly: lists filter by
one subquery and a single check is one plain indexed query, so permission costs no more than
that on the hot paths (claim, decide, lists). Guardian itself grants and revokes. Global
(model-level) permissions are deliberately ignored: queue access is granted per queue.
Superusers (admins) see every queue. Whoever holds the auditor's `audit.read_audit_log` (and is
not an admin) reviews nothing, whatever queue rights they were given: those who check the log
must not be those who write decisions into it.
"""

from __future__ import annotations

from uuid import UUID

from django.contrib.auth.models import AbstractBaseUser
from django.db import connection
from django.db.models import Q, QuerySet

from reviewqueue.models import (
    Draft,
    Queue,
    QueueGroupObjectPermission,
    QueueUserObjectPermission,
)
from workflows.models import ProducerKey

VIEW = "reviewqueue.view_queue"
REVIEW = "reviewqueue.review_queue"


def queues_for(user: AbstractBaseUser, perm: str = VIEW) -> QuerySet[Queue]:
    """Queues on which the person holds `perm` by object permission (theirs or a role's)."""
    if not user.is_active:
        return Queue.objects.none()
    if user.is_superuser:
        return Queue.objects.all()
    codename = perm.split(".", 1)[-1]
    if codename == _REVIEW and _is_auditor(user.pk):
        return Queue.objects.none()
    direct = QueueUserObjectPermission.objects.filter(
        user_id=user.pk, permission__codename=codename
    ).values("content_object_id")
    via_role = QueueGroupObjectPermission.objects.filter(
        group__user=user.pk, permission__codename=codename
    ).values("content_object_id")
    return Queue.objects.filter(Q(pk__in=direct) | Q(pk__in=via_role))


def rights_on(user: AbstractBaseUser, queue_id: int) -> set[str]:
    """The queue permissions (codenames) the person holds on one queue: one indexed query."""
    if not user.is_active:
        return set()
    if user.is_superuser:
        return {VIEW.split(".")[1], REVIEW.split(".")[1]}
    with connection.cursor() as cursor:
        cursor.execute(_RIGHTS_SQL, [user.pk, queue_id, user.pk, queue_id, user.pk, user.pk])
        return {codename for (codename,) in cursor.fetchall()}


_REVIEW = REVIEW.split(".")[1]

# Whether the person holds audit.read_audit_log, directly or through a role.
_AUDITOR_SQL = """
    SELECT 1 FROM auth_user_user_permissions AS up
      JOIN auth_permission AS p ON p.id = up.permission_id
     WHERE up.user_id = %s AND p.codename = 'read_audit_log'
    UNION ALL
    SELECT 1 FROM auth_group_permissions AS gp
      JOIN auth_permission AS p ON p.id = gp.permission_id
      JOIN auth_user_groups AS m ON m.group_id = gp.group_id
     WHERE m.user_id = %s AND p.codename = 'read_audit_log'
"""

# One query on the hot paths (claim, decide): the person's rights on the queue, without review
# if they are an auditor.
_RIGHTS_SQL = f"""
    SELECT codename FROM (
        SELECT p.codename FROM {QueueUserObjectPermission._meta.db_table} AS o
          JOIN auth_permission AS p ON p.id = o.permission_id
         WHERE o.user_id = %s AND o.content_object_id = %s
        UNION
        SELECT p.codename FROM {QueueGroupObjectPermission._meta.db_table} AS o
          JOIN auth_permission AS p ON p.id = o.permission_id
          JOIN auth_user_groups AS m ON m.group_id = o.group_id
         WHERE m.user_id = %s AND o.content_object_id = %s
    ) AS rights
     WHERE codename <> '{_REVIEW}' OR NOT EXISTS ({_AUDITOR_SQL})
"""


def is_auditor(user: AbstractBaseUser) -> bool:
    """Whether the person holds the auditor's read_audit_log, directly or through a role."""
    return _is_auditor(user.pk)


def _is_auditor(user_id: int) -> bool:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT EXISTS ({_AUDITOR_SQL})", [user_id, user_id])
        return bool(cursor.fetchone()[0])


def may(user: AbstractBaseUser, perm: str, queue: Queue) -> bool:
    """Whether the person holds `perm` on this queue (always read fresh, never cached)."""
    return perm.split(".", 1)[-1] in rights_on(user, queue.pk)


def _drafts() -> QuerySet[Draft]:
    return Draft.objects.select_related(
        "queue", "workflow", "policy", "leased_by", "first_approver"
    )


def _with_decisions(drafts: QuerySet[Draft]) -> QuerySet[Draft]:
    return drafts.prefetch_related(
        "decisions__reviewer", "decisions__queue", "decisions__error_category"
    )


def draft_for_producer(key: ProducerKey, draft_id: UUID) -> Draft:
    return _with_decisions(_drafts()).get(pk=draft_id, workflow_id=key.workflow_id)


def draft_for_person(user: AbstractBaseUser, draft_id: UUID) -> Draft:
    return _with_decisions(_drafts()).get(pk=draft_id, queue__in=queues_for(user, VIEW))


def access_draft_for_review(user: AbstractBaseUser, draft_id: UUID) -> Draft:
    """A draft the person may view (else Draft.DoesNotExist, as if missing); NotAllowed if they
    may view but not review its queue."""
    from reviewqueue.services.errors import NotAllowed

    draft = Draft.objects.select_related("queue").get(pk=draft_id)
    rights = rights_on(user, draft.queue_id) if draft.queue_id else set()
    if "view_queue" not in rights:
        raise Draft.DoesNotExist
    if "review_queue" not in rights:
        raise NotAllowed("permission_denied", "You may view this queue but not review it.")
    return draft


def access_queue(user: AbstractBaseUser, slug: str, perm: str = REVIEW) -> Queue:
    """A queue the person may view (else Queue.DoesNotExist); NotAllowed without `perm`."""
    from reviewqueue.services.errors import NotAllowed

    queue = Queue.objects.select_related("workflow").get(slug=slug)
    rights = rights_on(user, queue.pk)
    if "view_queue" not in rights:
        raise Queue.DoesNotExist
    if perm.split(".", 1)[-1] not in rights:
        raise NotAllowed("permission_denied", "You may view this queue but not review it.")
    return queue


def drafts_visible_to(user: AbstractBaseUser) -> QuerySet[Draft]:
    return _drafts().filter(queue__in=queues_for(user, VIEW))
