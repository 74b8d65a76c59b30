"""Callbacks through a real Celery worker on Redis, and that worker killed mid-delivery.

The worker is a separate process (prefork, one child) on the test database and a Redis database
of its own; the test publishes to it exactly as the web process does. Killing the child with
SIGKILL while the receiver is still answering must lose nothing and must not double-send while
the first attempt's claim holds; the sweeper then delivers the same event (same webhook-id).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
import redis
from django.db import connection
from django.utils import timezone

from reviewqueue.models import Draft
from tests.conftest import person_client
from tests.reviewqueue.review_helpers import make_drafts
from tests.workflows.broker import publishing_to
from tests.workflows.receiver import Receiver
from workflows.callbacks import outbox
from workflows.models import CallbackDelivery

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.timeout(120)]
ROOT = Path(__file__).resolve().parents[2]
BROKER = "redis://127.0.0.1:6379/12"


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return found


def _wait_for(predicate, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.1)
    pytest.fail(f"timed out waiting for {what}")


@pytest.fixture
def worker(demo, tmp_path) -> Iterator[tuple[subprocess.Popen, Path]]:
    redis.Redis.from_url(BROKER).flushdb()
    db = connection.settings_dict
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    env.update(
        DJANGO_SETTINGS_MODULE="reviewqueue.settings",
        DATABASE_URL=f"postgres://{db['USER']}@{db['HOST']}:{db['PORT'] or 5432}/{db['NAME']}",
        REDIS_URL=BROKER,
        DEBUG="0",
        SECRET_KEY="worker-test-only",
        SECURE_SSL_REDIRECT="0",
        RQ_CALLBACK_ALLOW_PRIVATE="1",
        CELERY_TASK_ALWAYS_EAGER="0",
        RQ_VAR_DIR=str(tmp_path / "var"),
    )
    log = tmp_path / "worker.log"
    process = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "reviewqueue", "worker", "--pool", "prefork"]
        + ["--concurrency", "1", "--without-gossip", "--without-mingle", "--without-heartbeat"]
        + ["--loglevel", "INFO"],
        cwd=ROOT,
        env=env,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
    )
    try:
        _wait_for(lambda: "ready" in log.read_text(), 30, "the worker to start")
        yield process, log
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()


@pytest.fixture
def publishing_to_the_worker() -> Iterator[None]:
    """This process sends tasks to Redis instead of running them inline, as in production."""
    with publishing_to(BROKER):
        yield


@pytest.fixture
def receiver(claims) -> Iterator[Receiver]:
    running = Receiver(secret=claims.callback_secret).start()
    yield running
    running.stop()


def _decide(claims, receiver) -> Draft:
    Draft.objects.filter(queue__slug="claims-standard").update(status="approved")
    [draft] = make_drafts(claims, 1, callback_url=receiver.url)
    adjuster = person_client("adjuster")
    assert adjuster.post("/api/v1/queues/claims-standard/claim").status_code == 200
    response = adjuster.post(
        f"/api/v1/drafts/{draft.pk}/decisions", {"action": "approve"}, format="json"
    )
    assert response.status_code == 201
    return draft


def test_a_real_worker_delivers_a_callback(claims, receiver, worker, publishing_to_the_worker):
    draft = _decide(claims, receiver)
    _wait_for(
        lambda: CallbackDelivery.objects.get(draft=draft).status == "delivered", 20, "delivery"
    )
    [got] = receiver.received
    assert got.verified and got.body["type"] == "draft.approved"


def test_killing_the_worker_mid_delivery_loses_nothing_and_sends_one_event(
    claims, receiver, worker, publishing_to_the_worker
):
    process, log = worker
    receiver.delays = [8]  # the first delivery hangs on the producer's side
    draft = _decide(claims, receiver)
    assert receiver.arrived.wait(timeout=20), "the worker never called the receiver"

    [child] = _children(process.pid)
    os.kill(child, signal.SIGKILL)
    # The worker sees its child die, puts the task back (acks_late, reject_on_worker_lost) and
    # runs it again in a new child: the first attempt's claim still holds, so nothing is sent.
    _wait_for(lambda: "claimed by another attempt" in log.read_text(), 30, "the task's rerun")
    assert len(receiver.received) == 1
    delivery = CallbackDelivery.objects.get(draft=draft)
    assert delivery.status == "pending" and delivery.attempts == 0
    assert delivery.claimed_until > timezone.now()

    # A minute later the claim has lapsed and the sweeper (beat) sends it again.
    CallbackDelivery.objects.filter(pk=delivery.pk).update(
        claimed_until=timezone.now() - timedelta(seconds=1)
    )
    assert outbox.sweep() == 1
    assert outbox.sweep() == 0
    delivery.refresh_from_db()
    assert delivery.status == "delivered" and delivery.attempts == 1
    assert [r.webhook_id for r in receiver.received] == [delivery.pk, delivery.pk]
    assert all(r.verified for r in receiver.received)
