"""Audit jobs (Celery). Thin: each calls one function."""

from celery import shared_task

from audit import verification_runs
from audit.checkpoints import record_checkpoint
from audit.sealing import seal_pending


@shared_task(name="audit.seal")
def seal_task() -> int:
    return seal_pending()


@shared_task(name="audit.checkpoint")
def checkpoint_task() -> int | None:
    checkpoint = record_checkpoint()
    return checkpoint.position if checkpoint else None


@shared_task(name="audit.verify")
def verify_task(run_id: int) -> bool | None:
    run = verification_runs.run_verification(run_id)
    return run.ok if run else None


@shared_task(name="audit.verify_nightly")
def verify_nightly_task() -> bool | None:
    run = verification_runs.verify_nightly()
    return run.ok if run else None


@shared_task(name="audit.start_unclaimed_verifications")
def start_unclaimed_verifications_task() -> int:
    return verification_runs.start_unclaimed()
