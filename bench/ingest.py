"""Ingest benchmark: N drafts over HTTP with C concurrent clients against gunicorn on PostgreSQL,
one draft per request and in batches, beside a raw baseline: the same rows (the draft and its two
audit entries, one transaction per draft or per batch) inserted by plain psycopg with C connections.

    uv run python bench/ingest.py [--drafts 5000] [--clients 8] [--batch-size 500] [--workers 4]

Prints drafts/s, latency percentiles and the ratio to the baseline. Every response is checked
(201 for each draft) and the stored row count verified, so a fast wrong answer cannot pass.
"""

from __future__ import annotations

import argparse
import json
import sys
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import httpx  # noqa: E402
import psycopg  # noqa: E402

from bench.common import fresh_database, gunicorn, latency_summary, manage, say, server_env  # noqa: E402


def draft(run: str, n: int) -> dict:
    return {
        "external_id": f"{run}-{n}",
        "title": f"Claim {n} water damage summary",
        "content": "Escape of water from a burst pipe under the kitchen sink. " * 8,
        "consequence": ["low", "medium", "high", "critical"][n % 4],
        "confidence": 0.5 + (n % 50) / 100,
        "sources": [
            {"id": f"policy-{n}", "title": "Home policy §4", "uri": f"https://d.example/{n}"}
        ],
        "model": {"name": "claims-summariser", "version": "2026-10", "prompt_version": "v7"},
        "cost": {"input_tokens": 1200, "output_tokens": 300, "usd": "0.0042"},
        "metadata": {"claim_amount": (n * 37) % 20000, "region": "north"},
    }


def run_http(
    base: str, key: str, bodies: list[tuple[str, dict]], clients: int
) -> tuple[float, list[float], dict]:
    """POST each (path, body) from `clients` threads; returns elapsed, latencies, status counts."""
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    lock = threading.Lock()
    local = threading.local()

    def send(item: tuple[str, dict]) -> None:
        if not hasattr(local, "client"):
            local.client = httpx.Client(
                base_url=base, headers={"Authorization": f"Bearer {key}"}, timeout=120
            )
        path, body = item
        started = time.perf_counter()
        response = local.client.post(
            path, content=json.dumps(body), headers={"Content-Type": "application/json"}
        )
        elapsed = time.perf_counter() - started
        codes = [response.status_code]
        if path.endswith("/batch") and response.status_code == 200:
            codes = [r["status"] for r in response.json()["results"]]
        with lock:
            latencies.append(elapsed)
            for code in codes:
                statuses[code] = statuses.get(code, 0) + 1

    started = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        list(pool.map(send, bodies))
    return time.perf_counter() - started, latencies, statuses


def run_raw(url: str, drafts: list[dict], clients: int, batch_size: int) -> tuple[float, int]:
    """The same rows with plain psycopg: a draft and two audit entries per draft."""
    with psycopg.connect(url) as conn:
        workflow_id, policy_id = conn.execute(
            "SELECT id, current_policy_id FROM workflows_workflow"
            " WHERE slug = 'claims-intake-summary'"
        ).fetchone()
        queue_id = conn.execute(
            "SELECT id FROM reviewqueue_queue WHERE slug='claims-standard'"
        ).fetchone()[0]
    draft_sql = (
        "INSERT INTO reviewqueue_draft (id, workflow_id, external_id, body_hash, title, content,"
        " consequence, confidence, sources, model_name, model_version, prompt_version,"
        " input_tokens, output_tokens, cost_usd, metadata, callback_url, escalation_request,"
        " status_before_lease, qa_sample, is_golden,"
        " status, queue_id, routing_reason, policy_id, received_at, due_at, updated_at)"
        " VALUES (%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,'','','',false,false,'queued',"
        " %s,%s,%s, now(), now() + interval '4 hours', now())"
    )
    audit_sql = (
        "INSERT INTO audit_auditentry (occurred_at, actor_type, actor_id, actor_label, action,"
        " object_type, object_id, workflow_slug, request_id, data)"
        " VALUES (now(), 'producer', '1', 'bench', %s, 'draft', %s,"
        " 'claims-intake-summary', '', %s)"
    )

    def rows(d: dict) -> tuple[tuple, list[tuple]]:
        pk = uuid.uuid4()
        draft_row = (
            pk,
            workflow_id,
            d["external_id"],
            "0" * 64,
            d["title"],
            d["content"],
            d["consequence"],
            d["confidence"],
            json.dumps(d["sources"]),
            "m",
            "v",
            "p",
            1200,
            300,
            "0.0042",
            json.dumps(d["metadata"]),
            queue_id,
            "consequence 'low' of policy v1",
            policy_id,
        )
        audit_rows = [("draft.received", str(pk), "{}"), ("draft.routed", str(pk), "{}")]
        return draft_row, audit_rows

    chunks = [drafts[i : i + batch_size] for i in range(0, len(drafts), batch_size)]
    work = [[d] for d in drafts] if batch_size == 1 else chunks
    local = threading.local()
    connections: list[psycopg.Connection] = []
    lock = threading.Lock()

    def insert(group: list[dict]) -> None:
        if not hasattr(local, "conn"):
            local.conn = psycopg.connect(url)
            with lock:
                connections.append(local.conn)
        with local.conn.transaction(), local.conn.cursor() as cur:
            built = [rows(d) for d in group]
            cur.executemany(draft_sql, [b[0] for b in built])
            cur.executemany(audit_sql, [a for b in built for a in b[1]])

    started = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        list(pool.map(insert, work))
    elapsed = time.perf_counter() - started
    for conn in connections:
        conn.close()
    return elapsed, len(drafts)


def count_drafts(url: str, prefix: str) -> int:
    with psycopg.connect(url) as conn:
        return conn.execute(
            "SELECT count(*) FROM reviewqueue_draft WHERE external_id LIKE %s", (f"{prefix}-%",)
        ).fetchone()[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--drafts", type=int, default=5000)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--batch-size", type=int, default=500)
    parser.add_argument("--workers", type=int, default=4, help="gunicorn worker processes")
    parser.add_argument("--database", default="reviewqueue_bench")
    args = parser.parse_args()

    say(
        f"Ingest benchmark: {args.drafts} drafts, {args.clients} clients, "
        f"batches of {args.batch_size}, gunicorn with {args.workers} workers"
    )
    url = fresh_database(args.database)
    env = server_env(url)
    # The benchmark measures ingest, not quotas: lift the demo's budget for this workflow.
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(
            "UPDATE workflows_workflow SET monthly_budget_usd = NULL, daily_draft_limit = NULL"
        )
    key = manage("create_producer_key", "claims-intake-summary", env=env).strip().splitlines()[-1]

    results = []
    with gunicorn(url, args.workers) as base:
        # Warm up every worker's connection and imports.
        run_http(base, key, [("/api/v1/drafts", draft("warm", n)) for n in range(40)], args.clients)

        say("  single drafts over HTTP…")
        bodies = [("/api/v1/drafts", draft("single", n)) for n in range(args.drafts)]
        elapsed, latencies, statuses = run_http(base, key, bodies, args.clients)
        stored = count_drafts(url, "single")
        results.append(("HTTP, one draft per request", elapsed, latencies, statuses, stored))

        say("  batches over HTTP…")
        drafts = [draft("batch", n) for n in range(args.drafts)]
        bodies = [
            ("/api/v1/drafts/batch", {"drafts": drafts[i : i + args.batch_size]})
            for i in range(0, len(drafts), args.batch_size)
        ]
        elapsed, latencies, statuses = run_http(base, key, bodies, args.clients)
        stored = count_drafts(url, "batch")
        results.append(
            (f"HTTP, batches of {args.batch_size}", elapsed, latencies, statuses, stored)
        )

    say("  raw psycopg baselines…")
    raw_single, _ = run_raw(url, [draft("raw1", n) for n in range(args.drafts)], args.clients, 1)
    raw_batch, _ = run_raw(
        url, [draft("rawb", n) for n in range(args.drafts)], args.clients, args.batch_size
    )

    say("")
    say(f"{'mode':34} {'drafts/s':>9} {'vs raw':>7}  latency per request")
    failures = 0
    for (label, elapsed, latencies, statuses, stored), raw in zip(
        results, (raw_single, raw_batch), strict=True
    ):
        rate = args.drafts / elapsed
        raw_rate = args.drafts / raw
        say(f"{label:34} {rate:9.0f} {rate / raw_rate:6.1%}  {latency_summary(latencies)}")
        if statuses != {201: args.drafts} or stored != args.drafts:
            failures += 1
            say(f"  !! statuses {statuses}, stored {stored} (expected {args.drafts} × 201)")
    say(f"{'raw psycopg, 1 draft per txn':34} {args.drafts / raw_single:9.0f}")
    say(f"{'raw psycopg, batch per txn':34} {args.drafts / raw_batch:9.0f}")
    if failures:
        raise SystemExit("some requests did not store their draft")


if __name__ == "__main__":
    main()
