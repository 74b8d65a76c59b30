from django.db import models


class CurrentTransactionId(models.Func):
    """The writing transaction's id on PostgreSQL (0 on SQLite, where writers never interleave).

    The sealer uses it to know which entries can no longer be joined by an earlier, still open
    transaction: see audit/sealing.py.
    """

    output_field = models.BigIntegerField()

    def as_sql(self, compiler, connection, **extra_context):
        return "0", []

    def as_postgresql(self, compiler, connection, **extra_context):
        return "(pg_current_xact_id()::text::bigint)", []


class AuditEntry(models.Model):
    """One event, appended and never changed (a database trigger refuses UPDATE, DELETE and
    TRUNCATE). The id is the order entries were written in; the seal gives the chain order."""

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
    txid = models.BigIntegerField(db_default=CurrentTransactionId(), editable=False)

    class Meta:
        verbose_name_plural = "audit entries"
        indexes = [
            models.Index(fields=["object_type", "object_id"], name="audit_object_idx"),
            models.Index(fields=["action", "id"], name="audit_action_idx"),
            models.Index(fields=["workflow_slug", "id"], name="audit_workflow_idx"),
            models.Index(fields=["actor_label", "id"], name="audit_actor_idx"),
            models.Index(fields=["txid", "id"], name="audit_seal_order_idx"),
        ]
        permissions = [("read_audit_log", "Can read and export the audit log")]

    def __str__(self) -> str:
        return f"#{self.pk} {self.action} {self.object_type}:{self.object_id} by {self.actor_label}"


class AuditSeal(models.Model):
    """An entry's place in the hash chain. Written once by the sealer, never changed.

    No database foreign key on purpose: verification, not a constraint, is what reports an entry
    removed behind the application's back.
    """

    position = models.BigIntegerField(primary_key=True)  # 1, 2, 3, ... without gaps
    entry = models.OneToOneField(
        AuditEntry, on_delete=models.DO_NOTHING, db_constraint=False, related_name="seal"
    )
    entry_txid = models.BigIntegerField()  # the sealer's cursor: (entry_txid, entry_id)
    prev_hash = models.CharField(max_length=64, unique=True)
    hash = models.CharField(max_length=64, unique=True)
    sealed_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"seal {self.position} of entry {self.entry_id}"


class AuditCheckpoint(models.Model):
    """The chain's head at a moment, recorded daily and mailed to auditors, so a rewrite of the
    whole table (which the chain alone cannot reveal) is caught against a copy kept elsewhere."""

    position = models.BigIntegerField()
    head_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"checkpoint {self.position} {self.head_hash[:12]}"


class VerificationRun(models.Model):
    """One verification of the whole chain: asked for by an auditor (it runs on a worker, so a
    long log never holds a web request) or run nightly. Its result is also an audit entry."""

    class Status(models.TextChoices):
        QUEUED = "queued"
        RUNNING = "running"
        FINISHED = "finished"

    requested_by = models.ForeignKey(
        "auth.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )  # none: the nightly run
    checkpoint = models.CharField(max_length=100, blank=True)  # POSITION:HASH kept elsewhere
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.QUEUED)
    requested_at = models.DateTimeField()
    started_at = models.DateTimeField(null=True, blank=True)
    progress_at = models.DateTimeField(null=True, blank=True)  # the worker's last sign of life
    checked = models.BigIntegerField(default=0)  # entries checked so far
    finished_at = models.DateTimeField(null=True, blank=True)
    report = models.JSONField(null=True, blank=True)  # verification.Report.as_dict()

    class Meta:
        indexes = [models.Index(fields=["-requested_at"], name="audit_verification_recent_idx")]

    def __str__(self) -> str:
        return f"verification {self.pk} ({self.status})"

    @property
    def ok(self) -> bool | None:
        return None if self.report is None else bool(self.report.get("ok"))

    @property
    def checkpoint_not_matched(self) -> bool:
        """The checkpoint given was not found in the chain: mistyped, or a rewritten log. Told
        apart from a chain found broken on its own, which needs no checkpoint to show."""
        return bool(self.report) and self.report.get("problem") == "checkpoint_mismatch"
