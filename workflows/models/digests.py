from django.db import models


class DigestSent(models.Model):
    """One weekly digest per workflow and week, so two beat workers never send it twice."""

    workflow = models.ForeignKey("workflows.Workflow", on_delete=models.CASCADE, related_name="+")
    week_start = models.DateField()
    sent_at = models.DateTimeField()
    recipients = models.JSONField(default=list)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["workflow", "week_start"], name="one_digest_per_week")
        ]

    def __str__(self) -> str:
        return f"digest {self.workflow_id} {self.week_start}"
