"""Deny by default: every URL the resolver knows, called without credentials, is refused unless
it is on the short public list. A new route fails this test until someone decides which it is."""

from __future__ import annotations

import uuid

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.resolvers import RoutePattern

pytestmark = pytest.mark.django_db

# Open to anyone, on purpose.
PUBLIC = {
    "login/": "the sign-in page",
    "logout/": "signing out (POST) is harmless without a session",
    "healthz": "process liveness for the load balancer",
    "readyz": "database and Redis readiness for the load balancer",
    "api/schema/": "the OpenAPI description (no data)",
    "api/docs/": "the interactive API docs (no data)",
}
# Every other route, so that a new one has to be added here (and thought about).
PROTECTED = {
    "",
    "queues/<slug:slug>/",
    "queues/<slug:slug>/claim/",
    "drafts/<draft_id:draft_id>/",
    "drafts/<draft_id:draft_id>/decide/",
    "drafts/<draft_id:draft_id>/release/",
    "drafts/<draft_id:draft_id>/renew/",
    "drafts/<draft_id:draft_id>/claim/",
    "drafts/<draft_id:draft_id>/sources/flag/",
    "drafts/<draft_id:draft_id>/golden/",
    "workflows/<slug:slug>/",
    "workflows/<slug:slug>/automation/",
    "workflows/<slug:slug>/drafts/<draft_id:draft_id>/",
    "workflows/<slug:slug>/callbacks/<str:delivery_id>/resend/",
    "audit/",
    "audit/<int:entry_id>/",
    "audit/verify/",
    "audit/verifications/",
    "audit/verifications/<int:run_id>/",
    "api/v1/drafts",
    "api/v1/drafts/batch",
    "api/v1/drafts/<draft_id:draft_id>",
    "api/v1/drafts/<draft_id:draft_id>/lease",
    "api/v1/drafts/<draft_id:draft_id>/release",
    "api/v1/drafts/<draft_id:draft_id>/decisions",
    "api/v1/drafts/<draft_id:draft_id>/sources/<path:source_id>/flags",
    "api/v1/drafts/<draft_id:draft_id>/golden",
    "api/v1/queues",
    "api/v1/queues/<slug:slug>/claim",
    "api/v1/audit/entries",
    "api/v1/audit/entries/<int:entry_id>",
    "api/v1/audit/export",
    "api/v1/audit/verify",
    "api/v1/audit/verifications",
    "api/v1/audit/verifications/<int:run_id>",
    "api/v1/workflows/<slug:slug>/metrics",
    "api/v1/workflows/<slug:slug>/golden-set",
    "api/v1/workflows/<slug:slug>/sources",
    "api/v1/workflows/<slug:slug>/automation",
    "api/v1/workflows/<slug:slug>/callbacks",
    "api/v1/workflows/<slug:slug>/callbacks/<str:delivery_id>/resend",
    "metrics",  # Prometheus: loopback, staff or the metrics token only
}
SAMPLES = {
    "draft_id": str(uuid.uuid4()),
    "slug": "claims-intake-summary",
    "int": "1",
    "str": "x",
    "path": "1",
}


def routes(patterns=None, prefix: str = ""):
    """(route, concrete path) for every path() route outside the admin, which checks itself."""
    for entry in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(entry, URLResolver):
            if str(entry.pattern) != "admin/":
                yield from routes(entry.url_patterns, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern) and isinstance(entry.pattern, RoutePattern):
            route = prefix + str(entry.pattern)
            concrete = route
            for converter, value in SAMPLES.items():
                while f"<{converter}:" in concrete:
                    start = concrete.index(f"<{converter}:")
                    concrete = concrete[:start] + value + concrete[concrete.index(">", start) + 1 :]
            yield route, "/" + concrete


def test_every_route_is_either_public_or_protected():
    known = set(PUBLIC) | PROTECTED
    found = {route for route, _ in routes()}
    assert found - known == set(), "new routes: add them to PUBLIC or PROTECTED"
    assert known - found == set(), "routes listed here that no longer exist"


@pytest.mark.parametrize("method", ["get", "post", "put", "patch", "delete"])
def test_no_protected_route_answers_without_credentials(demo, method):
    # A client from outside (not loopback, which /metrics lets in), checking CSRF as browsers do.
    client = Client(enforce_csrf_checks=True, REMOTE_ADDR="203.0.113.7")
    answered = {}
    for route, path in routes():
        if route in PUBLIC:
            continue
        response = getattr(client, method)(path)
        refused = response.status_code in (401, 403, 405) or (
            response.status_code == 302 and response["Location"].startswith("/login/")
        )
        if not refused:
            answered[path] = response.status_code
    assert answered == {}


def test_the_admin_sends_strangers_to_its_sign_in(demo):
    client = Client(REMOTE_ADDR="203.0.113.7")
    for path in ("/admin/", "/admin/auth/user/", "/admin/reviewqueue/queue/", "/admin/audit/"):
        response = client.get(path)
        assert response.status_code == 302 and response["Location"].startswith("/admin/login/")


def test_an_unexpected_host_header_is_refused(demo):
    response = Client().get("/login/", HTTP_HOST="reviewqueue.evil.example")
    assert response.status_code == 400


@pytest.mark.parametrize("method", ["put", "patch", "delete", "options"])
@pytest.mark.parametrize("who", ["admin", "producer", None])
def test_a_method_an_api_route_does_not_offer_is_a_405_for_anyone(demo, method, who):
    from audit.models import AuditEntry
    from tests.conftest import person_client, producer_client

    if who == "producer":
        client = producer_client(demo["claims-intake-summary"])[0]
    else:
        client = person_client(who) if who else Client()
    refusals = AuditEntry.objects.filter(action="authz.denied").count()
    answered = {}
    for route, path in routes():
        if not route.startswith("api/v1/"):
            continue
        if method == "delete" and route == "api/v1/drafts/<draft_id:draft_id>":
            continue  # the producer's withdrawal: a method this route does offer
        answered[f"{method.upper()} {path}"] = getattr(client, method)(path).status_code
    assert set(answered.values()) == {405}, answered
    assert AuditEntry.objects.filter(action="authz.denied").count() == refusals


def test_the_method_a_route_offers_to_others_is_refused_not_missing(demo):
    from tests.conftest import person_client

    response = person_client("admin").delete(f"/api/v1/drafts/{uuid.uuid4()}")
    assert response.status_code == 403  # withdrawing is for producers


def test_the_public_routes_only_read(demo):
    client = Client()
    for path in ("/api/docs/", "/api/schema/", "/healthz", "/readyz", "/metrics"):
        for method in ("OPTIONS", "TRACE", "POST", "DELETE"):
            assert client.generic(method, path).status_code == 405, (method, path)


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/workflows/claims-intake-summary/callbacks/%00/resend",
        f"/api/v1/drafts/{uuid.uuid4()}/sources/a%00b/flags",
        "/drafts/%00/",
        "/workflows/claims-intake-summary/callbacks/%00/resend/",
    ],
)
def test_a_nul_in_the_path_is_not_found_not_a_server_error(demo, path):
    from tests.conftest import person_client

    owner = person_client("claims_owner")
    response = owner.post(path)
    assert response.status_code == 404
    if path.startswith("/api/"):
        assert response.json() == {"error": {"code": "not_found", "message": "Not found."}}


def test_an_unknown_host_on_the_api_gets_the_one_error_shape(demo):
    response = Client().get("/api/v1/drafts", HTTP_HOST="reviewqueue.evil.example")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "bad_request"
