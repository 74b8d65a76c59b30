"""Earned automation against real concurrency on PostgreSQL: a switch-on that waited for a QA
switch-off is judged after it, so it cannot undo what QA decided."""

from __future__ import annotations

import threading
import time

import pytest
from django.db import connection, transaction

from audit.actors import Actor
from audit.models import AuditEntry
from tests.workflows.test_feedback import human_history
from workflows.models import Workflow
from workflows.services import automation


@pytest.mark.django_db(transaction=True)
def test_a_switch_on_waiting_for_a_qa_switch_off_does_not_undo_it(demo):
    claims = Workflow.objects.get(slug="claims-intake-summary")
    human_history(claims, approved=20, rejected=0)  # what earned it: QA now contradicts it
    Workflow.objects.filter(pk=claims.pk).update(automation_window=20, auto_approve_low=True)
    qa_holds_the_lock = threading.Event()
    outcome: list[str] = []

    def qa_switches_it_off() -> None:
        try:
            with transaction.atomic():
                locked = automation._lock(claims)
                automation._set(
                    locked,
                    False,
                    Actor.system("earned automation"),
                    {"reason": "qa"},
                    revoked_by_qa=True,
                )
                qa_holds_the_lock.set()
                time.sleep(0.5)  # the owner's switch-on arrives meanwhile
        finally:
            connection.close()

    def owner_switches_it_on() -> None:
        try:
            qa_holds_the_lock.wait(10)
            automation.switch_on(workflow=claims, actor=Actor.system("owner stand-in"))
            outcome.append("switched on")
        except automation.NotEarned as refusal:
            outcome.append(str(refusal))
        finally:
            connection.close()

    threads = [
        threading.Thread(target=qa_switches_it_off),
        threading.Thread(target=owner_switches_it_on),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)

    [said] = outcome
    assert "since QA results switched it off" in said
    claims.refresh_from_db()
    assert claims.auto_approve_low is False and claims.automation_revoked_at is not None
    changes = AuditEntry.objects.filter(action="workflow.automation_changed")
    assert [entry.data["after"] for entry in changes] == [{"auto_approve_low": False}]
