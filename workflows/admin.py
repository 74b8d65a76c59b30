from django.contrib import admin
from django.db import models, transaction

from audit.actors import Actor
from reviewqueue.admin import AtomicGuardedAdmin, save_audited
from reviewqueue.models import Queue
from workflows.models import ErrorCategory, ProducerKey, Workflow
from workflows.services.keys import revoke_producer_key
from workflows.services.workflows import keep_roi_history


class ErrorCategoryInline(admin.TabularInline):
    """Categories are switched off (`is_active`), never deleted: decisions cite them."""

    model = ErrorCategory
    extra = 0
    can_delete = False


@admin.register(Workflow)
class WorkflowAdmin(AtomicGuardedAdmin):
    audit_object_type = "workflow"
    # The one right checked per workflow (the dashboard and metrics); editing is the admin's.
    object_permissions = ("view_workflow_metrics",)
    list_display = ["slug", "name", "output_kind", "rollout_stage", "is_paused"]
    # Auto-approval is earned, not ticked: owners switch it on through the dashboard or the API.
    readonly_fields = ["current_policy", "callback_secret_rotated_at", "auto_approve_low"]
    # The signing secret is never shown or typed here: `manage.py rotate_callback_secret`
    # prints a new one once.
    exclude = ["callback_secret", "previous_callback_secret"]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    inlines = [ErrorCategoryInline]

    def get_readonly_fields(self, request, obj=None):
        # The audit log, metrics and producers' keys know a workflow by its slug: renaming it
        # would split its history in two.
        fields = list(super().get_readonly_fields(request, obj))
        return [*fields, "slug"] if obj is not None else fields

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        field = form.base_fields.get("qa_queue")
        if field is not None:
            # This workflow's queues only (Workflow.clean refuses others); none before it exists.
            field.queryset = Queue.objects.filter(workflow=obj) if obj else Queue.objects.none()
        return form

    def save_model(self, request, obj, form, change):
        with transaction.atomic():  # the change and its place in the ROI history together
            super().save_model(request, obj, form, change)
            keep_roi_history(obj)

    def save_formset(self, request, form, formset, change):
        if formset.model is not ErrorCategory:
            return super().save_formset(request, form, formset, change)
        for category in formset.save(commit=False):
            save_audited(request, category, "error_category", category.save)
        formset.save_m2m()


@admin.register(ProducerKey)
class ProducerKeyAdmin(admin.ModelAdmin):
    """Keys are created with `manage.py create_producer_key` so the secret is shown once."""

    list_display = ["prefix", "workflow", "name", "created_at", "last_used_at", "revoked_at"]
    readonly_fields = ["workflow", "prefix", "created_at", "last_used_at", "revoked_at"]
    exclude = ["key_hash"]

    actions = ["revoke"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False  # revoke instead: the drafts a key sent keep naming it

    @admin.action(description="Revoke selected keys")
    def revoke(self, request, queryset):
        for key in queryset.select_related("workflow"):
            revoke_producer_key(key=key, actor=Actor.person(request.user))
