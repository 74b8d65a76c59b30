import base64
import secrets
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase

from reviewqueue.models.permissions import AuditedGroupPermissions, AuditedUserPermissions


def new_callback_secret() -> str:
    return "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode("ascii")


# The workflow's inputs to its ROI; their history is kept (RoiInputs, services/workflows.py).
ROI_INPUTS = ("minutes_saved_per_accepted_draft", "loaded_hourly_cost_usd")

# A share or a rate: 0 to 1.
_SHARE = [MinValueValidator(0), MaxValueValidator(1)]


class Workflow(models.Model):
    """One AI use case, e.g. `claims-intake-summary`, and the rules its drafts are reviewed by."""

    class OutputKind(models.TextChoices):
        ADVISORY = "advisory"
        INTERNAL = "internal"
        CUSTOMER_FACING = "customer_facing"
        SYSTEM_CHANGING = "system_changing"

    class RolloutStage(models.TextChoices):
        INTERNAL_TEST = "internal_test"
        LIMITED_PILOT = "limited_pilot"
        OPERATIONAL = "operational"
        EXPANDED = "expanded"

    slug = models.SlugField(max_length=100, unique=True)
    name = models.CharField(max_length=200)
    # PROTECT: deleting an owner's account must not quietly leave a workflow without owners
    # (and without its digest); name another owner first.
    business_owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    technical_owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    output_kind = models.CharField(max_length=32, choices=OutputKind.choices)
    rollout_stage = models.CharField(
        max_length=32, choices=RolloutStage.choices, default=RolloutStage.INTERNAL_TEST
    )
    # The routing policy in force; every earlier version stays so drafts can show what routed them.
    current_policy = models.ForeignKey(
        "workflows.PolicyVersion", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    daily_draft_limit = models.PositiveIntegerField(null=True, blank=True)
    monthly_budget_usd = models.DecimalField(
        max_digits=12, decimal_places=2, null=True, blank=True, validators=[MinValueValidator(0)]
    )
    default_callback_url = models.URLField(max_length=2000, blank=True)
    minutes_saved_per_accepted_draft = models.DecimalField(
        max_digits=8, decimal_places=2, default=0, validators=[MinValueValidator(0)]
    )
    loaded_hourly_cost_usd = models.DecimalField(
        max_digits=10, decimal_places=2, default=0, validators=[MinValueValidator(0)]
    )
    retention_days = models.PositiveIntegerField(default=365)
    is_paused = models.BooleanField(default=False)

    # Callbacks are signed with this secret (Standard Webhooks). After a rotation the previous
    # one also signs for a day, so producers can switch without losing events.
    callback_secret = models.CharField(max_length=80, default=new_callback_secret)
    previous_callback_secret = models.CharField(max_length=80, blank=True)
    callback_secret_rotated_at = models.DateTimeField(null=True, blank=True)

    # Earned automation of low-consequence drafts (see workflows/services/automation.py).
    auto_approve_low = models.BooleanField(default=False)
    qa_queue = models.ForeignKey(
        "reviewqueue.Queue", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    qa_sample_rate = models.DecimalField(
        max_digits=4, decimal_places=3, default=Decimal("0.100"), validators=_SHARE
    )
    automation_window = models.PositiveIntegerField(default=200)
    automation_threshold = models.DecimalField(
        max_digits=4, decimal_places=3, default=Decimal("0.950"), validators=_SHARE
    )
    qa_window = models.PositiveIntegerField(default=50)
    # When auto-approval last went on (QA samples count from then) and when QA results last
    # switched it off (only human decisions made after that can earn it back).
    automation_on_since = models.DateTimeField(null=True, blank=True, editable=False)
    automation_revoked_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["slug"]
        permissions = [
            ("view_workflow_metrics", "Can view the workflow's metrics"),
        ]

    def __str__(self) -> str:
        return self.slug

    @property
    def owners(self) -> list:
        return [u for u in (self.business_owner, self.technical_owner) if u is not None]

    def clean(self) -> None:
        """What the admin form checks before saving: the same rules as the API's."""
        from workflows.callbacks import urls as callback_urls

        problems = {}
        if self.default_callback_url:
            try:
                callback_urls.check(self.default_callback_url, resolve=False)
            except callback_urls.UnsafeCallbackURL as unsafe:
                problems["default_callback_url"] = f"Not a URL callbacks may go to: {unsafe}."
        if self.qa_queue is not None and self.pk and self.qa_queue.workflow_id != self.pk:
            problems["qa_queue"] = (
                "Choose a queue of this workflow: its reviewers are the ones allowed to see "
                "this workflow's drafts."
            )
        if problems:
            raise ValidationError(problems)


class PolicyVersion(models.Model):
    """An immutable routing policy; a change to a workflow's routing adds a new version."""

    workflow = models.ForeignKey(Workflow, on_delete=models.CASCADE, related_name="policy_versions")
    version = models.PositiveIntegerField()
    policy = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["workflow", "version"], name="policy_version_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.workflow.slug} policy v{self.version}"


class ErrorCategory(models.Model):
    """One entry of a workflow's error taxonomy: what reviewers say was wrong with a draft."""

    workflow = models.ForeignKey(
        Workflow, on_delete=models.CASCADE, related_name="error_categories"
    )
    slug = models.SlugField(max_length=64)
    label = models.CharField(max_length=200)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["workflow", "slug"]
        verbose_name_plural = "error categories"
        constraints = [
            models.UniqueConstraint(fields=["workflow", "slug"], name="error_category_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.workflow.slug}:{self.slug}"


class ProducerKey(models.Model):
    """A workflow's API key. Only a hash is stored; the secret is shown once, when created."""

    workflow = models.ForeignKey(Workflow, on_delete=models.CASCADE, related_name="producer_keys")
    name = models.CharField(max_length=100, blank=True)
    prefix = models.CharField(max_length=16, unique=True)  # shown in lists and in the audit log
    key_hash = models.CharField(max_length=64, unique=True)
    # Drafts above this consequence level are refused (blank: any level).
    max_consequence = models.CharField(max_length=16, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.workflow.slug}:{self.prefix}"

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None


class WorkflowUsage(models.Model):
    """Running totals a workflow's quotas are checked against, one row per day and per month."""

    class Period(models.TextChoices):
        DAY = "day"
        MONTH = "month"

    workflow = models.ForeignKey(Workflow, on_delete=models.CASCADE, related_name="usage")
    period = models.CharField(max_length=8, choices=Period.choices)
    period_start = models.DateField()
    drafts = models.PositiveIntegerField(default=0)
    cost_usd = models.DecimalField(max_digits=14, decimal_places=6, default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["workflow", "period", "period_start"], name="workflow_usage_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.workflow_id} {self.period} {self.period_start}"


# Direct foreign keys for guardian's object permissions on workflows (see reviewqueue Queue).
class WorkflowUserObjectPermission(UserObjectPermissionBase):
    content_object = models.ForeignKey(Workflow, on_delete=models.CASCADE)
    objects = AuditedUserPermissions()


class WorkflowGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(Workflow, on_delete=models.CASCADE)
    objects = AuditedGroupPermissions()
