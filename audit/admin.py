from django.contrib import admin

from audit.models import AuditEntry


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    """Read-only: the log is appended to by services, never edited by hand."""

    list_display = ["id", "occurred_at", "action", "actor_label", "object_type", "object_id"]
    list_filter = ["action", "actor_type"]
    search_fields = ["object_id", "actor_label", "request_id"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
