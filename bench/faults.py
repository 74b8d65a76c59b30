"""Fault drill: PostgreSQL restarted and Redis stopped under load, then the invariants checked.

    uv run python bench/faults.py [--seconds 8]

Runs gunicorn on a fresh database with producers ingesting (each retrying the same draft, same
external_id, until it is accepted) and reviewers claiming and approving, then:
  1. restarts PostgreSQL (`pg_ctlcluster … restart -m fast`) mid-load;
  2. stops Redis (`redis-cli shutdown nosave`) for a few seconds, then starts it again.
It prints, per phase, requests answered, errors and the longest request, how long until the
first success after the fault, and then checks: every accepted external_id is stored exactly
once, no draft has two final decisions, the audit chain verifies. Exit 1 if an invariant fails.
Needs to run where it may restart the machine's PostgreSQL and Redis (not during a test run).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import httpx  # noqa: E402
import psycopg  # noqa: E402

from bench.common import fresh_database, gunicorn, manage, say, server_env  # noqa: E402

REDIS_START = ["redis-server", "--daemonize", "yes", "--bind", "127.0.0.1", "--port", "6379"]
REDIS_START += ["--save", "", "--appendonly", "no"]


@dataclass
class Log:
    lock: threading.Lock = field(default_factory=threading.Lock)
    calls: list[tuple[float, float, int]] = field(default_factory=list)  # start, seconds, status
    accepted: set[str] = field(default_factory=set)

    def add(self, started: float, status: int) -> None:
        with self.lock:
            self.calls.append((started, time.monotonic() - started, status))


def producer(base: str, key: str, n: int, stop: threading.Event, log: Log) -> None:
    with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {key}"}, timeout=15) as c:
        i = 0
        while not stop.is_set():
            body = {
                "external_id": f"f-{n}-{i}",
                "content": f"Fault drill {n}/{i}.",
                "consequence": "low",
                "confidence": 0.9,
            }
            while not stop.is_set():  # the same draft again until it is accepted
                started = time.monotonic()
                try:
                    status = c.post("/api/v1/drafts", json=body).status_code
                except httpx.HTTPError:
                    status = 0
                log.add(started, status)
                if status in (200, 201):
                    with log.lock:
                        log.accepted.add(body["external_id"])
                    break
                time.sleep(0.1)
            i += 1


def reviewer(base: str, token: str, stop: threading.Event, log: Log) -> None:
    with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {token}"}, timeout=15) as c:
        while not stop.is_set():
            started = time.monotonic()
            try:
                claimed = c.post("/api/v1/queues/claims-standard/claim")
                log.add(started, claimed.status_code)
                if claimed.status_code == 200:
                    started = time.monotonic()
                    decided = c.post(
                        f"/api/v1/drafts/{claimed.json()['id']}/decisions",
                        json={"action": "approve"},
                    )
                    log.add(started, decided.status_code)
                else:
                    time.sleep(0.05)
            except httpx.HTTPError:
                log.add(started, 0)
                time.sleep(0.1)


def report(name: str, log: Log, fault_at: float, fault_end: float) -> None:
    during = [c for c in log.calls if fault_at <= c[0] <= fault_end]
    failed = [c for c in during if c[2] == 0 or c[2] >= 500]
    after_ok = [c[0] + c[1] for c in log.calls if c[0] >= fault_at and c[2] in (200, 201, 204)]
    first_ok = min(after_ok) - fault_end if after_ok else float("nan")
    longest = max((c[1] for c in during), default=0.0)
    kinds = Counter("no answer" if c[2] == 0 else str(c[2]) for c in failed)
    say(
        f"{name:<22} {len(during):>6} calls during the fault, {len(failed):>5} errors "
        f"{dict(kinds) or ''}, longest {longest:5.2f} s, "
        f"first success {max(first_ok, 0):5.2f} s after it ended"
    )


def phase(name, base, secrets, seconds, fault) -> Log:
    log, stop = Log(), threading.Event()
    threads = [
        threading.Thread(target=producer, args=(base, secrets["producer"], n, stop, log))
        for n in range(6)
    ] + [threading.Thread(target=reviewer, args=(base, t, stop, log)) for t in secrets["people"]]
    for t in threads:
        t.start()
    time.sleep(seconds / 2)
    fault_at = time.monotonic()
    fault()
    fault_end = time.monotonic()
    time.sleep(seconds)
    stop.set()
    for t in threads:
        t.join()
    report(name, log, fault_at, fault_end)
    return log


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument("--database", default="reviewqueue_fault_drill")
    args = parser.parse_args()
    say("Fault drill")
    url = fresh_database(args.database)
    env = {
        **server_env(url),
        "RQ_PRODUCER_THROTTLE_RATE": "1000000/min",
        "RQ_PERSON_THROTTLE_RATE": "1000000/min",
    }  # the cache (Redis) is on the path
    secrets = {
        "producer": manage("create_producer_key", "claims-intake-summary", env=env).split()[-1],
        "people": [
            manage("issue_token", who, env=env).split()[-1]
            for who in ("adjuster", "senior_adjuster", "senior_adjuster2")
        ],
    }
    cluster = subprocess.run(
        ["ls", "/etc/postgresql"], capture_output=True, text=True
    ).stdout.split()[0]
    logs = []
    with gunicorn(url, 3, env=env) as base:
        logs.append(
            phase(
                "PostgreSQL restart",
                base,
                secrets,
                args.seconds,
                lambda: subprocess.run(
                    [
                        "pg_ctlcluster",
                        "--skip-systemctl-redirect",
                        cluster,
                        "main",
                        "restart",
                        "-m",
                        "fast",
                    ],
                    check=True,
                ),
            )
        )

        def redis_outage():
            subprocess.run(["redis-cli", "shutdown", "nosave"], capture_output=True)
            time.sleep(3)
            subprocess.run(REDIS_START, check=True, capture_output=True)

        logs.append(phase("Redis down for 3 s", base, secrets, args.seconds, redis_outage))

    accepted = set().union(*(log.accepted for log in logs))
    with psycopg.connect(url) as conn:
        stored = dict(
            conn.execute(
                "SELECT external_id, count(*) FROM reviewqueue_draft WHERE external_id LIKE 'f-%%' "
                "GROUP BY external_id"
            ).fetchall()
        )
        double = conn.execute(
            "SELECT count(*) FROM (SELECT draft_id FROM reviewqueue_decision WHERE is_final "
            "GROUP BY draft_id HAVING count(*) > 1) AS d"
        ).fetchone()[0]
    missing = accepted - set(stored)
    duplicated = [k for k, n in stored.items() if n > 1]
    verify = subprocess.run(
        [sys.executable, "manage.py", "verify_audit"],
        cwd=Path(__file__).parent.parent,
        env=env,
        capture_output=True,
        text=True,
    )
    say("")
    say(
        f"accepted drafts {len(accepted):,}; stored {len(stored):,}; missing {len(missing)}; "
        f"stored twice {len(duplicated)}; drafts with two final decisions {double}"
    )
    say(
        f"audit chain: {verify.stdout.strip().splitlines()[-1] if verify.stdout else verify.stderr}"
    )
    ok = not missing and not duplicated and not double and verify.returncode == 0
    say("invariants hold" if ok else "INVARIANT BROKEN")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
