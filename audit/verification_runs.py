"""Checks of the whole chain: runs on a worker (when an auditor asks, or nightly), and checks
here and now (`verify_now`: GET /api/v1/audit/verify and `manage.py verify_audit`).

A million entries take about a minute to check, longer than a web request may last, so the
page and POST /api/v1/audit/verifications only record the request; a worker does the checking,
saying how far it got as it goes. Every check's result, a run's or an immediate one's, is
written as an audit entry (`audit.verified`). A failed nightly run
is mailed to the auditors: tampering is reported without anyone having to look.

Runs are picked up from the table, not only from the broker: a request whose task was lost
(the broker down at the time) is started by the next sweep, and two workers never check the
same run (the row is locked with SKIP LOCKED).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import timedelta

from django.contrib.auth.models import User
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone

from audit import events
from audit.actors import Actor
from audit.checkpoints import auditor_emails, parse_checkpoint
from audit.models import VerificationRun
from audit.sealing import seal_pending
from audit.services import record
from audit.verification import Report, verify

log = logging.getLogger(__name__)

PROGRESS_EVERY = 50_000  # entries between two progress notes
# A running check that has said nothing for this long lost its worker.
STALLED_AFTER = timedelta(minutes=5)
# A request no task picked up this long after it was made is started by the sweep.
UNCLAIMED_AFTER = timedelta(seconds=30)

Status = VerificationRun.Status


def request_verification(
    *, user: User | None, checkpoint: tuple[int, str] | None = None
) -> VerificationRun:
    """Record a request to verify the chain and hand it to a worker once it is committed."""
    with transaction.atomic():
        run = VerificationRun.objects.create(
            requested_by=user,
            checkpoint=f"{checkpoint[0]}:{checkpoint[1]}" if checkpoint else "",
            requested_at=timezone.now(),
        )
        transaction.on_commit(lambda: _kick(run.pk), robust=True)
    return run


def _kick(run_id: int) -> None:
    from audit.tasks import verify_task

    try:
        verify_task.delay(run_id)
    except Exception:  # the broker is down: the request is stored, the sweep starts it
        log.warning("verification %s not queued (broker unavailable)", run_id, exc_info=True)


def run_verification(run_id: int) -> VerificationRun | None:
    """Check the chain for a queued run; None if another worker took it or it already ran."""
    with transaction.atomic():
        # Locked, skipping a run another worker holds, so each run is checked once.
        run = (
            VerificationRun.objects.select_for_update(skip_locked=True, of=("self",), no_key=True)
            .filter(pk=run_id, status=Status.QUEUED)
            .first()
        )
        if run is None:
            return None
        run.status, run.started_at = Status.RUNNING, timezone.now()
        run.progress_at = run.started_at
        run.save(update_fields=["status", "started_at", "progress_at"])

    def note_progress(checked: int) -> None:
        VerificationRun.objects.filter(pk=run.pk).update(
            checked=checked, progress_at=timezone.now()
        )

    seal_pending()  # entries written a moment ago are part of what is checked
    report = verify(
        checkpoint=parse_checkpoint(run.checkpoint) if run.checkpoint else None,
        on_progress=note_progress,
        every=PROGRESS_EVERY,
    )
    with transaction.atomic():
        run.status, run.finished_at = Status.FINISHED, timezone.now()
        run.checked, run.report = report.entries, report.as_dict()
        run.save(update_fields=["status", "finished_at", "checked", "report"])
        record(
            events.AUDIT_VERIFIED,
            actor=Actor.system("audit verification"),
            object_type="audit_verification",
            object_id=run.pk,
            data={
                "requested_by": run.requested_by.get_username() if run.requested_by else None,
                "checkpoint": run.checkpoint or None,
                **run.report,
            },
        )
        if not report.ok:
            transaction.on_commit(lambda: _mail_failure(run))
    return run


def verify_now(
    *,
    actor: Actor,
    checkpoint: tuple[int, str] | None = None,
    seal: bool = True,
    on_progress: Callable[[int], None] | None = None,
    every: int = PROGRESS_EVERY,
) -> Report:
    """Check the chain here and now (a small log over the API, or `manage.py verify_audit`) and
    put the result on record, as a run's is: who checked the log and what they found is itself
    evidence, a failed check most of all."""
    if seal:
        seal_pending()  # entries written a moment ago are part of what is checked
    report = verify(checkpoint=checkpoint, on_progress=on_progress, every=every)
    with transaction.atomic():
        record(
            events.AUDIT_VERIFIED,
            actor=actor,
            object_type="audit_verification",
            object_id="immediate",
            data={
                "checkpoint": f"{checkpoint[0]}:{checkpoint[1]}" if checkpoint else None,
                **report.as_dict(),
            },
        )
    return report


def verify_nightly() -> VerificationRun | None:
    """The nightly check (beat): run at once on this worker, not through the broker."""
    with transaction.atomic():
        run = VerificationRun.objects.create(requested_by=None, requested_at=timezone.now())
    return run_verification(run.pk)


def start_unclaimed() -> int:
    """Start requests whose task never arrived (the sweep, every few seconds)."""
    waiting = VerificationRun.objects.filter(
        status=Status.QUEUED, requested_at__lt=timezone.now() - UNCLAIMED_AFTER
    ).values_list("pk", flat=True)
    return sum(run_verification(pk) is not None for pk in list(waiting[:5]))


def is_stalled(run: VerificationRun) -> bool:
    return (
        run.status == Status.RUNNING
        and run.progress_at is not None
        and timezone.now() - run.progress_at > STALLED_AFTER
    )


def _mail_failure(run: VerificationRun) -> None:
    recipients = auditor_emails()
    if not recipients:
        log.error("audit chain verification %s failed and no auditor has an e-mail", run.pk)
        return
    report = run.report or {}
    send_mail(
        subject="ReviewQueue audit log FAILED verification",
        message=(
            "The audit log's hash chain no longer verifies: entries were changed, removed or "
            "added behind the application's back, or the sealer has stopped.\n\n"
            f"Problem: {report.get('problem')}\n"
            f"Position: {report.get('position')}\nEntry: {report.get('entry_id')}\n"
            f"Detail: {report.get('detail') or ''}\n"
            f"Entries that still link up: {report.get('entries')}\n\n"
            "Compare with the checkpoints you keep, and check it yourself:\n"
            "  manage.py verify_audit --checkpoint POSITION:HASH\n"
        ),
        from_email=None,
        recipient_list=recipients,
    )
