"""Per-key request throttling, counted in the real Redis; it fails open when Redis is gone."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.test import override_settings

from reviewqueue.api.throttles import ProducerRateThrottle
from tests.conftest import producer_client
from tests.reviewqueue.helpers import draft_body, error_code, post_json

pytestmark = pytest.mark.django_db


@pytest.fixture
def three_per_minute(monkeypatch):
    monkeypatch.setattr(ProducerRateThrottle, "THROTTLE_RATES", {"producer": "3/min"})
    cache.clear()
    yield
    cache.clear()


def test_the_fourth_request_in_a_minute_is_429_with_retry_after(claims, three_per_minute):
    client, _ = producer_client(claims)
    other, _ = producer_client(claims)
    for _ in range(3):
        assert post_json(client, "/api/v1/drafts", draft_body()).status_code == 201
    throttled = post_json(client, "/api/v1/drafts", draft_body(external_id="throttled-one"))
    assert throttled.status_code == 429
    assert error_code(throttled) == "throttled"
    assert int(throttled["Retry-After"]) > 0
    # Each key has its own allowance.
    assert post_json(other, "/api/v1/drafts", draft_body()).status_code == 201
    assert cache.client.get_client().keys("*throttle:producer:*")  # counted in Redis


def test_throttling_fails_open_when_redis_is_unreachable(claims, three_per_minute):
    dead = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
            "OPTIONS": {"IGNORE_EXCEPTIONS": True, "SOCKET_CONNECT_TIMEOUT": 0.2},
        }
    }
    client, _ = producer_client(claims)
    with override_settings(CACHES=dead):
        statuses = [post_json(client, "/api/v1/drafts", draft_body()).status_code for _ in range(5)]
    assert statuses == [201] * 5
