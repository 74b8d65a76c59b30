"""An export verified by someone without the database: scripts/verify_audit_export.py recomputes
the chain from the file alone, and catches a changed, removed or reordered row."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from audit.actors import Actor
from audit.models import AuditSeal
from audit.services import record
from tests.audit.helpers import seal_everything, write_entries
from tests.conftest import person_client

pytestmark = pytest.mark.django_db
SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "verify_audit_export.py"


def export(tmp_path: Path, kind: str, **filters) -> Path:
    response = person_client("auditor").get("/api/v1/audit/export", {"format": kind, **filters})
    assert response.status_code == 200
    path = tmp_path / f"audit.{kind}"
    path.write_bytes(b"".join(response.streaming_content))
    return path


def check(path: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(SCRIPT), str(path), *args], capture_output=True, text=True, timeout=60
    )


@pytest.fixture
def sealed_log(demo):
    write_entries(20)
    # A label a spreadsheet would run as a formula: neutralised in the CSV, restored to verify.
    record(
        "draft.received",
        actor=Actor.system("=cmd|' /C calc'!A0"),
        object_type="draft",
        object_id="x",
    )
    # Labels that already start with the neutralising quote must come back unchanged too.
    for label in ("'=1", "'plain", "''"):
        record("draft.received", actor=Actor.system(label), object_type="draft", object_id="q")
    seal_everything()


@pytest.mark.parametrize("kind", ["jsonl", "csv"])
def test_a_full_export_verifies_from_the_file_alone(sealed_log, tmp_path, kind):
    path = export(tmp_path, kind)
    result = check(path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.startswith("ok: ") and "(complete)" in result.stdout
    head = AuditSeal.objects.order_by("-position").first()
    assert f"head {head.hash}" in result.stdout or "not sealed yet" in result.stdout


def test_a_changed_row_is_named(sealed_log, tmp_path):
    path = export(tmp_path, "jsonl")
    lines = path.read_text(encoding="utf-8").splitlines()
    row = json.loads(lines[5])
    row["actor_label"] = "someone else"
    lines[5] = json.dumps(row)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")

    result = check(path)
    assert result.returncode == 1
    assert (
        f"entry {row['id']} (position {row['position']}) does not match its hash" in result.stdout
    )


def test_a_removed_row_shows_as_a_missing_position(sealed_log, tmp_path):
    path = export(tmp_path, "jsonl")
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    sealed = sorted((r for r in rows if r["position"] != ""), key=lambda r: r["position"])
    removed = sealed[3]
    kept = [r for r in rows if r is not removed]
    path.write_text("".join(json.dumps(r) + "\n" for r in kept), encoding="utf-8")

    result = check(path)
    assert result.returncode == 1
    assert f"position {removed['position']} is missing" in result.stdout
    # As a filtered export it is still consistent row by row.
    assert check(path, "--partial").returncode == 0


def test_a_checkpoint_kept_elsewhere_must_be_held(sealed_log, tmp_path):
    path = export(tmp_path, "jsonl")
    seal = AuditSeal.objects.order_by("position")[4]
    assert check(path, "--checkpoint", f"{seal.position}:{seal.hash}").returncode == 0
    forged = check(path, "--checkpoint", f"{seal.position}:{'0' * 64}")
    assert forged.returncode == 1 and "does not hold checkpoint" in forged.stdout
    assert check(path, "--checkpoint", "nonsense").returncode == 2  # usage error


def test_a_filtered_export_checks_row_by_row(sealed_log, tmp_path):
    path = export(tmp_path, "csv", action="draft.received")
    assert check(path).returncode == 1  # gaps where other actions were
    partial = check(path, "--partial")
    assert partial.returncode == 0, partial.stdout
    assert "gap(s) between filtered rows" in partial.stdout
