"""Every cell of role × action against the demo organisation.

People see and work only the queues their roles hold rights on; anything else answers 404,
exactly as for a missing id. Producers work only the ingest side.
"""

from __future__ import annotations

import pytest

from reviewqueue.models import Draft
from tests.conftest import person_client, producer_client

pytestmark = pytest.mark.django_db

CLAIMS_QUEUES = {
    "claims-standard",
    "claims-senior",
    "claims-critical",
    "claims-escalations",
    "claims-qa",
}
FINANCE_QUEUES = {"finance-review", "finance-critical", "finance-escalations"}
REVIEWS = {
    "adjuster": {"claims-standard"},
    "senior_adjuster": CLAIMS_QUEUES,
    "controller": FINANCE_QUEUES,
    "auditor": set(),
    "claims_owner": set(),
    "finance_owner": set(),
    "admin": CLAIMS_QUEUES | FINANCE_QUEUES,
}
ACTIONS = ["list", "view", "claim", "decide", "release"]
TARGET_QUEUES = ["claims-standard", "claims-senior", "finance-review"]
ALLOWED = {"list": "listed", "view": 200, "claim": 200, "decide": 201, "release": 200}
HIDDEN = {"list": "not listed", "view": 404, "claim": 404, "decide": 404, "release": 404}


def a_waiting_draft(slug: str) -> Draft:
    return Draft.objects.filter(queue__slug=slug, status__in=Draft.CLAIMABLE_STATUSES).first()


def attempt(client, action: str, slug: str):
    """What the caller gets for `action` on queue `slug` (claiming first where it must)."""
    target = a_waiting_draft(slug)
    if action == "list":
        response = client.get("/api/v1/drafts", {"queue": slug, "page_size": 200})
        if response.status_code != 200:
            return response.status_code
        ids = {d["id"] for d in response.json()["results"]}
        return "listed" if str(target.pk) in ids else "not listed"
    if action == "view":
        return client.get(f"/api/v1/drafts/{target.pk}").status_code
    claimed = client.post(f"/api/v1/queues/{slug}/claim")
    if action == "claim" or claimed.status_code != 200:
        return claimed.status_code if action == "claim" else _on(client, action, target.pk)
    return _on(client, action, claimed.json()["id"])


def _on(client, action: str, draft_id) -> int:
    if action == "decide":
        path, body = f"/api/v1/drafts/{draft_id}/decisions", {"action": "approve"}
    else:
        path, body = f"/api/v1/drafts/{draft_id}/release", None
    return client.post(path, body, format="json").status_code


@pytest.mark.parametrize("slug", TARGET_QUEUES)
@pytest.mark.parametrize("action", ACTIONS)
@pytest.mark.parametrize("role", list(REVIEWS))
def test_person_matrix(demo, role, action, slug):
    expected = (ALLOWED if slug in REVIEWS[role] else HIDDEN)[action]
    assert attempt(person_client(role), action, slug) == expected


PRODUCER = {"list": 403, "claim": 403, "decide": 403, "release": 403}


@pytest.mark.parametrize("slug", TARGET_QUEUES)
@pytest.mark.parametrize("action", ACTIONS)
def test_producer_matrix(claims, action, slug):
    client, _key = producer_client(claims)
    target = a_waiting_draft(slug)
    if action == "view":
        expected = 200 if slug.startswith("claims") else 404
        assert client.get(f"/api/v1/drafts/{target.pk}").status_code == expected
        return
    if action == "list":
        status = client.get("/api/v1/drafts").status_code
    elif action == "claim":
        status = client.post(f"/api/v1/queues/{slug}/claim").status_code
    else:
        status = _on(client, action, target.pk)
    assert status == PRODUCER[action]
    assert a_waiting_draft(slug).pk == target.pk  # nothing was claimed or decided
