from django.db import models


class AuditEntry(models.Model):
    """One event, appended and never changed. The id is the order entries were written in."""

    occurred_at = models.DateTimeField(db_index=True)
    actor_type = models.CharField(max_length=16)
    actor_id = models.CharField(max_length=64)
    actor_label = models.CharField(max_length=200)
    action = models.CharField(max_length=64)
    object_type = models.CharField(max_length=64)
    object_id = models.CharField(max_length=64)
    workflow_slug = models.CharField(max_length=100, blank=True)
    request_id = models.CharField(max_length=64, blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name_plural = "audit entries"
        indexes = [
            models.Index(fields=["object_type", "object_id"], name="audit_object_idx"),
            models.Index(fields=["action", "id"], name="audit_action_idx"),
            models.Index(fields=["workflow_slug", "id"], name="audit_workflow_idx"),
        ]
        permissions = [("read_audit_log", "Can read and export the audit log")]

    def __str__(self) -> str:
        return f"#{self.pk} {self.action} {self.object_type}:{self.object_id} by {self.actor_label}"
