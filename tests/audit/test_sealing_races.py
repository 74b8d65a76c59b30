"""Writers racing the sealer on PostgreSQL leave one complete, unforked chain."""

from __future__ import annotations

import threading
import time

import pytest
from django.db import connection, transaction

from audit.actors import Actor
from audit.models import AuditEntry, AuditSeal
from audit.sealing import seal_pending
from audit.services import record
from audit.verification import verify

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.timeout(180)]


def _write(n: int, per_writer: int, barrier: threading.Barrier) -> None:
    try:
        barrier.wait()
        for i in range(per_writer):
            with transaction.atomic():
                record(
                    "draft.received",
                    actor=Actor.system(f"writer {n}"),
                    object_type="draft",
                    object_id=f"{n}-{i}",
                )
                if i % 7 == 0:
                    time.sleep(0.002)  # hold some transactions open so commits land out of order
    finally:
        connection.close()


def _seal_until(stop: threading.Event, barrier: threading.Barrier) -> None:
    try:
        barrier.wait()
        while not stop.is_set():
            seal_pending(batch_size=50)
    finally:
        connection.close()


def test_writers_racing_two_sealers_leave_every_entry_sealed_once_in_one_chain(demo):
    writers, per_writer = 8, 60
    barrier, stop = threading.Barrier(writers + 2), threading.Event()
    threads = [
        threading.Thread(target=_write, args=(n, per_writer, barrier)) for n in range(writers)
    ]
    sealers = [threading.Thread(target=_seal_until, args=(stop, barrier)) for _ in range(2)]
    for t in threads + sealers:
        t.start()
    for t in threads:
        t.join()
    stop.set()
    for t in sealers:
        t.join()
    seal_pending()

    entries = AuditEntry.objects.count()
    positions = list(AuditSeal.objects.order_by("position").values_list("position", flat=True))
    assert positions == list(range(1, entries + 1))  # every entry, no gap, no duplicate
    assert AuditSeal.objects.values("entry_id").distinct().count() == entries
    assert AuditSeal.objects.values("prev_hash").distinct().count() == entries  # no fork
    report = verify()
    assert report.ok and report.entries == entries


def test_an_entry_that_commits_late_is_sealed_after_the_wait_never_skipped(demo):
    seal_pending()
    early_written, release = threading.Event(), threading.Event()
    ids: dict[str, int] = {}

    def slow_writer():
        try:
            with transaction.atomic():
                ids["early"] = record(
                    "draft.received",
                    actor=Actor.system("slow"),
                    object_type="draft",
                    object_id="early",
                ).pk
                early_written.set()
                release.wait(timeout=30)
        finally:
            connection.close()

    slow = threading.Thread(target=slow_writer)
    slow.start()
    early_written.wait(timeout=30)
    with transaction.atomic():
        ids["late"] = record(
            "draft.received", actor=Actor.system("fast"), object_type="draft", object_id="late"
        ).pk
    # The fast entry committed first, but the slow transaction is older and still open:
    # sealing the fast one now would leave no room for the slow one. It waits.
    seal_pending()
    assert not AuditSeal.objects.filter(entry_id__in=ids.values()).exists()

    release.set()
    slow.join()
    seal_pending()
    early = AuditSeal.objects.get(entry_id=ids["early"])
    late = AuditSeal.objects.get(entry_id=ids["late"])
    assert early.position < late.position
    assert verify().ok


def test_a_transaction_open_in_another_database_does_not_hold_sealing_back(demo):
    import psycopg
    from django.conf import settings

    db = settings.DATABASES["default"]
    seal_pending()
    # Another application's long transaction on the same PostgreSQL server, with an xid older
    # than everything written below.
    with psycopg.connect(
        host=db["HOST"], port=db["PORT"] or 5432, user=db["USER"], dbname="postgres"
    ) as other:
        other.execute("SELECT pg_current_xact_id()")
        with transaction.atomic():
            entry = record(
                "draft.received", actor=Actor.system("here"), object_type="draft", object_id="x"
            )
        seal_pending()
        assert AuditSeal.objects.filter(entry_id=entry.pk).exists()
        other.rollback()
    assert verify().ok
