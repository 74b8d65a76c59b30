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


class RoiInputs(models.Model):
    """A workflow's ROI inputs from a moment on. Each day's return is valued at the inputs in
    force at its end, so raising the hourly cost today does not restate last quarter's ROI, nor
    the week before in a digest. A row is added whenever the inputs change
    (workflows/services/workflows.py, keep_roi_history).
    """

    workflow = models.ForeignKey(
        "workflows.Workflow", on_delete=models.CASCADE, related_name="roi_history"
    )
    since = models.DateTimeField()
    minutes_saved_per_accepted_draft = models.DecimalField(max_digits=8, decimal_places=2)
    loaded_hourly_cost_usd = models.DecimalField(max_digits=10, decimal_places=2)

    class Meta:
        ordering = ["since", "id"]
        indexes = [models.Index(fields=["workflow", "since"], name="roi_inputs_by_workflow")]

    def __str__(self) -> str:
        return (
            f"{self.minutes_saved_per_accepted_draft} min at US$ {self.loaded_hourly_cost_usd}/h "
            f"from {self.since:%Y-%m-%d %H:%M}"
        )
