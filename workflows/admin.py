from django.contrib import admin

from audit.actors import Actor
from reviewqueue.admin import AtomicGuardedAdmin
from workflows.models import ErrorCategory, ProducerKey, Workflow
from workflows.services.keys import revoke_producer_key


class ErrorCategoryInline(admin.TabularInline):
    model = ErrorCategory
    extra = 0


@admin.register(Workflow)
class WorkflowAdmin(AtomicGuardedAdmin):
    audit_object_type = "workflow"
    list_display = ["slug", "name", "output_kind", "rollout_stage", "is_paused"]
    readonly_fields = ["current_policy"]
    inlines = [ErrorCategoryInline]


@admin.register(ProducerKey)
class ProducerKeyAdmin(admin.ModelAdmin):
    """Keys are created with `manage.py create_producer_key` so the secret is shown once."""

    list_display = ["prefix", "workflow", "name", "created_at", "last_used_at", "revoked_at"]
    readonly_fields = ["workflow", "prefix", "created_at", "last_used_at", "revoked_at"]
    exclude = ["key_hash"]

    actions = ["revoke"]

    def has_add_permission(self, request):
        return False

    @admin.action(description="Revoke selected keys")
    def revoke(self, request, queryset):
        for key in queryset.select_related("workflow"):
            revoke_producer_key(key=key, actor=Actor.person(request.user))
