"""Property-based fuzzing of the whole REST API from its own OpenAPI schema (schemathesis):
whatever a producer or a person sends, the answer is never a server error and always matches
what the schema documents."""

from __future__ import annotations

import os

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from rest_framework.throttling import SimpleRateThrottle
from schemathesis import GenerationMode
from schemathesis.specs.openapi import checks

from audit.actors import Actor
from reviewqueue.services.tokens import issue_token
from workflows.models import Workflow
from workflows.services.keys import create_producer_key

pytestmark = pytest.mark.django_db

# Producers' operations; every other one is called as the admin (who may see everything).
PRODUCER_OPERATIONS = {
    ("POST", "/api/v1/drafts"),
    ("POST", "/api/v1/drafts/batch"),
    ("DELETE", "/api/v1/drafts/{draft_id}"),
}


@pytest.fixture(autouse=True)
def requests_keep_the_test_connection():
    """Requests run inside the test's transaction, as Django's own test client runs them: the
    handler must not close the connection at the end of each request."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture(autouse=True)
def no_throttling(monkeypatch):
    """Hundreds of requests a second from one key: the throttle's 429 is tested elsewhere."""
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", {"producer": None, "person": None})


@pytest.fixture
def secrets(demo) -> dict[str, str]:
    from django.contrib.auth.models import User

    _key, producer = create_producer_key(
        workflow=Workflow.objects.get(slug="claims-intake-summary"), actor=Actor.system("fuzz")
    )
    _token, person = issue_token(
        user=User.objects.get(username="admin"), actor=Actor.system("fuzz")
    )
    return {"producer": producer, "person": person}


# Loaded from the running application, as a client would (the schema view needs no database).
schema = schemathesis.openapi.from_wsgi("/api/schema/", get_wsgi_application())
# Valid requests and invalid ones (wrong types, missing fields, out-of-range values).
schema.config.generation.update(modes=[GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
# A body over the size cap is refused with 413 before anyone reads it.
schema.config.checks.negative_data_rejection.expected_statuses.append("413")


# CI replays the same examples on every run, so a landing never hangs on a lucky draw; hunt for
# new failures with RQ_FUZZ_EXPLORE=1 (fresh random examples) and RQ_FUZZ_EXAMPLES=500.
EXPLORE = os.environ.get("RQ_FUZZ_EXPLORE") == "1"
EXAMPLES = int(os.environ.get("RQ_FUZZ_EXAMPLES", "40"))


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    derandomize=not EXPLORE,
    database=None,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
def test_generated_requests_get_documented_answers(case, secrets, demo):
    who = (
        "producer"
        if (case.operation.method.upper(), case.operation.path) in PRODUCER_OPERATIONS
        else "person"
    )
    case.call_and_validate(
        headers={"Authorization": f"Bearer {secrets[who]}"},
        checks=[
            schemathesis.checks.not_a_server_error,
            checks.status_code_conformance,
            checks.content_type_conformance,
            checks.response_schema_conformance,
            checks.negative_data_rejection,  # invalid input is refused, never stored
        ],
    )
