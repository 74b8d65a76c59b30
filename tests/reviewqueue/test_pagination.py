"""A cursor the API did not give out is bad input (400), on every paged list."""

import pytest

from tests.conftest import person_client

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("who", "path"),
    [
        ("admin", "/api/v1/drafts"),
        ("auditor", "/api/v1/audit/entries"),
        ("claims_owner", "/api/v1/workflows/claims-intake-summary/callbacks"),
    ],
)
def test_an_unreadable_cursor_is_a_400(demo, who, path):
    response = person_client(who).get(path, {"cursor": "not-a-cursor"})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_cursor"
    # And the first page still answers.
    assert person_client(who).get(path).status_code == 200


@pytest.mark.parametrize("size", ["null", "0", "-1", "1.5", ""])
def test_an_unreadable_page_size_is_a_400(demo, size):
    response = person_client("admin").get("/api/v1/drafts", {"page_size": size})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_page_size"


def test_a_page_size_above_the_maximum_is_capped(demo):
    response = person_client("admin").get("/api/v1/drafts", {"page_size": "100000"})
    assert response.status_code == 200 and len(response.json()["results"]) <= 200
