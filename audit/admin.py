from django.contrib import admin

from audit.models import AuditCheckpoint, AuditEntry, AuditSeal


class ReadOnlyAdmin(admin.ModelAdmin):
    """The log is appended to by services, never edited by hand (and the database refuses)."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdmin):
    list_display = ["id", "occurred_at", "action", "actor_label", "object_type", "object_id"]
    list_filter = ["action", "actor_type"]
    search_fields = ["object_id", "actor_label", "request_id"]


@admin.register(AuditSeal)
class AuditSealAdmin(ReadOnlyAdmin):
    list_display = ["position", "entry_id", "hash", "sealed_at"]


@admin.register(AuditCheckpoint)
class AuditCheckpointAdmin(ReadOnlyAdmin):
    list_display = ["position", "head_hash", "created_at"]
