"""Permission and role changes, however they are made (services, guardian's admin pages, the
user admin), are audited, and a lost review permission ends the holder's live leases at once."""

from __future__ import annotations

from django.contrib.auth.models import Group, Permission, User
from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete, pre_save

from audit import events
from audit.actors import Actor
from audit.context import current_actor
from audit.services import record
from reviewqueue.models import QueueGroupObjectPermission, QueueUserObjectPermission
from reviewqueue.services.leases import end_leases_without_permission
from workflows.models import WorkflowGroupObjectPermission, WorkflowUserObjectPermission

PERMISSION_MODELS = [
    QueueUserObjectPermission,
    QueueGroupObjectPermission,
    WorkflowUserObjectPermission,
    WorkflowGroupObjectPermission,
]


def _actor() -> Actor:
    return current_actor.get() or Actor.system("unattributed")


def _holder(row) -> dict[str, str]:
    if hasattr(row, "group_id") and row.group_id:
        return {"group": row.group.name}
    return {"user": row.user.get_username()}


def _affected_user_ids(row) -> list[int]:
    if getattr(row, "group_id", None):
        return list(row.group.user_set.values_list("pk", flat=True))
    return [row.user_id]


def _permission_changed(action: str, row) -> None:
    obj = row.content_object
    workflow = getattr(obj, "workflow", None) or obj
    # Nested in the change's transaction when there is one (services, our admin pages).
    with transaction.atomic():
        record(
            action,
            actor=_actor(),
            object_type=obj._meta.model_name,
            object_id=obj.pk,
            workflow_slug=workflow.slug,
            # By name too: an auditor reading the log has no admin to look the id up in.
            data={
                obj._meta.model_name: str(obj),
                "permission": row.permission.codename,
                **_holder(row),
            },
        )
        if action == events.PERMISSION_REVOKED and obj._meta.model_name == "queue":
            end_leases_without_permission(
                user_ids=_affected_user_ids(row), queue_ids=[obj.pk], actor=_actor()
            )


def _on_grant(sender, instance, created, **kwargs):
    if created:
        _permission_changed(events.PERMISSION_GRANTED, instance)


def _on_revoke(sender, instance, **kwargs):
    _permission_changed(events.PERMISSION_REVOKED, instance)


def _on_membership(sender, instance, action, reverse, model, pk_set, **kwargs):
    if action == "pre_clear":
        # post_clear carries no pk_set: remember who is being removed.
        related = instance.user_set.all() if reverse else instance.groups.all()
        instance._rq_cleared = {r.pk for r in related}
        return
    if action == "post_clear":
        action, pk_set = "post_remove", getattr(instance, "_rq_cleared", set())
    if action not in ("post_add", "post_remove") or not pk_set:
        return
    if reverse:  # group.user_set changed
        pairs = [(user, instance) for user in User.objects.filter(pk__in=pk_set)]
    else:  # user.groups changed
        pairs = [(instance, group) for group in Group.objects.filter(pk__in=pk_set)]
    name = events.GROUP_MEMBER_ADDED if action == "post_add" else events.GROUP_MEMBER_REMOVED
    with transaction.atomic():
        for user, group in pairs:
            record(
                name,
                actor=_actor(),
                object_type="group",
                object_id=group.pk,
                data={"group": group.name, "user": user.get_username()},
            )
        if name == events.GROUP_MEMBER_REMOVED:
            end_leases_without_permission(user_ids=[u.pk for u, _ in pairs], actor=_actor())


def _on_global_permissions(sender, instance, action, reverse, model, pk_set, **kwargs):
    """Model-wide permissions (the auditor's read_audit_log, say) given to a person or a role."""
    if action == "pre_clear":
        if reverse:
            related = instance.user_set.all() if model is User else instance.group_set.all()
        else:
            related = (
                instance.user_permissions.all()
                if isinstance(instance, User)
                else instance.permissions.all()
            )
        instance._rq_cleared = {r.pk for r in related}
        return
    if action == "post_clear":
        action, pk_set = "post_remove", getattr(instance, "_rq_cleared", set())
    if action not in ("post_add", "post_remove") or not pk_set:
        return
    if reverse:  # permission.user_set / group_set changed
        holders = list(model.objects.filter(pk__in=pk_set))
        pairs = [(holder, instance) for holder in holders]
    else:
        pairs = [(instance, perm) for perm in Permission.objects.filter(pk__in=pk_set)]
    name = events.PERMISSION_GRANTED if action == "post_add" else events.PERMISSION_REVOKED
    with transaction.atomic():
        for holder, perm in pairs:
            who = (
                {"group": holder.name}
                if isinstance(holder, Group)
                else {"user": holder.get_username()}
            )
            record(
                name,
                actor=_actor(),
                object_type="permission",
                object_id=f"{perm.content_type.app_label}.{perm.codename}",
                data={"permission": perm.codename, "scope": "global", **who},
            )
        # Holding the audit role takes review rights away (reviewqueue/selectors/access.py).
        users = {h.pk for h, _ in pairs if isinstance(h, User)}
        for group in {h for h, _ in pairs if isinstance(h, Group)}:
            users.update(group.user_set.values_list("pk", flat=True))
        end_leases_without_permission(user_ids=list(users), actor=_actor())


_ACCOUNT_FIELDS = ("is_active", "is_staff", "is_superuser")


def _before_user_saved(sender, instance, update_fields=None, **kwargs):
    instance._rq_before = None
    if update_fields is not None and not set(update_fields) & set(_ACCOUNT_FIELDS):
        return  # e.g. last_login at each sign-in
    if instance.pk:
        instance._rq_before = (
            User.objects.filter(pk=instance.pk).values(*_ACCOUNT_FIELDS).first() or {}
        )


def _record_account(action: str, user: User, **data) -> None:
    record(
        action,
        actor=_actor(),
        object_type="user",
        object_id=user.pk,
        data={"user": user.get_username(), **data},
    )


def _on_user_saved(sender, instance, created, **kwargs):
    after = {field: getattr(instance, field) for field in _ACCOUNT_FIELDS}
    if created:
        with transaction.atomic():
            _record_account(events.USER_CREATED, instance, after=after)
        return
    before = getattr(instance, "_rq_before", None)
    if not before:
        return
    keys = [k for k in _ACCOUNT_FIELDS if before.get(k) != after[k]]
    if not keys:
        return
    with transaction.atomic():
        _record_account(
            events.USER_CHANGED,
            instance,
            before={k: before[k] for k in keys},
            after={k: after[k] for k in keys},
        )
        # Deactivated, or no longer a superuser: live leases they may no longer hold end now.
        end_leases_without_permission(user_ids=[instance.pk], actor=_actor())


def _before_user_deleted(sender, instance, **kwargs):
    # Their role memberships go without an m2m signal; their object permissions are deleted
    # row by row after this (each a permission.revoked entry through _on_revoke).
    groups = sorted(instance.groups.values_list("name", flat=True))
    with transaction.atomic():
        for name in groups:
            record(
                events.GROUP_MEMBER_REMOVED,
                actor=_actor(),
                object_type="group",
                object_id=Group.objects.get(name=name).pk,
                data={"group": name, "user": instance.get_username(), "user_deleted": True},
            )
        _record_account(
            events.USER_DELETED,
            instance,
            before={
                "roles": groups,
                # Their API tokens go with them (deleted, so no longer accepted): named here.
                "personal_tokens": sorted(instance.api_tokens.values_list("prefix", flat=True)),
                **{field: getattr(instance, field) for field in _ACCOUNT_FIELDS},
            },
        )


def _before_group_deleted(sender, instance, **kwargs):
    # Deleting a role removes its members without an m2m signal: record them and end leases.
    instance._rq_members = list(instance.user_set.all())


def _on_group_deleted(sender, instance, **kwargs):
    members = getattr(instance, "_rq_members", [])
    with transaction.atomic():
        for user in members:
            record(
                events.GROUP_MEMBER_REMOVED,
                actor=_actor(),
                object_type="group",
                object_id=instance.pk,
                data={"group": instance.name, "user": user.get_username(), "group_deleted": True},
            )
        end_leases_without_permission(user_ids=[u.pk for u in members], actor=_actor())


def connect() -> None:
    for model in PERMISSION_MODELS:
        post_save.connect(_on_grant, sender=model, dispatch_uid=f"audit-grant-{model.__name__}")
        post_delete.connect(_on_revoke, sender=model, dispatch_uid=f"audit-revoke-{model.__name__}")
    m2m_changed.connect(_on_membership, sender=User.groups.through, dispatch_uid="audit-roles")
    for through, uid in (
        (User.user_permissions.through, "audit-user-global-perms"),
        (Group.permissions.through, "audit-group-global-perms"),
    ):
        m2m_changed.connect(_on_global_permissions, sender=through, dispatch_uid=uid)
    pre_save.connect(_before_user_saved, sender=User, dispatch_uid="audit-user-before")
    post_save.connect(_on_user_saved, sender=User, dispatch_uid="audit-user-saved")
    pre_delete.connect(_before_user_deleted, sender=User, dispatch_uid="audit-user-deleted")
    pre_delete.connect(_before_group_deleted, sender=Group, dispatch_uid="audit-group-members")
    post_delete.connect(_on_group_deleted, sender=Group, dispatch_uid="audit-group-deleted")
