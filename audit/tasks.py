"""Periodic audit jobs (Celery beat). Thin: each calls one function."""

from celery import shared_task

from audit.checkpoints import record_checkpoint
from audit.sealing import seal_pending


@shared_task(name="audit.seal")
def seal_task() -> int:
    return seal_pending()


@shared_task(name="audit.checkpoint")
def checkpoint_task() -> int | None:
    checkpoint = record_checkpoint()
    return checkpoint.position if checkpoint else None
