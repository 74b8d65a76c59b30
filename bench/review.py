"""Review benchmark: C reviewers (default 16) claim and decide over HTTP against gunicorn on
PostgreSQL until a queue of N drafts is empty, beside a raw baseline: the same claim
(SELECT ... FOR UPDATE SKIP LOCKED, UPDATE) and decision (UPDATE, INSERT) as plain SQL through
psycopg with C connections. Then claim latency with 10,000 versus 1,000,000 drafts queued in
other queues and workflows, which must not grow with them.

    uv run python bench/review.py [--drafts 2000] [--reviewers 16] [--workers 4] [--big 1000000]

Every draft is checked to end decided exactly once, so a fast wrong answer cannot pass.
"""

from __future__ import annotations

import argparse
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import httpx  # noqa: E402
import psycopg  # noqa: E402

from bench.common import (  # noqa: E402
    fresh_database,
    gunicorn,
    latency_summary,
    manage,
    say,
    server_env,
)

QUEUE = "claims-standard"


def fill_queue(url: str, count: int, prefix: str, queue_slug: str = QUEUE) -> None:
    """`count` queued drafts in `queue_slug`, written in one statement (setup, not measured)."""
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(
            """
            INSERT INTO reviewqueue_draft (id, workflow_id, external_id, body_hash, title, content,
                consequence, confidence, sources, model_name, model_version, prompt_version,
                metadata, callback_url, escalation_request, status, queue_id, routing_reason,
                policy_id, received_at, due_at, updated_at, status_before_lease, qa_sample,
                is_golden)
            SELECT gen_random_uuid(), q.workflow_id, %(prefix)s || '-' || n, repeat('0', 64),
                'Claim ' || n, 'Draft text number ' || n, 'medium', 0.9, '[]', '', '', '',
                '{}', '', '', 'queued', q.id, 'bench', w.current_policy_id,
                now() + n * interval '1 microsecond', now() + interval '4 hours'
                    + n * interval '1 microsecond', now(), '', false, false
            FROM generate_series(1, %(count)s) AS n,
                 reviewqueue_queue q JOIN workflows_workflow w ON w.id = q.workflow_id
            WHERE q.slug = %(queue)s
            """,
            {"prefix": prefix, "count": count, "queue": queue_slug},
        )
        conn.execute("ANALYZE reviewqueue_draft")


def reviewer_tokens(url: str, count: int) -> list[str]:
    """`count` new reviewers in the senior_adjusters role, each with a personal token."""
    env = server_env(url)
    with psycopg.connect(url, autocommit=True) as conn:
        group = conn.execute("SELECT id FROM auth_group WHERE name='senior_adjusters'").fetchone()[
            0
        ]
        for n in range(count):
            user_id = conn.execute(
                "INSERT INTO auth_user (password, is_superuser, username, first_name, last_name,"
                " email, is_staff, is_active, date_joined) VALUES ('!', false, %s, '', '', '',"
                " false, true, now()) ON CONFLICT (username) DO UPDATE SET is_active = true"
                " RETURNING id",
                (f"bench_reviewer_{n}",),
            ).fetchone()[0]
            conn.execute(
                "INSERT INTO auth_user_groups (user_id, group_id) VALUES (%s, %s)"
                " ON CONFLICT DO NOTHING",
                (user_id, group),
            )
    return [
        manage("issue_token", f"bench_reviewer_{n}", env=env).strip().splitlines()[-1]
        for n in range(count)
    ]


def http_review(base: str, tokens: list[str]) -> tuple[float, list[float], list[float], dict]:
    """Each reviewer claims and approves until the queue answers 204."""
    claim_ms: list[float] = []
    decide_ms: list[float] = []
    statuses: dict[int, int] = {}
    lock = threading.Lock()

    def work(token: str) -> None:
        with httpx.Client(
            base_url=base, headers={"Authorization": f"Bearer {token}"}, timeout=60
        ) as client:
            while True:
                started = time.perf_counter()
                claimed = client.post(f"/api/v1/queues/{QUEUE}/claim")
                claimed_at = time.perf_counter()
                with lock:
                    claim_ms.append(claimed_at - started)
                if claimed.status_code == 204:
                    return
                if claimed.status_code != 200:
                    with lock:
                        statuses[claimed.status_code] = statuses.get(claimed.status_code, 0) + 1
                    return
                decided = client.post(
                    f"/api/v1/drafts/{claimed.json()['id']}/decisions", json={"action": "approve"}
                )
                with lock:
                    decide_ms.append(time.perf_counter() - claimed_at)
                    statuses[decided.status_code] = statuses.get(decided.status_code, 0) + 1

    started = time.perf_counter()
    with ThreadPoolExecutor(len(tokens)) as pool:
        list(pool.map(work, tokens))
    return time.perf_counter() - started, claim_ms, decide_ms, statuses


def raw_review(url: str, connections: int) -> tuple[float, int, list[float]]:
    """The same claim and decision as plain SQL: lock one claimable row, lease it, decide it."""
    with psycopg.connect(url) as conn:
        queue_id = conn.execute(
            "SELECT id FROM reviewqueue_queue WHERE slug=%s", (QUEUE,)
        ).fetchone()[0]
        user_id = conn.execute("SELECT id FROM auth_user WHERE username='admin'").fetchone()[0]
    decided = 0
    claim_ms: list[float] = []
    lock = threading.Lock()

    def work(_: int) -> None:
        nonlocal decided
        with psycopg.connect(url) as conn:
            while True:
                started = time.perf_counter()
                with conn.transaction():
                    row = conn.execute(
                        "SELECT id FROM reviewqueue_draft WHERE queue_id = %s AND status IN"
                        " ('queued', 'escalated', 'awaiting_second_approval')"
                        " ORDER BY due_at, received_at LIMIT 1 FOR UPDATE SKIP LOCKED",
                        (queue_id,),
                    ).fetchone()
                    if row is None:
                        return
                    conn.execute(
                        "UPDATE reviewqueue_draft SET status = 'in_review', leased_by_id = %s,"
                        " lease_started_at = now(), lease_expires_at = now() + interval '15 min'"
                        " WHERE id = %s",
                        (user_id, row[0]),
                    )
                with lock:
                    claim_ms.append(time.perf_counter() - started)
                with conn.transaction():
                    conn.execute(
                        "SELECT id FROM reviewqueue_draft WHERE id = %s FOR UPDATE", (row[0],)
                    )
                    conn.execute(
                        "UPDATE reviewqueue_draft SET status = 'approved', leased_by_id = NULL,"
                        " decided_at = now() WHERE id = %s",
                        (row[0],),
                    )
                with lock:
                    decided += 1

    started = time.perf_counter()
    with ThreadPoolExecutor(connections) as pool:
        list(pool.map(work, range(connections)))
    return time.perf_counter() - started, decided, claim_ms


def claim_latency(base: str, token: str, samples: int) -> list[float]:
    """One reviewer claims and releases, `samples` times (a claim that finds a draft each time)."""
    latencies = []
    with httpx.Client(
        base_url=base, headers={"Authorization": f"Bearer {token}"}, timeout=60
    ) as client:
        for _ in range(samples):
            started = time.perf_counter()
            claimed = client.post(f"/api/v1/queues/{QUEUE}/claim")
            latencies.append(time.perf_counter() - started)
            assert claimed.status_code == 200, claimed.text
            client.post(f"/api/v1/drafts/{claimed.json()['id']}/release")
    return latencies


def count_undecided(url: str) -> tuple[int, int]:
    with psycopg.connect(url) as conn:
        waiting = conn.execute(
            "SELECT count(*) FROM reviewqueue_draft d JOIN reviewqueue_queue q ON q.id = d.queue_id"
            " WHERE q.slug = %s AND d.status NOT IN ('approved', 'edited', 'rejected')",
            (QUEUE,),
        ).fetchone()[0]
        doubles = conn.execute(
            "SELECT count(*) FROM (SELECT draft_id FROM reviewqueue_decision WHERE is_final"
            " GROUP BY draft_id HAVING count(*) > 1) AS d"
        ).fetchone()[0]
    return waiting, doubles


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--drafts", type=int, default=2000)
    parser.add_argument("--reviewers", type=int, default=16)
    parser.add_argument("--workers", type=int, default=4, help="gunicorn worker processes")
    parser.add_argument("--small", type=int, default=10_000)
    parser.add_argument("--big", type=int, default=1_000_000)
    parser.add_argument("--samples", type=int, default=200)
    parser.add_argument("--database", default="reviewqueue_bench_review")
    args = parser.parse_args()

    say(
        f"Review benchmark: {args.drafts} drafts, {args.reviewers} reviewers, "
        f"gunicorn with {args.workers} workers"
    )
    url = fresh_database(args.database)
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("UPDATE reviewqueue_draft SET status = 'approved'")  # the demo's drafts aside
    tokens = reviewer_tokens(url, args.reviewers)

    say("  claim and decide over HTTP…")
    fill_queue(url, args.drafts, "http")
    client_cpu = time.process_time()
    with gunicorn(url, args.workers) as base:
        elapsed, claim_ms, decide_ms, statuses = http_review(base, tokens)
    client_cpu = time.process_time() - client_cpu
    waiting, doubles = count_undecided(url)
    http_rate = args.drafts / elapsed

    say("  the same as plain SQL…")
    fill_queue(url, args.drafts, "raw")
    raw_elapsed, raw_decided, raw_claim_ms = raw_review(url, args.reviewers)
    raw_rate = raw_decided / raw_elapsed

    say("")
    say(
        f"HTTP:  {http_rate:7.0f} decisions/s   claim {latency_summary(claim_ms)}"
        f"   decide {latency_summary(decide_ms)}"
    )
    say(f"raw:   {raw_rate:7.0f} decisions/s   claim {latency_summary(raw_claim_ms)}")
    say(f"ratio: {http_rate / raw_rate:.1%} of the raw SQL rate")
    say(f"(the load generator itself used {client_cpu / elapsed:.0%} of one core of the two)")
    ok = statuses == {201: args.drafts} and waiting == 0 and doubles == 0
    if not ok:
        raise SystemExit(f"!! statuses {statuses}, undecided {waiting}, decided twice {doubles}")

    say("")
    say(f"Claim latency with other queues full ({args.samples} claims each):")
    fill_queue(url, 1000, "probe")
    rows = []
    for label, total in (("small", args.small), ("big", args.big)):
        with psycopg.connect(url, autocommit=True) as conn:
            have = conn.execute(
                "SELECT count(*) FROM reviewqueue_draft WHERE external_id LIKE 'other-%%'"
            ).fetchone()[0]
        if total > have:
            say(f"  queueing {total - have:,} drafts in finance-review and claims-senior…")
            fill_queue(url, (total - have) // 2, f"other-{label}-a", "finance-review")
            fill_queue(
                url, (total - have) - (total - have) // 2, f"other-{label}-b", "claims-senior"
            )
        with gunicorn(url, 2) as base:
            claim_latency(base, tokens[0], 20)  # warm up
            latencies = claim_latency(base, tokens[0], args.samples)
        rows.append((total, latencies))
        say(f"  {total:>9,} drafts elsewhere: claim {latency_summary(latencies)}")
    small_p50 = sorted(rows[0][1])[len(rows[0][1]) // 2]
    big_p50 = sorted(rows[1][1])[len(rows[1][1]) // 2]
    say(f"  p50 ratio big/small: {big_p50 / small_p50:.2f}")


if __name__ == "__main__":
    main()
