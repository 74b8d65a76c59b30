"""Metrics benchmark: a workflow's metrics API with N decisions (default 1,000,000) behind it.

    uv run python bench/metrics.py [--decisions 1000000]

Writes N decided drafts with their decisions and leases over 30 days (setup, by SQL), then times
GET /api/v1/workflows/{slug}/metrics through gunicorn: the first call over 30 days (no day stored
yet: it computes and stores every closed day), then the median of repeated calls over the last 7
and 30 days, beside a raw baseline: one plain SQL query counting the same outcomes by status.
Also times a Prometheus scrape of /metrics (queue depths, decisions by action, drafts received)
over the same tables: the one that counts, and the later ones its reading serves.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import httpx  # noqa: E402
import psycopg  # noqa: E402

from bench.common import fresh_database, gunicorn, manage, say, server_env  # noqa: E402

WHO = "(SELECT id FROM auth_user WHERE username = 'adjuster')"
SETUP = [
    """
    INSERT INTO reviewqueue_draft (id, workflow_id, external_id, body_hash, title, content,
        consequence, confidence, sources, model_name, model_version, prompt_version, cost_usd,
        metadata, callback_url, escalation_request, status, queue_id, routing_reason, policy_id,
        received_at, due_at, updated_at, decided_at, status_before_lease, qa_sample, is_golden,
        first_claimed_at)
    SELECT gen_random_uuid(), w.id, 'm-' || n, repeat('0', 64), 'Claim ' || n, 'Text ' || n,
        'low', 0.9, CASE WHEN n % 5 = 0 THEN '[]'::jsonb ELSE '[{"id": "p"}]'::jsonb END,
        'm', '1', 'p', 0.004, '{}', '', '',
        (ARRAY['approved', 'approved', 'approved', 'edited', 'rejected'])[1 + n % 5],
        q.id, 'bench', w.current_policy_id,
        now() - (n % 43200) * interval '1 minute' - interval '10 minutes',
        now(), now(), now() - (n % 43200) * interval '1 minute', '', false, false,
        now() - (n % 43200) * interval '1 minute' - interval '5 minutes'
    FROM generate_series(1, {n}) AS n
    JOIN workflows_workflow w ON w.slug = 'claims-intake-summary'
    JOIN reviewqueue_queue q ON q.slug = 'claims-standard'
    """,
    f"""
    INSERT INTO reviewqueue_decision (draft_id, queue_id, workflow_id, reviewer_id, action,
        is_final, content, diff, error_category_id, comment, reason, time_spent, decided_at)
    SELECT d.id, d.queue_id, d.workflow_id, {WHO},
        CASE d.status WHEN 'approved' THEN 'approve' WHEN 'edited' THEN 'edit' ELSE 'reject' END,
        true, d.content, '',
        CASE WHEN d.status = 'approved' THEN NULL ELSE (SELECT c.id FROM workflows_errorcategory c
            WHERE c.slug = 'tone' AND c.workflow_id = d.workflow_id) END,
        '', '', interval '40 seconds', d.decided_at
    FROM reviewqueue_draft d WHERE d.external_id LIKE 'm-%%'
    """,
    f"""
    INSERT INTO reviewqueue_lease (id, draft_id, queue_id, holder_id, started_at, expires_at,
        ended_at, end_reason)
    SELECT gen_random_uuid(), d.id, d.queue_id, {WHO}, d.received_at + interval '5 minutes',
        d.received_at + interval '20 minutes', d.decided_at, 'decided'
    FROM reviewqueue_draft d WHERE d.external_id LIKE 'm-%%'
    """,
    "ANALYZE",
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--decisions", type=int, default=1_000_000)
    parser.add_argument("--calls", type=int, default=5)
    parser.add_argument("--database", default="reviewqueue_bench_metrics")
    args = parser.parse_args()

    say(f"Metrics benchmark: {args.decisions:,} decisions")
    url = fresh_database(args.database)
    say(f"  writing {args.decisions:,} decided drafts, decisions and leases…")
    with psycopg.connect(url, autocommit=True) as conn:
        for statement in SETUP:
            conn.execute(statement.replace("{n}", str(int(args.decisions))).replace("%%", "%"))
    token = manage("issue_token", "claims_owner", env=server_env(url)).strip().splitlines()[-1]

    path = "/api/v1/workflows/claims-intake-summary/metrics"
    rows = []
    with (
        gunicorn(url, 2) as base,
        httpx.Client(
            base_url=base, headers={"Authorization": f"Bearer {token}"}, timeout=300
        ) as client,
    ):

        def timed(days: int, calls: int) -> tuple[float, dict]:
            since = time.strftime("%Y-%m-%d", time.gmtime(time.time() - days * 86400))
            timings, body = [], {}
            for _ in range(calls):
                started = time.perf_counter()
                response = client.get(path, params={"from": since})
                timings.append(time.perf_counter() - started)
                body = response.json()
            return statistics.median(timings), body

        # The first call finds no stored days and computes (and stores) every closed one.
        rows.append(("30 days, first call", *timed(30, 1)))
        for days in (7, 30):
            rows.append((f"{days} days", *timed(days, args.calls)))
        # The first scrape counts the tables; the next ones, within RQ_METRICS_CACHE_SECONDS,
        # are served that count from the cache.
        scrapes = []
        for _ in range(args.calls + 1):
            started = time.perf_counter()
            client.get("/metrics").raise_for_status()
            scrapes.append(time.perf_counter() - started)
        scrape, cached = scrapes[0], statistics.median(scrapes[1:])

    with psycopg.connect(url) as conn:
        timings = []
        for _ in range(args.calls):
            started = time.perf_counter()
            conn.execute(
                "SELECT status, count(*) FROM reviewqueue_draft WHERE workflow_id ="
                " (SELECT id FROM workflows_workflow WHERE slug = 'claims-intake-summary')"
                " AND decided_at >= now() - interval '30 days' GROUP BY status"
            ).fetchall()
            timings.append(time.perf_counter() - started)
        raw = statistics.median(timings)

    say("")
    for label, median, body in rows:
        say(
            f"{label:<20} {body['drafts_decided']:>9,} decided  "
            f"metrics API p50 {median * 1000:8.0f} ms  "
            f"(acceptance {body['acceptance_rate']}, p95 to decision "
            f"{body['time_to_decision_seconds']['p95']:.0f} s)"
        )
    say(
        f"raw SQL (one count by status, 30 days): {raw * 1000:.0f} ms; "
        f"API (30 days, stored days) / raw = {rows[2][1] / raw:.2f}×"
    )
    say(
        f"Prometheus scrape of /metrics: counting {scrape * 1000:.0f} ms "
        f"(/ raw = {scrape / raw:.2f}×), the next ones in its interval p50 {cached * 1000:.1f} ms"
    )


if __name__ == "__main__":
    main()
