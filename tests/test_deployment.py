"""Production settings as a new deployment gets them: Django's deploy checks pass at warning
level, and the settings the reliability catalogue names hold."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PRODUCTION = {
    "DEBUG": "0",
    "SECRET_KEY": "a-production-style-secret-" + "x" * 40,
    "ALLOWED_HOSTS": "reviewqueue.example.com",
    "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/postgres",
    "REDIS_URL": "redis://127.0.0.1:6379/13",
    "DJANGO_SETTINGS_MODULE": "reviewqueue.settings",
}
_DUMP = """
import json
from django.conf import settings
import django
django.setup()
from reviewqueue.celery import app
rf = settings.REST_FRAMEWORK
print(json.dumps({
    "debug": settings.DEBUG,
    "upload_max": settings.DATA_UPLOAD_MAX_MEMORY_SIZE,
    "health_checks": settings.DATABASES["default"]["CONN_HEALTH_CHECKS"],
    "permissions": rf["DEFAULT_PERMISSION_CLASSES"],
    "authentication": rf["DEFAULT_AUTHENTICATION_CLASSES"],
    "renderers": rf["DEFAULT_RENDERER_CLASSES"],
    "session_engine": settings.SESSION_ENGINE,
    "acks_late": app.conf.task_acks_late,
    "reject_on_worker_lost": app.conf.task_reject_on_worker_lost,
    "visibility_timeout": app.conf.broker_transport_options.get("visibility_timeout"),
    "ssl_redirect": settings.SECURE_SSL_REDIRECT,
    "hsts": settings.SECURE_HSTS_SECONDS,
    "secure_cookies": [settings.SESSION_COOKIE_SECURE, settings.CSRF_COOKIE_SECURE],
}))
"""


def run(*args: str) -> subprocess.CompletedProcess:
    # Not the test process's own switches (the browser tests allow sync DB calls in async code).
    inherited = {k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    env = {**inherited, **PRODUCTION, "RQ_VAR_DIR": "/tmp/reviewqueue-deploy-check"}
    return subprocess.run(
        [sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


def test_django_deploy_checks_pass_at_warning_level():
    result = run("manage.py", "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stdout + result.stderr


def test_production_settings_hold_what_the_catalogue_asks():
    result = run("-c", _DUMP)
    assert result.returncode == 0, result.stderr
    got = json.loads(result.stdout.strip().splitlines()[-1])
    assert got["debug"] is False
    assert got["upload_max"] and got["upload_max"] <= 64 * 1024 * 1024
    assert got["health_checks"] is True
    assert "rest_framework.permissions.AllowAny" not in got["permissions"]
    assert not any("BasicAuthentication" in a for a in got["authentication"])
    assert got["renderers"] == ["rest_framework.renderers.JSONRenderer"]  # no browsable API
    assert got["session_engine"] == "django.contrib.sessions.backends.db"
    assert got["acks_late"] is True and got["reject_on_worker_lost"] is True
    # Longer than the longest task run or retry countdown (callbacks retry through the outbox).
    assert got["visibility_timeout"] >= 2 * 60 * 60
    assert got["ssl_redirect"] is True and got["hsts"] >= 180 * 24 * 3600
    assert got["secure_cookies"] == [True, True]


def test_the_openapi_schema_is_valid_and_generates_without_warnings(tmp_path):
    result = run(
        "manage.py",
        "spectacular",
        "--validate",
        "--fail-on-warn",
        "--file",
        str(tmp_path / "s.yml"),
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "/api/v1/drafts" in (tmp_path / "s.yml").read_text()
