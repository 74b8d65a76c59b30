from datetime import timedelta

from django.core.exceptions import ValidationError
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
    sla = models.DurationField(
        "SLA",
        default=timedelta(hours=24),
        help_text="How long a draft may wait for its decision before it is escalated, "
        "as HH:MM:SS or 'DAYS HH:MM:SS' (04:00:00 is four hours).",
    )
    lease_duration = models.DurationField(
        "lease length",
        default=timedelta(minutes=15),
        help_text="How long a claim holds a draft for its reviewer, at least 00:01:00.",
    )
    escalation_queue = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="Where escalated and overdue drafts go. Empty: reviewers cannot escalate, "
        "and an overdue draft stays here with its breach recorded.",
    )
    approvals_required = models.PositiveSmallIntegerField(
        default=1,
        validators=[MinValueValidator(1), MaxValueValidator(2)],
        help_text="2: a second, different person must approve after the first.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["slug"]
        permissions = [("review_queue", "Can claim and decide drafts in the queue")]
        constraints = [
            # A zero SLA breaches every draft on arrival; a lease that ends when it starts
            # leaves a reviewer who claimed nothing they may decide.
            models.CheckConstraint(
                condition=models.Q(sla__gt=timedelta(0)), name="queue_sla_positive"
            ),
            models.CheckConstraint(
                condition=models.Q(lease_duration__gte=timedelta(minutes=1)),
                name="queue_lease_at_least_a_minute",
            ),
            models.CheckConstraint(
                condition=~models.Q(escalation_queue=models.F("pk")),
                name="queue_not_its_own_escalation",
            ),
        ]

    def __str__(self) -> str:
        return self.slug

    def clean(self) -> None:
        """What the admin form checks before saving (the database refuses the rest too)."""
        problems = {}
        if self.sla is not None and self.sla <= timedelta(0):
            problems["sla"] = "The SLA must be longer than zero."
        if self.lease_duration is not None and self.lease_duration < timedelta(minutes=1):
            problems["lease_duration"] = "A lease must last at least a minute."
        escalation = self.escalation_queue
        if escalation is not None:
            if self.pk is not None and escalation.pk == self.pk:
                problems["escalation_queue"] = "A queue cannot escalate to itself."
            elif self.workflow_id is not None and escalation.workflow_id != self.workflow_id:
                problems["escalation_queue"] = (
                    "Choose a queue of the same workflow: its reviewers are the ones allowed "
                    "to see this workflow's drafts."
                )
        if problems:
            raise ValidationError(problems)


# Direct foreign keys: guardian checks these with an indexed join instead of generic relations.
class QueueUserObjectPermission(UserObjectPermissionBase):
    content_object = models.ForeignKey(Queue, on_delete=models.CASCADE)
    objects = AuditedUserPermissions()


class QueueGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(Queue, on_delete=models.CASCADE)
    objects = AuditedGroupPermissions()
