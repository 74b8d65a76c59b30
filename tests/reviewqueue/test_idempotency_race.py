"""Two producers' retries racing on PostgreSQL store one draft, never two and never a 500."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from audit.models import AuditEntry
from reviewqueue.models import Draft
from tests.conftest import producer_client
from tests.reviewqueue.helpers import draft_body, post_json
from workflows.models import Workflow


@pytest.mark.django_db(transaction=True)
def test_concurrent_posts_of_one_external_id_store_it_once(demo):
    claims = Workflow.objects.get(slug="claims-intake-summary")
    clients = [producer_client(claims)[0] for _ in range(8)]
    body = draft_body(external_id="retry-storm")
    barrier = threading.Barrier(len(clients))
    statuses: list[int] = []

    def send(client) -> None:
        try:
            barrier.wait()
            statuses.append(post_json(client, "/api/v1/drafts", body).status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=send, args=(c,)) for c in clients]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert sorted(statuses) == [200] * 7 + [201]
    draft = Draft.objects.get(external_id="retry-storm")
    assert AuditEntry.objects.filter(object_id=str(draft.pk)).count() == 2
