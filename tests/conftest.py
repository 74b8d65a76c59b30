"""Shared fixtures: the demo organisation, its personas, and API clients for producers and people.

The suite needs the real PostgreSQL and Redis; if either cannot be reached it fails (it never
skips), naming what is missing.
"""

from __future__ import annotations

import psycopg
import pytest
import redis
from django.conf import settings
from django.contrib.auth.models import User
from django.core.management import call_command
from django.db import connection
from django.test import Client
from rest_framework.test import APIClient

from audit import append_only
from audit.actors import Actor
from reviewqueue.services.tokens import issue_token
from workflows.models import ProducerKey, Workflow
from workflows.services.keys import create_producer_key


@pytest.fixture(scope="session", autouse=True)
def real_services():
    db = settings.DATABASES["default"]
    if connection.vendor != "postgresql":
        pytest.fail(f"tests run on PostgreSQL, but DATABASE_URL points at {connection.vendor}")
    try:
        psycopg.connect(
            host=db["HOST"],
            port=db["PORT"] or 5432,
            user=db["USER"],
            password=db["PASSWORD"],
            dbname="postgres",
            connect_timeout=3,
        ).close()
    except psycopg.Error as exc:
        pytest.fail(f"PostgreSQL at {db['HOST']}:{db['PORT']} is not reachable: {exc}")
    try:
        redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=2).ping()
    except redis.RedisError as exc:
        pytest.fail(f"Redis at {settings.REDIS_URL} is not reachable: {exc}")


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """Seed the demo once for the whole run; each test's transaction rolls back over it."""
    with django_db_blocker.unblock():
        # pytest-django empties the database with TRUNCATE after each transactional test; the
        # audit tables refuse that (tests/audit/test_append_only.py proves the trigger), so the
        # test database alone goes without the TRUNCATE triggers. UPDATE / DELETE stay refused.
        with connection.cursor() as cursor:
            for table in append_only.TABLES:
                cursor.execute(f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table}")
        call_command("seed_demo", "--allow-demo-passwords", verbosity=0, stdout=_Null())


@pytest.fixture
def demo(db):
    """The demo organisation (seeded once per database; transactional tests reseed)."""
    if not Workflow.objects.filter(slug="claims-intake-summary").exists():
        call_command("seed_demo", "--allow-demo-passwords", verbosity=0, stdout=_Null())
    return {w.slug: w for w in Workflow.objects.all()}


class _Null:
    def write(self, *_):
        pass


@pytest.fixture
def claims(demo) -> Workflow:
    return demo["claims-intake-summary"]


@pytest.fixture
def finance(demo) -> Workflow:
    return demo["finance-variance"]


def producer_client(workflow: Workflow, **key_fields) -> tuple[APIClient, ProducerKey]:
    key, secret = create_producer_key(workflow=workflow, actor=Actor.system("test"), **key_fields)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    return client, key


@pytest.fixture
def claims_producer(claims) -> APIClient:
    return producer_client(claims)[0]


@pytest.fixture
def finance_producer(finance) -> APIClient:
    return producer_client(finance)[0]


def person_client(username: str) -> APIClient:
    user = User.objects.get(username=username)
    _token, secret = issue_token(user=user, actor=Actor.system("test"))
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    return client


def signed_in(username: str) -> Client:
    """A browser-like client with a session for a demo person (the pages, not the API)."""
    client = Client()
    client.force_login(User.objects.get(username=username))
    return client


@pytest.fixture
def as_person(demo):
    return person_client
