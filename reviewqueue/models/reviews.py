import uuid

from django.conf import settings
from django.db import models
from django.db.models import F, Q


class Lease(models.Model):
    """One person's hold on one draft, from claim until it is decided, released or lost.

    The draft carries the live lease; these rows are the history, so "no draft ever had two live
    leases" can be checked after the fact.
    """

    class End(models.TextChoices):
        DECIDED = "decided"
        RELEASED = "released"
        EXPIRED = "expired"
        REVOKED = "revoked"  # the holder lost review permission on the queue
        WITHDRAWN = "withdrawn"
        ESCALATED = "escalated"  # the SLA sweep moved the draft on

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    draft = models.ForeignKey("reviewqueue.Draft", on_delete=models.CASCADE, related_name="leases")
    queue = models.ForeignKey("reviewqueue.Queue", on_delete=models.PROTECT, related_name="+")
    holder = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    started_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)
    end_reason = models.CharField(max_length=16, choices=End.choices, blank=True)

    class Meta:
        indexes = [models.Index(fields=["draft", "started_at"], name="lease_draft_idx")]

    def __str__(self) -> str:
        return f"lease of {self.draft_id} by {self.holder_id}"


class Decision(models.Model):
    """What a reviewer did with a draft. A draft's final status follows from its decisions."""

    class Action(models.TextChoices):
        APPROVE = "approve"
        EDIT = "edit"
        REJECT = "reject"
        ESCALATE = "escalate"

    # The actions that count as someone's approval of a draft (an edit approves the new text).
    APPROVALS = (Action.APPROVE, Action.EDIT)

    draft = models.ForeignKey(
        "reviewqueue.Draft", on_delete=models.CASCADE, related_name="decisions"
    )
    queue = models.ForeignKey("reviewqueue.Queue", on_delete=models.PROTECT, related_name="+")
    # Copied from the draft so owners' metrics read one indexed table.
    workflow = models.ForeignKey(
        "workflows.Workflow", null=True, on_delete=models.PROTECT, related_name="+"
    )
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    # An approval given while the draft had a first approval: whose approval it pairs with.
    first_approver = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="For a second approval (or an edit in the second round): who gave the first.",
    )
    action = models.CharField(max_length=16, choices=Action.choices)
    # True for the decision that finished the draft (approved, edited or rejected).
    is_final = models.BooleanField(default=False)
    content = models.TextField(help_text="The text after this decision.")
    diff = models.TextField(blank=True, help_text="Unified diff from the text before it.")
    error_category = models.ForeignKey(
        "workflows.ErrorCategory", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    comment = models.TextField(blank=True)
    reason = models.TextField(blank=True)
    time_spent = models.DurationField(help_text="From claim to decision.")
    decided_at = models.DateTimeField()

    class Meta:
        ordering = ["decided_at", "id"]
        indexes = [models.Index(fields=["workflow", "decided_at"], name="decision_metrics_idx")]
        constraints = [
            # The database, not only the code, refuses a second final decision ...
            models.UniqueConstraint(
                fields=["draft"], condition=Q(is_final=True), name="one_final_decision_per_draft"
            ),
            # ... and a second approval recorded as paired with its own reviewer. The pairing is
            # set by the decision service (it stays empty for first and single approvals); that
            # the first approver never claims or decides again is the service's rule, under the
            # draft's row lock.
            models.CheckConstraint(
                condition=Q(first_approver__isnull=True) | ~Q(first_approver=F("reviewer")),
                name="second_approver_is_not_the_first",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.action} of {self.draft_id} by {self.reviewer_id}"


class SourceFlag(models.Model):
    """A reviewer's report that a source the draft cites is stale or wrong."""

    class Reason(models.TextChoices):
        STALE = "stale"
        WRONG = "wrong"

    draft = models.ForeignKey(
        "reviewqueue.Draft", on_delete=models.CASCADE, related_name="source_flags"
    )
    source_id = models.CharField(max_length=200)
    reason = models.CharField(max_length=8, choices=Reason.choices)
    comment = models.TextField(blank=True)
    flagged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["draft", "source_id", "flagged_by"], name="one_flag_per_person_source"
            )
        ]

    def __str__(self) -> str:
        return f"{self.source_id} {self.reason} on {self.draft_id}"
