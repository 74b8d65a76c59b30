"""Pointing this process's Celery app at a real broker for one test, and back."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from kombu import pools

from reviewqueue.celery import app


def _fresh_pools() -> None:
    # Celery and kombu keep connection and producer pools per broker; eager calls use them too.
    pools.reset()
    app._pool = None
    app.amqp._producer_pool = None


@contextmanager
def publishing_to(broker_url: str, **conf) -> Iterator[None]:
    """Tasks are sent to `broker_url` instead of running inline; only these settings change."""
    changes = {"task_always_eager": False, "broker_url": broker_url, **conf}
    before = {key: app.conf[key] for key in changes}
    app.conf.update(changes)
    _fresh_pools()
    try:
        yield
    finally:
        app.conf.update(before)
        _fresh_pools()
