"""Callback jobs (Celery). Thin: each calls one function of workflows/callbacks/outbox.py."""

from celery import shared_task

from workflows.callbacks import outbox


# Time limits: a receiver that answers a byte at a time must not hold a worker for long. Past
# the soft limit the attempt is recorded as failed and retried later (outbox.attempt); the hard
# limit kills the child if even that hangs. Callbacks have their own queue (settings.py).
@shared_task(
    name="workflows.deliver_callback",
    acks_late=True,
    max_retries=0,
    soft_time_limit=30,
    time_limit=45,
)
def deliver_callback(delivery_id: str) -> bool:
    # One attempt; retries are scheduled in the outbox row and sent by the sweeper.
    return outbox.attempt(delivery_id)


@shared_task(name="workflows.sweep_callbacks", soft_time_limit=50, time_limit=60)
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
