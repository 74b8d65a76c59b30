"""Shared by the benchmarks: a fresh PostgreSQL database, a gunicorn server, percentiles."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import psycopg
import redis

ROOT = Path(__file__).resolve().parent.parent
PG = os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432")


def say(message: str) -> None:
    print(message, flush=True)


def fresh_database(name: str) -> str:
    """Drop and recreate `name`, migrate it and seed the demo; returns its URL."""
    with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    url = f"{PG}/{name}"
    env = server_env(url)
    # And a fresh cache: nothing a server of an earlier run left (throttles, a /metrics reading).
    redis.Redis.from_url(env["REDIS_URL"]).flushdb()
    say(f"  migrating and seeding {name}…")
    manage("migrate", "--no-input", "-v0", env=env)
    manage("seed_demo", "--allow-demo-passwords", "-v0", env=env)
    return url


def server_env(database_url: str) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": database_url,
        "REDIS_URL": os.environ.get("BENCH_REDIS", "redis://127.0.0.1:6379/14"),
        "DEBUG": "0",
        "SECURE_SSL_REDIRECT": "0",  # loopback HTTP, no TLS proxy in front
        "SECRET_KEY": "bench-only-not-secret",
        "RQ_PRODUCER_THROTTLE_RATE": "none",
        "RQ_PERSON_THROTTLE_RATE": "none",
        "LOG_LEVEL": "WARNING",
        "DJANGO_SETTINGS_MODULE": "reviewqueue.settings",
    }


def manage(*args: str, env: dict[str, str]) -> str:
    result = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True
    )
    if result.returncode != 0:
        raise SystemExit(f"manage.py {' '.join(args)} failed:\n{result.stderr}")
    return result.stdout


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def gunicorn(database_url: str, workers: int, env: dict[str, str] | None = None):
    """A production-style server (gunicorn, sync workers) on a free loopback port."""
    port = free_port()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "reviewqueue.wsgi",
            "-w",
            str(workers),
            "-b",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env or server_env(database_url),
    )
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.2)
        else:
            raise SystemExit("gunicorn did not start")
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def percentile(sorted_values: list[float], p: float) -> float:
    if not sorted_values:
        return float("nan")
    index = min(len(sorted_values) - 1, max(0, round(p / 100 * len(sorted_values)) - 1))
    return sorted_values[index]


def latency_summary(latencies: list[float]) -> str:
    ordered = sorted(latencies)
    return " ".join(f"p{p}={percentile(ordered, p) * 1000:.1f}ms" for p in (50, 95, 99))
