"""Each benchmark runs end to end at a tiny size, so none of them rots between measurements.
(The figures themselves are measured by hand at full size; see README, Benchmarks.)"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
TINY = {
    "ingest": ["--drafts", "60", "--clients", "2", "--batch-size", "20", "--workers", "1"],
    "review": ["--drafts", "30", "--reviewers", "2", "--workers", "1", "--small", "20"]
    + ["--big", "40", "--samples", "5"],
    "audit": ["--entries", "3000"],
    "metrics": ["--decisions", "3000", "--calls", "1"],
}
EXPECTED = {
    "ingest": "raw psycopg, batch per txn",
    "review": "p50 ratio big/small",
    "audit": "export as CSV (streamed)",
    "metrics": "API (30 days, stored days) / raw",
}


@pytest.mark.timeout(300)
@pytest.mark.parametrize("name", sorted(TINY))
def test_the_benchmark_runs_and_prints_its_figures(name):
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    result = subprocess.run(
        [sys.executable, f"bench/{name}.py", *TINY[name], "--database", f"rq_bench_smoke_{name}"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=280,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert EXPECTED[name] in result.stdout
