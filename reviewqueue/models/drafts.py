from __future__ import annotations

import uuid
from datetime import datetime
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.db.models import Q

if TYPE_CHECKING:
    from reviewqueue.models.queues import Queue


class Draft(models.Model):
    """One piece of AI output waiting for (or past) human review."""

    class Consequence(models.TextChoices):
        LOW = "low"
        MEDIUM = "medium"
        HIGH = "high"
        CRITICAL = "critical"

    class Status(models.TextChoices):
        QUEUED = "queued"
        IN_REVIEW = "in_review"
        AWAITING_SECOND_APPROVAL = "awaiting_second_approval"
        APPROVED = "approved"
        EDITED = "edited"
        REJECTED = "rejected"
        ESCALATED = "escalated"
        AUTO_APPROVED = "auto_approved"
        WITHDRAWN = "withdrawn"

    # Statuses a draft waits in, in its queue, for someone to claim it.
    CLAIMABLE_STATUSES = (Status.QUEUED, Status.ESCALATED, Status.AWAITING_SECOND_APPROVAL)
    # A person's verdict: what metrics count as decided, and golden cases and owners' pages show.
    DECIDED_BY_A_PERSON = (Status.APPROVED.value, Status.EDITED.value, Status.REJECTED.value)
    # Statuses from which nothing more happens to the draft.
    FINAL_STATUSES = frozenset(
        {Status.APPROVED, Status.EDITED, Status.REJECTED, Status.AUTO_APPROVED, Status.WITHDRAWN}
    )

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    workflow = models.ForeignKey("workflows.Workflow", on_delete=models.PROTECT, related_name="+")
    producer_key = models.ForeignKey(
        "workflows.ProducerKey", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    external_id = models.CharField(max_length=200)
    # SHA-256 of the canonical request body: the same external_id with another body is a conflict.
    body_hash = models.CharField(max_length=64)

    title = models.CharField(max_length=300, blank=True)
    content = models.TextField()
    consequence = models.CharField(max_length=16, choices=Consequence.choices)
    confidence = models.FloatField(null=True, blank=True)
    sources = models.JSONField(default=list, blank=True)
    model_name = models.CharField(max_length=200, blank=True)
    model_version = models.CharField(max_length=200, blank=True)
    prompt_version = models.CharField(max_length=200, blank=True)
    input_tokens = models.PositiveIntegerField(null=True, blank=True)
    output_tokens = models.PositiveIntegerField(null=True, blank=True)
    cost_usd = models.DecimalField(max_digits=14, decimal_places=6, null=True, blank=True)
    metadata = models.JSONField(default=dict, blank=True)
    callback_url = models.URLField(max_length=2000, blank=True)
    escalation_request = models.TextField(blank=True)  # the producer's reason, if it asked

    status = models.CharField(max_length=32, choices=Status.choices, default=Status.QUEUED)
    queue = models.ForeignKey(
        "reviewqueue.Queue", null=True, blank=True, on_delete=models.PROTECT, related_name="drafts"
    )
    routing_reason = models.TextField()
    policy = models.ForeignKey(
        "workflows.PolicyVersion", on_delete=models.PROTECT, related_name="+"
    )
    received_at = models.DateTimeField()
    due_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    # Review state. The text as reviewers left it (null: unchanged from `content`).
    reviewed_content = models.TextField(null=True, blank=True)
    # The live lease, if any (history in Lease). While leased the draft is `in_review` and
    # `status_before_lease` says what it returns to when the lease ends undecided.
    leased_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    lease_started_at = models.DateTimeField(null=True, blank=True)
    lease_expires_at = models.DateTimeField(null=True, blank=True)
    status_before_lease = models.CharField(max_length=32, blank=True)
    # Two-approval queues: who gave the first approval (they may not give the second).
    first_approver = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    sla_breached_at = models.DateTimeField(null=True, blank=True)
    first_claimed_at = models.DateTimeField(null=True, blank=True)  # for time-to-first-claim
    purged_at = models.DateTimeField(null=True, blank=True)  # text removed after retention
    # Earned automation: a sample of auto-approved drafts is reviewed in the QA queue.
    qa_sample = models.BooleanField(default=False)
    # Reviewers mark decided drafts that make good evaluation cases (the golden set).
    is_golden = models.BooleanField(default=False)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["workflow", "external_id"], name="draft_external_id_unique"
            ),
            models.CheckConstraint(
                condition=Q(confidence__isnull=True) | Q(confidence__gte=0, confidence__lte=1),
                name="draft_confidence_0_1",
            ),
        ]
        indexes = [
            # The claim path reads exactly this: claimable drafts of one queue, most urgent first
            # (the id last, so that drafts due and received at the same moment have one order,
            # the one the queue page shows).
            models.Index(
                fields=["queue", "due_at", "received_at", "id"],
                name="draft_claim_order_idx",
                condition=Q(status__in=["queued", "escalated", "awaiting_second_approval"]),
            ),
            models.Index(fields=["workflow", "received_at"], name="draft_workflow_received_idx"),
            models.Index(fields=["workflow", "decided_at"], name="draft_workflow_decided_idx"),
            models.Index(
                fields=["workflow", "first_claimed_at"], name="draft_workflow_claimed_idx"
            ),
            # Expired leases, found per queue by the claim and by the lease reaper.
            models.Index(
                fields=["queue", "lease_expires_at"],
                name="draft_leased_idx",
                condition=Q(status="in_review"),
            ),
            # The SLA sweep: undecided drafts by due time. Its predicate names sla_breached_at so
            # the planner can never pick it for the claim query (which it would walk across
            # every queue); the claim has draft_claim_order_idx.
            models.Index(
                fields=["due_at"],
                name="draft_sla_idx",
                condition=Q(
                    status__in=["queued", "escalated", "awaiting_second_approval", "in_review"],
                    sla_breached_at__isnull=True,
                ),
            ),
            # The sweep's second look: breached under a lease, to move once the lease ends.
            models.Index(
                fields=["due_at"],
                name="draft_sla_breached_idx",
                condition=Q(
                    status__in=["queued", "escalated", "awaiting_second_approval", "in_review"],
                    sla_breached_at__isnull=False,
                ),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.workflow_id}:{self.external_id}"

    @property
    def approvals_needed(self) -> int:
        """Two different people for a critical draft wherever it is (an escalation queue too),
        and on any queue that asks for two; one otherwise."""
        critical = self.consequence == self.Consequence.CRITICAL
        return max(self.queue.approvals_required if self.queue else 1, 2 if critical else 1)

    # A finished draft's outcome said to people: "edited" alone reads as work left, not done.
    OUTCOME_WORDS = {
        "approved": "approved",
        "edited": "approved with edits",
        "rejected": "rejected",
        "auto_approved": "auto-approved",
        "withdrawn": "withdrawn by its producer",
    }

    @property
    def outcome_words(self) -> str:
        return self.OUTCOME_WORDS.get(str(self.status), self.get_status_display().lower())

    @property
    def is_final(self) -> bool:
        return self.status in self.FINAL_STATUSES

    @property
    def review_queue(self) -> Queue:
        """The queue the draft waits or is reviewed in: only an auto-approved draft has none."""
        if self.queue is None:
            raise ValueError(f"Draft {self.pk} ({self.status}) is in no queue.")
        return self.queue

    def lease_is_live_for(self, user_id: int, now: datetime) -> bool:
        """Whether this person holds the draft's lease at `now` (the database clock's time)."""
        return (
            self.status == self.Status.IN_REVIEW
            and self.leased_by_id == user_id
            and self.lease_expires_at is not None
            and self.lease_expires_at > now
        )

    @property
    def current_content(self) -> str:
        return self.content if self.reviewed_content is None else self.reviewed_content
