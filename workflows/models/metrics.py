from django.db import models


class MetricsDay(models.Model):
    """One workflow's figures for one closed UTC day, so a month of metrics reads 30 rows.

    Every figure of a day is keyed by when something happened (received, first claimed,
    decided, breached, flagged), so once the day is over it does not change; `version` lets a
    new tally format recompute old rows instead of misreading them.
    """

    workflow = models.ForeignKey("workflows.Workflow", on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    version = models.PositiveSmallIntegerField()
    tally = models.JSONField()
    computed_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["workflow", "day"], name="one_metrics_row_per_day")
        ]

    def __str__(self) -> str:
        return f"metrics {self.workflow_id} {self.day}"
