"""Audit benchmark: seal and verify N entries (default 1,000,000), and export them as CSV.

    uv run python bench/audit.py [--entries 1000000]

Prints entries/s and the peak memory (RSS) of each phase, each run in its own process, beside
a raw baseline: the same rows read with plain psycopg and hashed with SHA-256 (no canonical
JSON, no chain). The verify phase must report ok for every entry, so a fast wrong answer fails.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import psycopg  # noqa: E402

from bench.common import fresh_database, say, server_env  # noqa: E402


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_phase(phase: str, url: str) -> dict:
    """One phase in this process (called as a child): prints its figures as JSON."""
    os.environ.update(server_env(url))
    import django

    django.setup()
    started_rss = _rss_mb()
    started = time.perf_counter()
    if phase == "seal":
        from audit.sealing import seal_pending

        count = seal_pending()
        result = {"entries": count}
    elif phase == "verify":
        from audit.verification import verify

        report = verify()
        result = {"entries": report.entries, "ok": report.ok, "problem": report.problem}
    elif phase == "export":
        from audit.exports import csv_lines
        from audit.models import AuditEntry

        size = 0
        for chunk in csv_lines(AuditEntry.objects.order_by("id")):
            size += len(chunk)
        result = {"entries": AuditEntry.objects.count(), "bytes": size}
    elif phase == "raw":
        import hashlib

        count = 0
        with psycopg.connect(url) as conn, conn.cursor(name="raw") as cursor:
            cursor.itersize = 5000
            cursor.execute(
                "SELECT id, occurred_at, actor_label, action, object_id, data::text"
                " FROM audit_auditentry ORDER BY id"
            )
            digest = "0" * 64
            for row in cursor:
                digest = hashlib.sha256((digest + repr(row)).encode()).hexdigest()
                count += 1
        result = {"entries": count}
    else:
        raise SystemExit(f"unknown phase {phase}")
    result["seconds"] = time.perf_counter() - started
    result["peak_rss_mb"] = _rss_mb()
    result["start_rss_mb"] = started_rss
    print(json.dumps(result))
    return result


def phase(name: str, url: str) -> dict:
    out = subprocess.run(
        [sys.executable, __file__, "--phase", name, "--url", url],
        capture_output=True,
        text=True,
        check=False,
    )
    if out.returncode != 0:
        raise SystemExit(f"phase {name} failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=1_000_000)
    parser.add_argument("--database", default="reviewqueue_bench_audit")
    parser.add_argument("--phase", help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.phase:
        run_phase(args.phase, args.url)
        return

    say(f"Audit benchmark: {args.entries:,} entries")
    url = fresh_database(args.database)
    say(f"  writing {args.entries:,} entries…")
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(
            "INSERT INTO audit_auditentry (occurred_at, actor_type, actor_id, actor_label, action,"
            " object_type, object_id, workflow_slug, request_id, data)"
            " SELECT now() + n * interval '1 millisecond', 'person', '7', 'senior_adjuster',"
            " 'draft.decided', 'draft', md5(n::text), 'claims-intake-summary', md5(n::text),"
            " jsonb_build_object('action', 'approve', 'before', jsonb_build_object('status',"
            " 'in_review', 'queue', 'claims-senior'), 'after', jsonb_build_object('status',"
            " 'approved', 'queue', 'claims-senior'), 'decision_id', n)"
            " FROM generate_series(1, %s) AS n",
            (args.entries,),
        )
        conn.execute("ANALYZE audit_auditentry")
        total = conn.execute("SELECT count(*) FROM audit_auditentry").fetchone()[0]

    rows = []
    for name, label in [
        ("raw", "raw: psycopg read + SHA-256"),
        ("seal", "seal (canonical JSON, chain)"),
        ("verify", "verify the whole chain"),
        ("export", "export as CSV (streamed)"),
    ]:
        say(f"  {label}…")
        rows.append((label, phase(name, url)))

    raw_rate = total / rows[0][1]["seconds"]
    say("")
    header = ("phase", "entries", "seconds", "entries/s", "vs raw", "peak RSS")
    say("{:34} {:>10} {:>8} {:>10} {:>7} {:>9}".format(*header))
    for label, result in rows:
        rate = total / result["seconds"]
        say(
            f"{label:34} {total:>10,} {result['seconds']:8.1f} {rate:10,.0f} "
            f"{rate / raw_rate:6.0%} {result['peak_rss_mb']:7.0f}MB"
        )
    verified = rows[2][1]
    if not verified["ok"] or verified["entries"] != total:
        raise SystemExit(f"!! verify: {verified}")
    if rows[1][1]["entries"] + 0 < total - 200:  # the demo's own entries were sealed too
        raise SystemExit(f"!! sealed {rows[1][1]['entries']} of {total}")
    say(f"export size: {rows[3][1]['bytes'] / 1e6:,.0f} MB")


if __name__ == "__main__":
    main()
