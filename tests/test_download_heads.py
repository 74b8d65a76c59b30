"""HEAD on a download answers what a GET would send (status, type, file name) but sends no
rows, so it writes no export entry: the log must not show downloads that never happened."""

from __future__ import annotations

import pytest

from audit.models import AuditEntry
from tests.conftest import person_client

pytestmark = pytest.mark.django_db

DOWNLOADS = [
    ("auditor", "/api/v1/audit/export?format=jsonl", "audit.exported", "application/jsonl"),
    ("auditor", "/api/v1/audit/export", "audit.exported", "text/csv; charset=utf-8"),
    (
        "claims_owner",
        "/api/v1/workflows/claims-intake-summary/golden-set",
        "workflow.golden_set_exported",
        "application/jsonl",
    ),
]


@pytest.mark.parametrize(("who", "path", "action", "content_type"), DOWNLOADS)
def test_head_answers_like_get_and_logs_nothing(demo, who, path, action, content_type):
    client = person_client(who)
    logged = AuditEntry.objects.filter(action=action)
    before = logged.count()

    head = client.head(path)
    assert head.status_code == 200
    assert head["Content-Type"] == content_type
    assert head["Content-Disposition"].startswith("attachment; filename=")
    assert b"".join(head.streaming_content) == b""
    assert logged.count() == before

    got = client.get(path)
    assert got.status_code == 200
    b"".join(got.streaming_content)
    assert logged.count() == before + 1  # the real download is on the log


def test_head_refuses_what_get_refuses(demo):
    response = person_client("auditor").head("/api/v1/audit/export?format=xml")
    assert response.status_code == 400
    assert person_client("adjuster").head("/api/v1/audit/export").status_code == 403


def test_verify_answers_no_head_and_puts_no_check_on_record(demo):
    checks = AuditEntry.objects.filter(action="audit.verified")
    before = checks.count()
    response = person_client("auditor").head("/api/v1/audit/verify")
    assert response.status_code == 405 and "GET" in response["Allow"]
    assert checks.count() == before
