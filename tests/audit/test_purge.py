"""Retention: a purge leaves none of a draft's text anywhere, keeps its facts, and the audit chain
still verifies; drafts inside retention, or with a callback still to send, are left alone."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from audit.chain import digest
from audit.models import AuditEntry
from audit.verification import verify
from reviewqueue.models import Decision, Draft, Lease, SourceFlag
from reviewqueue.services.retention import purge_expired, purged_payload
from tests.audit.helpers import seal_everything
from tests.conftest import person_client
from tests.reviewqueue.review_helpers import make_drafts
from workflows.models import CallbackAttempt, CallbackDelivery, Workflow

pytestmark = pytest.mark.django_db
# Unique strings: they occur nowhere unless a purge missed (or wrongly touched) a field.
GONE = "zq-purge-me-7f3a"
KEPT = "zq-keep-me-91c2"
HOOK = "https://hooks.example.com/reviewqueue"


def _texts(tag: str, **extra) -> dict:
    return {
        "title": f"{tag} title",
        "content": f"{tag} AI text – café",  # not ASCII: the digest is of UTF-8
        "sources": [
            {
                "id": "s1",
                "title": f"{tag} source title",
                "uri": f"https://docs.example.com/{tag}",
                "excerpt": f"{tag} excerpt",
            }
        ],
        "metadata": {"note": f"{tag} metadata"},
        "callback_url": HOOK,
        **extra,
    }


def _claim(username: str, queue_slug: str, draft: Draft) -> APIClient:
    """`username` claims `draft`: the other drafts waiting in its queue are withdrawn first."""
    Draft.objects.filter(queue__slug=queue_slug, status__in=Draft.CLAIMABLE_STATUSES).exclude(
        pk=draft.pk
    ).update(status=Draft.Status.WITHDRAWN)
    client = person_client(username)
    claimed = client.post(f"/api/v1/queues/{queue_slug}/claim")
    assert claimed.status_code == 200 and claimed.json()["id"] == str(draft.pk)
    return client


def _decide(client: APIClient, draft: Draft, **body) -> None:
    response = client.post(f"/api/v1/drafts/{draft.pk}/decisions", body, format="json")
    assert response.status_code in (200, 201), response.content


def _settle_callbacks(draft: Draft, status: str) -> None:
    # No receiver here: the outcome of delivery is what matters to retention, not the request.
    CallbackDelivery.objects.filter(draft=draft).update(status=status, delivered_at=timezone.now())


def _expire(workflow: Workflow, *drafts: Draft) -> None:
    past = timezone.now() - timedelta(days=workflow.retention_days + 1)
    Draft.objects.filter(pk__in=[d.pk for d in drafts]).update(updated_at=past)


def _rows(draft: Draft) -> dict[str, list[dict]]:
    """Every row about the draft, all columns, in a stable order."""
    return {
        "draft": list(Draft.objects.filter(pk=draft.pk).values()),
        "decisions": list(Decision.objects.filter(draft=draft).order_by("pk").values()),
        "source_flags": list(SourceFlag.objects.filter(draft=draft).order_by("pk").values()),
        "leases": list(Lease.objects.filter(draft=draft).order_by("pk").values()),
        "callbacks": list(CallbackDelivery.objects.filter(draft=draft).order_by("pk").values()),
        "attempts": list(
            CallbackAttempt.objects.filter(delivery__draft=draft).order_by("pk").values()
        ),
    }


def _fields_holding(marker: str, draft: Draft) -> list[str]:
    return [
        f"{table}.{column}"
        for table, rows in _rows(draft).items()
        for row in rows
        for column, value in row.items()
        if marker in str(value)
    ]


def _edited_after_escalation(claims: Workflow, tag: str) -> Draft:
    """Flagged, escalated with a reason, then edited with a comment: text in every table."""
    [draft] = make_drafts(claims, 1, **_texts(tag))
    adjuster = _claim("adjuster", "claims-standard", draft)
    flagged = adjuster.post(
        f"/api/v1/drafts/{draft.pk}/sources/s1/flags",
        {"reason": "stale", "comment": f"{tag} flag comment"},
        format="json",
    )
    assert flagged.status_code == 201
    _decide(adjuster, draft, action="escalate", reason=f"{tag} escalation reason")
    senior = _claim("senior_adjuster", "claims-escalations", draft)
    _decide(
        senior,
        draft,
        action="edit",
        content=f"{tag} reviewed text",
        error_category="tone",
        comment=f"{tag} edit comment",
    )
    _settle_callbacks(draft, CallbackDelivery.Status.DELIVERED)
    return draft


def _rejected_on_the_producers_request(claims: Workflow, tag: str) -> Draft:
    """The producer asked to escalate (its reason is quoted in the routing reason); rejected."""
    [draft] = make_drafts(claims, 1, **_texts(tag, escalate={"reason": f"{tag} producer asks"}))
    senior = _claim("senior_adjuster", "claims-escalations", draft)
    _decide(
        senior, draft, action="reject", error_category="tone", comment=f"{tag} rejection comment"
    )
    _settle_callbacks(draft, CallbackDelivery.Status.FAILED)
    return draft


def test_purging_leaves_no_draft_text_in_any_row_and_the_chain_verifies(claims):
    edited = _edited_after_escalation(claims, GONE)
    rejected = _rejected_on_the_producers_request(claims, GONE)
    assert _fields_holding(GONE, edited) and _fields_holding(GONE, rejected)  # the test has teeth
    recent = _edited_after_escalation(claims, KEPT)
    recent_rows = _rows(recent)
    _expire(claims, edited, rejected)

    assert purge_expired() == 2

    assert _fields_holding(GONE, edited) == []
    assert _fields_holding(GONE, rejected) == []
    assert _rows(recent) == recent_rows  # inside its retention period: untouched
    seal_everything()
    assert verify().ok
    assert person_client("auditor").get("/api/v1/audit/verify").json()["ok"] is True
    for draft, text in ((edited, f"{GONE} reviewed text"), (rejected, f"{GONE} AI text – café")):
        entry = AuditEntry.objects.get(action="draft.purged", object_id=str(draft.pk))
        assert entry.data == {
            "content_sha256": digest(text),
            "retention_days": claims.retention_days,
        }
        assert entry.actor_label == "retention"


def test_purging_keeps_the_facts(claims):
    edited = _edited_after_escalation(claims, GONE)
    rejected = _rejected_on_the_producers_request(claims, GONE)
    _expire(claims, edited, rejected)
    purge_expired()

    edited.refresh_from_db()
    assert edited.status == "edited" and edited.purged_at is not None
    assert edited.sources == [{"id": "s1"}]  # source flags still name a cited source
    assert (edited.title, edited.content, edited.reviewed_content) == ("", "", None)
    decisions = Decision.objects.filter(draft=edited).select_related("error_category")
    assert [(d.action, d.error_category and d.error_category.slug) for d in decisions] == [
        ("escalate", None),
        ("edit", "tone"),
    ]
    assert SourceFlag.objects.get(draft=edited).reason == "stale"
    payloads = [c.payload for c in CallbackDelivery.objects.filter(draft=edited)]
    assert {p["data"]["status"] for p in payloads} == {"escalated", "edited"}
    final = next(p for p in payloads if p["data"]["status"] == "edited")
    assert final["data"]["final_content"] is None
    assert final["data"]["decision"]["action"] == "edit"
    assert final["data"]["decision"]["reviewer"] == "senior_adjuster"
    assert final["data"]["decision"]["error_category"] == "tone"
    assert final["data"]["decision"]["comment"] == ""
    rejected.refresh_from_db()
    policy = rejected.policy.version
    assert rejected.routing_reason == f"producer asked to escalate of policy v{policy}"
    assert rejected.escalation_request == "" and rejected.status == "rejected"


def test_a_draft_waits_while_one_of_its_callbacks_is_still_pending(claims):
    [draft] = make_drafts(claims, 1, **_texts(GONE))
    _decide(_claim("adjuster", "claims-standard", draft), draft, action="approve")
    assert CallbackDelivery.objects.get(draft=draft).status == CallbackDelivery.Status.PENDING
    _expire(claims, draft)

    assert purge_expired() == 0
    assert "callbacks.payload" in _fields_holding(GONE, draft)  # what the producer will get
    assert not AuditEntry.objects.filter(action="draft.purged", object_id=str(draft.pk)).exists()

    _settle_callbacks(draft, CallbackDelivery.Status.FAILED)
    assert purge_expired() == 1
    assert _fields_holding(GONE, draft) == []


def test_a_purged_payload_keeps_its_shape_and_facts_and_drops_unknown_fields():
    payload = {
        "type": "draft.edited",
        "timestamp": "2026-01-01T00:00:00+00:00",
        "extra": "?",
        "data": {
            "draft_id": "d1",
            "external_id": "e1",
            "workflow": "w",
            "status": "edited",
            "final_content": "text",
            "summary": "new text field nobody classified yet",
            "decision": {
                "action": "edit",
                "reviewer": "r",
                "error_category": "tone",
                "comment": "c",
                "reason": "r",
                "decided_at": "2026-01-01T00:00:00+00:00",
            },
        },
    }
    assert purged_payload(payload) == {
        "type": "draft.edited",
        "timestamp": "2026-01-01T00:00:00+00:00",
        "data": {
            "draft_id": "d1",
            "external_id": "e1",
            "workflow": "w",
            "status": "edited",
            "final_content": None,
            "decision": {
                "action": "edit",
                "reviewer": "r",
                "error_category": "tone",
                "comment": "",
                "reason": "",
                "decided_at": "2026-01-01T00:00:00+00:00",
            },
        },
    }


def test_no_audit_entry_quotes_a_purged_draft_text(claims):
    drafts = [
        _edited_after_escalation(claims, GONE),
        _rejected_on_the_producers_request(claims, GONE),
    ]
    _expire(claims, *drafts)
    purge_expired()

    entries = AuditEntry.objects.filter(object_id__in=[str(d.pk) for d in drafts])
    assert sorted({e.action for e in entries if GONE in str(e.data)}) == []


def test_stored_daily_metrics_of_purged_days_keep_the_count_not_the_reason(claims):
    from workflows.models import MetricsDay
    from workflows.selectors.tally import PURGED_REASON

    draft = _edited_after_escalation(claims, GONE)
    when = timezone.now() - timedelta(days=claims.retention_days + 2)
    Decision.objects.filter(draft=draft).update(decided_at=when)
    Draft.objects.filter(pk=draft.pk).update(received_at=when, decided_at=when)
    owner = person_client("claims_owner")
    period = {"from": (when - timedelta(days=1)).date().isoformat(), "to": when.date().isoformat()}
    before = owner.get("/api/v1/workflows/claims-intake-summary/metrics", period).json()
    assert before["escalation_reasons"] == [{"reason": f"{GONE} escalation reason", "count": 1}]
    assert GONE in str(MetricsDay.objects.get(workflow=claims, day=when.date()).tally)

    _expire(claims, draft)
    purge_expired()

    assert GONE not in str(MetricsDay.objects.get(workflow=claims, day=when.date()).tally)
    after = owner.get("/api/v1/workflows/claims-intake-summary/metrics", period).json()
    assert after["escalation_reasons"] == [{"reason": PURGED_REASON, "count": 1}]
    assert after["escalations"] == before["escalations"] == 1
    # Counted again from the decisions (a rebuild), the purged reason reads the same.
    MetricsDay.objects.filter(workflow=claims).delete()
    rebuilt = owner.get("/api/v1/workflows/claims-intake-summary/metrics", period).json()
    assert rebuilt["escalation_reasons"] == [{"reason": PURGED_REASON, "count": 1}]


def test_the_producers_escalation_reason_is_purged_from_stored_metrics_but_still_counted(claims):
    from workflows.models import MetricsDay
    from workflows.selectors.tally import PURGED_REASON

    [draft] = make_drafts(claims, 1, escalate={"reason": f"{GONE} producer unsure"})
    _decide(_claim("senior_adjuster", "claims-escalations", draft), draft, action="approve")
    _settle_callbacks(draft, "delivered")
    when = timezone.now() - timedelta(days=claims.retention_days + 2)
    Decision.objects.filter(draft=draft).update(decided_at=when)
    Draft.objects.filter(pk=draft.pk).update(received_at=when, decided_at=when)
    owner = person_client("claims_owner")
    period = {"from": (when - timedelta(days=1)).date().isoformat(), "to": when.date().isoformat()}
    before = owner.get("/api/v1/workflows/claims-intake-summary/metrics", period).json()
    assert before["producer_escalation_reasons"] == [
        {"reason": f"{GONE} producer unsure", "count": 1}
    ]

    _expire(claims, draft)
    purge_expired()

    assert GONE not in str(MetricsDay.objects.get(workflow=claims, day=when.date()).tally)
    after = owner.get("/api/v1/workflows/claims-intake-summary/metrics", period).json()
    assert after["producer_escalation_reasons"] == [{"reason": PURGED_REASON, "count": 1}]
    MetricsDay.objects.filter(workflow=claims).delete()  # counted again from the drafts
    rebuilt = owner.get("/api/v1/workflows/claims-intake-summary/metrics", period).json()
    assert rebuilt["escalated_by_producer"] == 1
    assert rebuilt["producer_escalation_reasons"] == [{"reason": PURGED_REASON, "count": 1}]
