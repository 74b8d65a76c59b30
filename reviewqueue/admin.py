from django.contrib import admin
from guardian.admin import GuardedModelAdmin

from reviewqueue.models import Draft, Queue


@admin.register(Queue)
class QueueAdmin(GuardedModelAdmin):
    list_display = ["slug", "workflow", "sla", "lease_duration", "approvals_required"]


@admin.register(Draft)
class DraftAdmin(admin.ModelAdmin):
    list_display = ["external_id", "workflow", "status", "queue", "consequence", "received_at"]
    list_filter = ["status", "consequence", "workflow"]
    search_fields = ["external_id", "title"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
