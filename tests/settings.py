"""Test settings: the real services (PostgreSQL and Redis on loopback unless told otherwise)."""

import os

os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/reviewqueue")
os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/15")
os.environ.setdefault("RQ_VAR_DIR", "/tmp/reviewqueue-test-var")

from reviewqueue.settings import *  # noqa: E402, F403

# Hashing demo passwords with the production hasher would dominate the suite's run time.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# Celery tasks run inline in tests (a real worker is exercised by the Redis-outage test);
# callback receivers in tests listen on loopback.
CELERY_TASK_ALWAYS_EAGER = True
# The test client and the browser tests' live server speak plain HTTP.
SECURE_SSL_REDIRECT = False
RQ_CALLBACK_ALLOW_PRIVATE = True

# Two runs on one machine (a developer and CI, say) each need their own test database.
DATABASES["default"]["TEST"] = {"NAME": os.environ.get("RQ_TEST_DB", "test_reviewqueue")}  # noqa: F405

# Sign-in limits are tested on their own (tests/reviewqueue/test_signin_limits.py); elsewhere the
# suite signs the demo people in far more often than anyone would.
RQ_SIGNIN_RATE_PER_CLIENT = "100000/m"
RQ_SIGNIN_RATE_PER_USERNAME = "100000/m"

# Each run keeps its own keys in the shared Redis (throttle counters, the /metrics reading).
CACHES["default"]["KEY_PREFIX"] = DATABASES["default"]["TEST"]["NAME"]  # noqa: F405
# /metrics counts at every scrape unless a test asks for the shared reading.
RQ_METRICS_CACHE_SECONDS = 0
