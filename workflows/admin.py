from django.contrib import admin

from reviewqueue.admin import AtomicGuardedAdmin
from workflows.models import ErrorCategory, ProducerKey, Workflow


class ErrorCategoryInline(admin.TabularInline):
    model = ErrorCategory
    extra = 0


@admin.register(Workflow)
class WorkflowAdmin(AtomicGuardedAdmin):
    list_display = ["slug", "name", "output_kind", "rollout_stage", "is_paused"]
    readonly_fields = ["current_policy"]
    inlines = [ErrorCategoryInline]


@admin.register(ProducerKey)
class ProducerKeyAdmin(admin.ModelAdmin):
    """Keys are created with `manage.py create_producer_key` so the secret is shown once."""

    list_display = ["prefix", "workflow", "name", "created_at", "last_used_at", "revoked_at"]
    readonly_fields = ["workflow", "prefix", "created_at", "last_used_at", "revoked_at"]
    exclude = ["key_hash"]

    def has_add_permission(self, request):
        return False
