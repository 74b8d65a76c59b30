"""Callback jobs (Celery). Thin: each calls one function of workflows/callbacks/outbox.py."""

from celery import shared_task

from workflows.callbacks import outbox


@shared_task(name="workflows.deliver_callback", acks_late=True, max_retries=0)
def deliver_callback(delivery_id: str) -> bool:
    # One attempt; retries are scheduled in the outbox row and sent by the sweeper.
    return outbox.attempt(delivery_id)


@shared_task(name="workflows.sweep_callbacks")
def sweep_callbacks() -> int:
    return outbox.sweep()


@shared_task(name="workflows.send_digests")
def send_digests() -> int:
    from workflows.services import digest

    return digest.send_all()


@shared_task(name="workflows.roll_up_metrics")
def roll_up_metrics() -> int:
    from workflows.services import rollups

    return rollups.roll_up_all()
