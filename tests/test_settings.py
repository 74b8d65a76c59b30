"""Settings come from the environment; a bad value stops start-up with a message naming it."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


SHOWN = "s.DATABASES['default']['ENGINE'], s.DEBUG, s.CELERY_BROKER_URL"


def start(shown: str = SHOWN, **env: str) -> subprocess.CompletedProcess:
    """Start Django with these environment variables and print the settings `shown` names."""
    return subprocess.run(
        [
            sys.executable,
            "-c",
            f"import django; django.setup(); from django.conf import settings as s; print({shown})",
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


def test_a_mistyped_switch_or_rate_stops_start_up_instead_of_meaning_off():
    # env.bool would read "ture" as false: HTTPS redirects quietly off in production.
    for name, value, says in [
        ("SECURE_SSL_REDIRECT", "ture", "SECURE_SSL_REDIRECT must be true or false"),
        ("DEBUG", "maybe", "DEBUG must be true or false"),
        ("SECURE_HSTS_SECONDS", "-1", "SECURE_HSTS_SECONDS must be at least 0"),
        ("DB_CONN_MAX_AGE", "ten", "DB_CONN_MAX_AGE must be a whole number"),
        ("RQ_SIGNIN_RATE_PER_CLIENT", "30 per minute", "RQ_SIGNIN_RATE_PER_CLIENT must be a count"),
        ("RQ_PRODUCER_THROTTLE_RATE", "6000/fortnight", "RQ_PRODUCER_THROTTLE_RATE must be 'none'"),
        ("LOG_LEVEL", "LOUD", "LOG_LEVEL must be DEBUG"),
    ]:
        # DB_CONN_MAX_AGE is read for PostgreSQL only.
        result = start(**{name: value, "DATABASE_URL": "postgres://u@db.internal/rq"})
        assert result.returncode != 0, name
        assert says in result.stderr, result.stderr[-500:]


def test_switches_and_rates_read_in_their_usual_spellings():
    result = start(
        "s.SECURE_SSL_REDIRECT, s.BEHIND_TLS_PROXY, "
        "s.REST_FRAMEWORK['DEFAULT_THROTTLE_RATES']['producer'], s.RQ_SIGNIN_RATE_PER_CLIENT",
        SECURE_SSL_REDIRECT="No",
        BEHIND_TLS_PROXY=" TRUE ",
        RQ_PRODUCER_THROTTLE_RATE="None",
        RQ_SIGNIN_RATE_PER_CLIENT="5/h",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["False", "True", "None", "5/h"]


def test_two_embedded_writers_wait_for_each_other_instead_of_failing(tmp_path):
    # Each reads, then writes, in one transaction, at the same time: as a claim does while the
    # worker seals the audit log. SQLite fails such a reader's write at once ("database is
    # locked") unless transactions take the write lock when they begin.
    script = (
        "import time, django; django.setup()\n"
        "from django.db import connection, transaction\n"
        "with transaction.atomic(), connection.cursor() as c:\n"
        "    c.execute('SELECT count(*) FROM t')\n"
        "    time.sleep(0.5)\n"
        "    c.execute('INSERT INTO t VALUES (1)')\n"
    )
    env = {
        "PATH": os.environ["PATH"],
        "DJANGO_SETTINGS_MODULE": "reviewqueue.settings",
        "RQ_VAR_DIR": str(tmp_path),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
    }
    setup = "import django; django.setup()\nfrom django.db import connection\n"
    setup += "connection.cursor().execute('CREATE TABLE t (n integer)')\n"
    subprocess.run([sys.executable, "-c", setup], cwd=ROOT, env=env, check=True, timeout=60)

    writers = [
        subprocess.Popen(
            [sys.executable, "-c", script], cwd=ROOT, env=env, stderr=subprocess.PIPE, text=True
        )
        for _ in range(2)
    ]
    errors = [writer.communicate(timeout=60)[1] for writer in writers]

    assert [writer.returncode for writer in writers] == [0, 0], errors
    with sqlite3.connect(tmp_path / "db.sqlite3") as db:
        assert db.execute("SELECT count(*) FROM t").fetchone() == (2,)
