"""Queries per request on the hot paths (DESIGN: ingest, claim, decide, queue list): a fixed
number, whatever the number of drafts, queues or decisions around them."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from reviewqueue.models import Draft
from tests.conftest import person_client
from tests.reviewqueue.review_helpers import make_drafts

pytestmark = pytest.mark.django_db


def count(call) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = call()
    assert response.status_code < 400, response.content
    return len(queries)


@pytest.fixture
def waiting(claims):
    Draft.objects.update(status="approved")
    return make_drafts(claims, 60)


def test_claim_and_decide_cost_a_fixed_number_of_queries(waiting, django_assert_max_num_queries):
    adjuster = person_client("adjuster")
    adjuster.get("/api/v1/queues")  # the token's first use (last_used_at) is not the claim's
    with django_assert_max_num_queries(15):  # two of them read the database clock
        claimed = adjuster.post("/api/v1/queues/claims-standard/claim")
    assert claimed.status_code == 200
    with django_assert_max_num_queries(13):
        decided = adjuster.post(
            f"/api/v1/drafts/{claimed.json()['id']}/decisions", {"action": "approve"}, format="json"
        )
    assert decided.status_code == 201


def test_the_queue_list_does_not_grow_with_queues_or_drafts(waiting, claims):
    senior = person_client("senior_adjuster")
    senior.get("/api/v1/queues")  # the token's first use
    few = count(lambda: senior.get("/api/v1/queues"))
    make_drafts(claims, 40, consequence="high")
    make_drafts(claims, 10, consequence="critical")
    assert count(lambda: senior.get("/api/v1/queues")) == few
    assert few <= 5


def test_the_draft_list_does_not_grow_with_its_page(waiting, claims):
    admin = person_client("senior_adjuster")
    admin.get("/api/v1/queues")  # the token's first use
    five = count(lambda: admin.get("/api/v1/drafts", {"page_size": 5}))
    fifty = count(lambda: admin.get("/api/v1/drafts", {"page_size": 50}))
    assert fifty == five and five <= 4
