from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import Q
from guardian.admin import GroupManage, GuardedModelAdmin, UserManage

from audit.actors import Actor
from audit.changes import changed, snapshot
from audit.services import record
from reviewqueue.admin_secrets import SecretShownOnceAdmin
from reviewqueue.models import (
    Decision,
    Draft,
    Lease,
    PersonalToken,
    Queue,
    QueueGroupObjectPermission,
    QueueUserObjectPermission,
)
from reviewqueue.services.permissions import without_effect
from reviewqueue.services.tokens import issue_token, revoke_token
from workflows.models import Workflow

admin.site.site_header = "ReviewQueue administration"
admin.site.site_title = "ReviewQueue admin"
admin.site.index_title = "Workflows, queues, people and their rights"
admin.site.site_url = "/"  # "View site" leads back to the reviewers' home


def save_audited(request, obj, object_type: str, save) -> None:
    """Run `save`, then log the object's change with before / after (inside the admin's
    transaction, so the entry commits with the edit or not at all)."""
    change = obj.pk is not None and type(obj).objects.filter(pk=obj.pk).exists()
    before = snapshot(type(obj).objects.get(pk=obj.pk)) if change else {}
    save()
    after = snapshot(obj)
    diff = changed(before, after) if change else {"after": after}
    if change and not diff["after"]:
        return
    record(
        f"{object_type}.{'changed' if change else 'created'}",
        actor=Actor.person(request.user),
        object_type=object_type,
        object_id=obj.pk,
        workflow_slug=getattr(getattr(obj, "workflow", None), "slug", "")
        or getattr(obj, "slug", ""),
        data={object_type: str(obj), **diff},  # by name: an auditor has no admin to look up ids
    )


def _only_if_sent(submit: str, args: tuple, kwargs: dict) -> tuple[tuple, dict]:
    """Guardian binds both of its page's forms to whichever was sent, so the other one showed
    "This field is required." too: each is bound only to its own submission."""
    data = args[0] if args else kwargs.get("data")
    if data is not None and submit not in data:
        return (), {k: v for k, v in kwargs.items() if k != "data"}
    return args, kwargs


class PersonSelectForm(UserManage):
    """Guardian's "which person" form, asking for a username in plain words."""

    def __init__(self, *args, **kwargs):
        args, kwargs = _only_if_sent("submit_manage_user", args, kwargs)
        super().__init__(*args, **kwargs)
        self.fields["user"].label = "Person"
        self.fields["user"].help_text = "Their username, e.g. adjuster."


class RoleSelectForm(GroupManage):
    """Guardian's "which group" form, in this product's word for it: a role."""

    def __init__(self, *args, **kwargs):
        args, kwargs = _only_if_sent("submit_manage_group", args, kwargs)
        super().__init__(*args, **kwargs)
        self.fields["group"].label = "Role"
        self.fields["group"].help_text = "The role's (group's) name, e.g. adjusters."


def offering_only(codenames: tuple[str, ...], form: type) -> type:
    """Guardian's permission form offering only the rights that mean something on one object
    (not "add queue" or "delete queue", which are rights over the whole table), and refusing
    grants that would be saved but have no effect."""

    def get_obj_perms_field_choices(self) -> list:
        return [(c, n) for c, n in form.get_obj_perms_field_choices(self) if c in codenames]

    def clean(self) -> dict:
        data = form.clean(self)
        chosen = set(data.get(self.get_obj_perms_field_name()) or [])
        holder = getattr(self, "user", None) or self.group
        problem = without_effect(holder=holder, obj=self.obj, rights=chosen)
        if problem:  # on the field: guardian's role page shows no form-wide errors
            self.add_error(self.get_obj_perms_field_name(), problem)
        return data

    return type(
        form.__name__,
        (form,),
        {"get_obj_perms_field_choices": get_obj_perms_field_choices, "clean": clean},
    )


class AtomicGuardedAdmin(GuardedModelAdmin):
    """Guardian's object-permission pages, each change in one transaction with its audit entry
    (written by reviewqueue/signals.py); edits of the object itself audited with before / after.
    Nothing is deleted here: drafts, decisions and audit entries hang off these objects.
    """

    audit_object_type = ""
    object_permissions: tuple[str, ...] = ()  # the rights granted per object on these pages

    def get_obj_perms_base_context(self, request, obj):
        context = super().get_obj_perms_base_context(request, obj)
        context["model_perms"] = [
            p for p in context["model_perms"] if p.codename in self.object_permissions
        ]
        return context

    def get_obj_perms_user_select_form(self, request):
        return PersonSelectForm

    def get_obj_perms_group_select_form(self, request):
        return RoleSelectForm

    def get_obj_perms_manage_user_form(self, request):
        return offering_only(
            self.object_permissions, super().get_obj_perms_manage_user_form(request)
        )

    def get_obj_perms_manage_group_form(self, request):
        return offering_only(
            self.object_permissions, super().get_obj_perms_manage_group_form(request)
        )

    def save_model(self, request, obj, form, change):
        save = super().save_model
        save_audited(request, obj, self.audit_object_type, lambda: save(request, obj, form, change))

    def has_delete_permission(self, request, obj=None):
        return False

    def obj_perms_manage_user_view(self, request, object_pk, user_id):
        with transaction.atomic():
            return super().obj_perms_manage_user_view(request, object_pk, user_id)

    def obj_perms_manage_group_view(self, request, object_pk, group_id):
        with transaction.atomic():
            return super().obj_perms_manage_group_view(request, object_pk, group_id)


@admin.register(Queue)
class QueueAdmin(AtomicGuardedAdmin):
    audit_object_type = "queue"
    object_permissions = ("view_queue", "review_queue")
    list_display = ["slug", "workflow", "sla", "lease_duration", "approvals_required"]
    list_filter = ["workflow"]

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        field = form.base_fields.get("escalation_queue")
        if obj is not None and field is not None:
            # Only queues a draft of this workflow may move to; the model refuses the others
            # (Queue.clean), so offering them would only lead to an error.
            field.queryset = Queue.objects.filter(workflow=obj.workflow).exclude(pk=obj.pk)
        return form


@admin.register(Draft)
class DraftAdmin(admin.ModelAdmin):
    list_display = ["external_id", "workflow", "status", "queue", "consequence", "received_at"]
    list_filter = ["status", "consequence", "workflow"]
    search_fields = ["external_id", "title"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False  # a draft, its decisions and leases are the record; retention purges text


def _people_who_decide_nothing():
    """Active people with no review right on any queue (auditors, owners). A token for someone
    who decides would let whoever holds it decide as them, a second approval included: those
    are issued by an operator (`manage.py issue_token`), not with a click here."""
    reviewers = Q(
        pk__in=QueueUserObjectPermission.objects.filter(permission__codename="review_queue").values(
            "user_id"
        )
    ) | Q(
        groups__in=QueueGroupObjectPermission.objects.filter(
            permission__codename="review_queue"
        ).values("group_id")
    )
    return (
        User.objects.filter(is_active=True, is_superuser=False)
        .exclude(reviewers)
        .distinct()
        .order_by("username")
    )


class NewPersonalTokenForm(forms.Form):
    user = forms.ModelChoiceField(
        label="Person",
        queryset=User.objects.none(),
        to_field_name="username",
        help_text="They call the API with it, with their own rights. Only people who review "
        "no queue are offered: tokens for reviewers are issued with manage.py issue_token.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = _people_who_decide_nothing()


@admin.register(PersonalToken)
class PersonalTokenAdmin(SecretShownOnceAdmin):
    """Tokens are issued here or with `manage.py issue_token`, the secret shown once; they are
    listed and revoked, never edited or deleted."""

    add_form = NewPersonalTokenForm
    add_intro = "A personal API token acts as its person, with exactly their rights."
    secret_use = "It is sent as Authorization: Bearer <secret>."

    def create(self, data: dict, actor: Actor) -> tuple[PersonalToken, str]:
        return issue_token(user=data["user"], actor=actor)

    list_display = ["prefix", "user", "created_at", "last_used_at", "revoked_at"]
    list_filter = ["revoked_at"]
    search_fields = ["prefix", "user__username"]
    readonly_fields = ["user", "prefix", "created_at", "last_used_at", "revoked_at"]
    exclude = ["key_hash"]
    actions = ["revoke"]

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description="Revoke selected tokens")
    def revoke(self, request, queryset):
        for token in queryset:
            revoke_token(token=token, actor=Actor.person(request.user))


admin.site.unregister(User)


@admin.register(User)
class PersonAdmin(UserAdmin):
    """Django's user admin, saying plainly why an account cannot be deleted."""

    def get_deleted_objects(self, objs, request):
        deleted, counts, perms_needed, protected = super().get_deleted_objects(objs, request)
        # Django also names what is protected as "no permission to delete" (and the personal
        # tokens, which go with their person): the real reasons are the protected objects,
        # said once per kind rather than one line per lease or decision.
        perms_needed = perms_needed - {PersonalToken._meta.verbose_name}
        if not protected:
            return deleted, counts, perms_needed, protected
        return deleted, counts, set(), _why_kept(objs)


def _why_kept(people) -> list[str]:
    reasons = [
        f"{workflow.slug}: they are its {role} owner; name another owner on the workflow first"
        for role in ("business", "technical")
        for workflow in Workflow.objects.filter(**{f"{role}_owner__in": people})
    ]
    record = [
        (Decision.objects.filter(reviewer__in=people).count(), "decision(s) they made"),
        (Lease.objects.filter(holder__in=people).count(), "lease(s) they held"),
    ]
    kept = [f"{count} {what}" for count, what in record if count]
    if kept:
        reasons.append(
            f"{' and '.join(kept)}, which the record keeps: untick “Active” on their account "
            "instead to end their access"
        )
    return reasons or ["records that name them, which the record keeps"]
