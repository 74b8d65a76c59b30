"""Settings come from the environment; a bad value stops start-up with a message naming it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def start(**env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [
            sys.executable,
            "-c",
            "import django; django.setup(); from django.conf import settings; "
            "s = settings; print(s.DATABASES['default']['ENGINE'], s.DEBUG, s.CELERY_BROKER_URL)",
        ],
        cwd=ROOT,
        env={
            "PATH": os.environ["PATH"],
            "DJANGO_SETTINGS_MODULE": "reviewqueue.settings",
            "RQ_VAR_DIR": "/tmp/reviewqueue-settings-test",
            **env,
        },
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_embedded_default_needs_no_configuration():
    result = start()
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["django.db.backends.sqlite3", "False", "filesystem://"]
    assert (Path("/tmp/reviewqueue-settings-test") / "secret_key").stat().st_mode & 0o077 == 0


def test_production_settings_come_from_the_environment():
    result = start(
        DATABASE_URL="postgres://u@db.internal/rq", REDIS_URL="redis://r:6379/0", DEBUG="1"
    )
    assert result.stdout.split() == ["django.db.backends.postgresql", "True", "redis://r:6379/0"]


def test_invalid_values_stop_start_up_naming_the_variable():
    bad_limit = start(RQ_MAX_DRAFT_BODY_BYTES="lots")
    assert bad_limit.returncode != 0
    assert "RQ_MAX_DRAFT_BODY_BYTES must be a whole number" in bad_limit.stderr
    bad_db = start(DATABASE_URL="nosuchscheme://x")
    assert bad_db.returncode != 0
    assert "DATABASE_URL" in bad_db.stderr
