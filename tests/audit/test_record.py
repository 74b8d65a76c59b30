"""Every event goes through audit.services.record, inside the change's transaction."""

from __future__ import annotations

import pytest
from django.db import transaction

from audit.actors import Actor
from audit.models import AuditEntry
from audit.services import record


@pytest.mark.django_db
def test_unregistered_event_names_are_refused():
    with pytest.raises(ValueError, match="unregistered audit event"):
        record("draft.teleported", actor=Actor.system("t"), object_type="draft", object_id=1)


@pytest.mark.django_db(transaction=True)
def test_an_entry_outside_a_transaction_is_refused():
    before = AuditEntry.objects.count()
    with pytest.raises(RuntimeError, match="inside the transaction"):
        record("draft.received", actor=Actor.system("t"), object_type="draft", object_id=1)
    assert AuditEntry.objects.count() == before


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_change_leaves_no_entry():
    before = AuditEntry.objects.count()
    with pytest.raises(ZeroDivisionError), transaction.atomic():
        record("draft.received", actor=Actor.system("t"), object_type="draft", object_id=1)
        1 / 0  # noqa: B018  the change fails after its entry was written
    assert AuditEntry.objects.count() == before
