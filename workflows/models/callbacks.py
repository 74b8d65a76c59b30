from datetime import datetime, timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q


class CallbackDelivery(models.Model):
    """One event for a producer's callback URL: the outbox row, written in the transaction of
    the outcome it reports, then delivered (and retried) apart from it."""

    class Status(models.TextChoices):
        PENDING = "pending"
        DELIVERED = "delivered"
        FAILED = "failed"

    id = models.CharField(primary_key=True, max_length=40)  # the webhook-id, "msg_…"
    workflow = models.ForeignKey(
        "workflows.Workflow", on_delete=models.CASCADE, related_name="callbacks"
    )
    draft = models.ForeignKey(
        "reviewqueue.Draft", on_delete=models.CASCADE, related_name="callbacks"
    )
    event_type = models.CharField(max_length=40)
    url = models.URLField(max_length=2000)
    payload = models.JSONField()
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField()
    # A sender holds a row this long while its request is in flight; no lock spans the request.
    claimed_until = models.DateTimeField(null=True, blank=True)
    last_status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField()
    # Retries stop RQ_CALLBACK_GIVE_UP_HOURS after this: the creation, or an owner's resend.
    retrying_since = models.DateTimeField()
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(
                fields=["next_attempt_at"], name="callback_due_idx", condition=Q(status="pending")
            ),
            models.Index(fields=["workflow", "created_at"], name="callback_workflow_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.id} {self.event_type} {self.status}"

    @property
    def gives_up_at(self) -> datetime:
        """When retries stop and a still undelivered callback fails for good."""
        return self.retrying_since + timedelta(hours=settings.RQ_CALLBACK_GIVE_UP_HOURS)


class CallbackAttempt(models.Model):
    delivery = models.ForeignKey(CallbackDelivery, on_delete=models.CASCADE, related_name="tries")
    attempted_at = models.DateTimeField()
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    error = models.TextField(blank=True)
    duration_ms = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["attempted_at", "id"]

    def __str__(self) -> str:
        return f"{self.delivery_id} at {self.attempted_at}: {self.status_code or self.error}"


class GoneEndpoint(models.Model):
    """A callback URL that answered 410 Gone: nothing more is sent there until an owner sends an
    event to it again ("Send again" reopens it)."""

    workflow = models.ForeignKey(
        "workflows.Workflow", on_delete=models.CASCADE, related_name="gone_endpoints"
    )
    url = models.URLField(max_length=2000)
    gone_at = models.DateTimeField()
    delivery_id = models.CharField(max_length=40)  # the delivery that was answered 410

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["workflow", "url"], name="gone_endpoint_unique")
        ]

    def __str__(self) -> str:
        return f"{self.url} gone since {self.gone_at:%Y-%m-%d}"
