from datetime import timedelta

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase

from reviewqueue.models.permissions import AuditedGroupPermissions, AuditedUserPermissions


class Queue(models.Model):
    """A review queue. Who may view and who may review it are object permissions (guardian)."""

    slug = models.SlugField(max_length=100, unique=True)
    name = models.CharField(max_length=200)
    workflow = models.ForeignKey(
        "workflows.Workflow", on_delete=models.PROTECT, related_name="queues"
    )
    sla = models.DurationField(default=timedelta(hours=24), help_text="Time a draft may wait.")
    lease_duration = models.DurationField(default=timedelta(minutes=15))
    escalation_queue = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    approvals_required = models.PositiveSmallIntegerField(
        default=1, validators=[MinValueValidator(1), MaxValueValidator(2)]
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["slug"]
        permissions = [("review_queue", "Can claim and decide drafts in the queue")]

    def __str__(self) -> str:
        return self.slug


# Direct foreign keys: guardian checks these with an indexed join instead of generic relations.
class QueueUserObjectPermission(UserObjectPermissionBase):
    content_object = models.ForeignKey(Queue, on_delete=models.CASCADE)
    objects = AuditedUserPermissions()


class QueueGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(Queue, on_delete=models.CASCADE)
    objects = AuditedGroupPermissions()
