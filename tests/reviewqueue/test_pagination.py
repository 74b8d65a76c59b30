"""A cursor the API did not give out is bad input (400), on every paged list."""

import base64

import pytest

from reviewqueue.models import Draft
from tests.conftest import person_client
from tests.reviewqueue.review_helpers import make_drafts

pytestmark = pytest.mark.django_db

LISTS = [
    ("admin", "/api/v1/drafts"),
    ("auditor", "/api/v1/audit/entries"),
    ("auditor", "/api/v1/audit/verifications"),
    ("claims_owner", "/api/v1/workflows/claims-intake-summary/callbacks"),
]


def forged(query: str) -> str:
    """A cursor in the API's own encoding (DRF's: base64 of a query string), not signed."""
    return base64.b64encode(query.encode()).decode()


@pytest.mark.parametrize(("who", "path"), LISTS)
def test_an_unreadable_cursor_is_a_400(demo, who, path):
    response = person_client(who).get(path, {"cursor": "not-a-cursor"})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_cursor"
    # And the first page still answers.
    assert person_client(who).get(path).status_code == 200


@pytest.mark.parametrize(("who", "path"), LISTS)
@pytest.mark.parametrize(
    "position",
    ["o=0&p=notadate", "o=0&p=%00", "o=0&p=2026-13-45T99:00", "r=1&p=notadate", "p=" + "9" * 30],
)
def test_a_forged_position_in_a_cursor_is_a_400_not_a_database_error(demo, who, path, position):
    response = person_client(who).get(path, {"cursor": forged(position)})
    assert response.status_code == 400, response.content
    assert response.json()["error"]["code"] == "invalid_cursor"


def test_a_cursor_the_api_gave_out_still_works(demo):
    admin = person_client("admin")
    first = admin.get("/api/v1/drafts", {"page_size": 5}).json()
    second = admin.get(first["next"]).json()
    assert second["results"] and second["results"][0]["id"] != first["results"][0]["id"]


@pytest.mark.parametrize("size", ["null", "0", "-1", "1.5", "", "²", "١٢"])
def test_an_unreadable_page_size_is_a_400(demo, size):
    response = person_client("admin").get("/api/v1/drafts", {"page_size": size})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_page_size"


def test_a_page_size_above_the_maximum_is_capped(claims):
    make_drafts(claims, 201 - Draft.objects.count())  # one more than the largest page
    response = person_client("admin").get("/api/v1/drafts", {"page_size": "100000"})
    assert response.status_code == 200
    page = response.json()
    assert len(page["results"]) == 200 and page["next"]
    rest = person_client("admin").get(page["next"]).json()
    assert len(rest["results"]) == 1 and rest["next"] is None
