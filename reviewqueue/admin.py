from django.contrib import admin
from django.db import transaction
from guardian.admin import GuardedModelAdmin

from reviewqueue.models import Draft, Queue


class AtomicGuardedAdmin(GuardedModelAdmin):
    """Guardian's object-permission pages, each change in one transaction with its audit entry
    (written by reviewqueue/signals.py)."""

    def obj_perms_manage_user_view(self, request, object_pk, user_id):
        with transaction.atomic():
            return super().obj_perms_manage_user_view(request, object_pk, user_id)

    def obj_perms_manage_group_view(self, request, object_pk, group_id):
        with transaction.atomic():
            return super().obj_perms_manage_group_view(request, object_pk, group_id)


@admin.register(Queue)
class QueueAdmin(AtomicGuardedAdmin):
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
