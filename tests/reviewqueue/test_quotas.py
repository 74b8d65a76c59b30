"""Daily draft limits and monthly budgets: 429 with their own codes, nothing stored."""

from __future__ import annotations

import threading
from decimal import Decimal

import pytest
from django.db import connection

from reviewqueue.models import Draft
from tests.conftest import producer_client
from tests.reviewqueue.helpers import draft_body, error_code, post_json
from workflows.models import Workflow, WorkflowUsage

DRAFTS = "/api/v1/drafts"


def limit_today(workflow: Workflow, limit: int) -> None:
    """A daily limit, on a day nothing has been sent yet (the demo's drafts count otherwise)."""
    workflow.daily_draft_limit = limit
    workflow.save()
    WorkflowUsage.objects.filter(workflow=workflow).delete()


@pytest.mark.django_db
def test_daily_limit_refuses_the_draft_over_it(finance, finance_producer):
    limit_today(finance, 2)
    assert post_json(finance_producer, DRAFTS, draft_body()).status_code == 201
    assert post_json(finance_producer, DRAFTS, draft_body()).status_code == 201
    refused = post_json(finance_producer, DRAFTS, draft_body(external_id="third-today"))
    assert refused.status_code == 429
    assert error_code(refused) == "quota_exceeded"
    assert not Draft.objects.filter(external_id="third-today").exists()


@pytest.mark.django_db
def test_replays_do_not_count_against_the_daily_limit(finance, finance_producer):
    limit_today(finance, 1)
    body = draft_body()
    assert post_json(finance_producer, DRAFTS, body).status_code == 201
    assert post_json(finance_producer, DRAFTS, body).status_code == 200
    usage = WorkflowUsage.objects.get(workflow=finance, period="day")
    assert usage.drafts == 1


@pytest.mark.django_db
def test_monthly_budget_refuses_a_draft_that_would_exceed_it(claims, claims_producer):
    claims.monthly_budget_usd = Decimal("0.01")
    claims.save()
    WorkflowUsage.objects.filter(workflow=claims).delete()
    assert post_json(claims_producer, DRAFTS, draft_body(cost={"usd": "0.006"})).status_code == 201
    refused = post_json(
        claims_producer, DRAFTS, draft_body(external_id="pricey", cost={"usd": "0.005"})
    )
    assert refused.status_code == 429
    assert error_code(refused) == "budget_exceeded"
    assert not Draft.objects.filter(external_id="pricey").exists()
    # A cheaper draft still fits in what is left.
    assert post_json(claims_producer, DRAFTS, draft_body(cost={"usd": "0.004"})).status_code == 201


@pytest.mark.django_db
def test_batch_accepts_drafts_until_the_limit_then_refuses_each(finance, finance_producer):
    limit_today(finance, 3)
    items = [draft_body(external_id=f"q-{i}") for i in range(5)]
    results = post_json(finance_producer, f"{DRAFTS}/batch", {"drafts": items}).json()["results"]
    assert [r["status"] for r in results] == [201, 201, 201, 429, 429]
    assert results[3]["error"]["code"] == "quota_exceeded"


@pytest.mark.django_db(transaction=True)
def test_concurrent_ingests_never_overshoot_the_daily_limit(demo):
    """Eight threads, each with its own PostgreSQL connection, race for the last slots."""
    finance = Workflow.objects.get(slug="finance-variance")
    limit_today(finance, 5)
    client_key = [producer_client(finance) for _ in range(8)]
    barrier = threading.Barrier(8)
    statuses: list[int] = []
    lock = threading.Lock()

    def send(n: int) -> None:
        client, _key = client_key[n]
        try:
            barrier.wait()
            for i in range(3):
                status = post_json(
                    client, DRAFTS, draft_body(external_id=f"race-{n}-{i}")
                ).status_code
                with lock:
                    statuses.append(status)
        finally:
            connection.close()

    threads = [threading.Thread(target=send, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(statuses).count(201) == 5
    assert statuses.count(429) == 19
    assert Draft.objects.filter(workflow=finance, external_id__startswith="race-").count() == 5
