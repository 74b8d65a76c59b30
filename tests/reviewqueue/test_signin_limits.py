"""Sign-in attempts are limited per client and per username (429 past the limit), so failed
sign-ins, each an audit entry, cannot be tried or logged without end."""

from __future__ import annotations

import uuid

import pytest
from django.test import Client, override_settings

from audit.models import AuditEntry

pytestmark = pytest.mark.django_db


def attempt(client: Client, username: str, path: str = "/login/"):
    return client.post(path, {"username": username, "password": "wrong"})


def failures(username: str) -> int:
    return AuditEntry.objects.filter(action="auth.login_failed", data__username=username).count()


def a_client() -> Client:
    # Each test its own address: the counters live in the shared cache.
    return Client(REMOTE_ADDR=f"10.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}.7")


def test_a_very_long_username_is_refused_and_logged_not_an_error(demo):
    name = "u" * 150
    response = attempt(a_client(), name)
    assert response.status_code == 200
    assert "didn't match" in response.content.decode()
    entry = AuditEntry.objects.get(action="auth.login_failed", data__username=name)
    assert entry.object_id == name[:64]


@override_settings(RQ_SIGNIN_RATE_PER_USERNAME="3/m")
def test_one_username_gets_three_tries_a_minute_from_anywhere(demo):
    name = f"victim-{uuid.uuid4().hex[:8]}"
    for _ in range(3):
        assert attempt(a_client(), name).status_code == 200
    refused = attempt(a_client(), name)
    assert refused.status_code == 429
    assert refused["Retry-After"] == "60"
    assert "Too many sign-in attempts" in refused.content.decode()
    assert failures(name) == 3  # the refused attempt never reached the password check
    assert attempt(a_client(), f"other-{uuid.uuid4().hex[:8]}").status_code == 200


@override_settings(RQ_SIGNIN_RATE_PER_CLIENT="5/m")
def test_one_client_gets_five_tries_a_minute_whatever_the_usernames(demo):
    client = a_client()
    for n in range(5):
        assert attempt(client, f"guess-{uuid.uuid4().hex[:6]}-{n}").status_code == 200
    assert attempt(client, "adjuster").status_code == 429
    assert attempt(client, "adjuster", "/admin/login/").status_code == 429
    assert attempt(a_client(), f"guess-{uuid.uuid4().hex[:6]}").status_code == 200


@override_settings(RQ_SIGNIN_RATE_PER_CLIENT="2/m", BEHIND_TLS_PROXY=True)
def test_behind_the_proxy_each_client_counts_by_the_address_the_proxy_saw(demo):
    proxy = Client(REMOTE_ADDR="127.0.0.1")
    one = {"HTTP_X_FORWARDED_FOR": "6.6.6.6, 10.1.1.1"}  # the first entry is the client's claim
    two = {"HTTP_X_FORWARDED_FOR": "10.1.1.2"}
    for _ in range(2):
        assert proxy.post("/login/", {"username": "a", "password": "b"}, **one).status_code == 200
    assert proxy.post("/login/", {"username": "a2", "password": "b"}, **one).status_code == 429
    assert proxy.post("/login/", {"username": "a3", "password": "b"}, **two).status_code == 200


def test_signing_in_still_works(demo):
    client = a_client()
    response = client.post("/login/", {"username": "adjuster", "password": "demo-password"})
    assert response.status_code == 302
