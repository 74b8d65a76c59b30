"""Earned automation: low-consequence drafts are auto-approved only while humans agree.

Switching on needs the workflow's last `automation_window` (200) human decisions on low drafts
to show acceptance (approved unchanged) at or above `automation_threshold` (95 %). While on, a
random `qa_sample_rate` (10 %) of would-be auto-approvals goes to the QA queue instead; when
acceptance over the last `qa_window` (50) samples reviewed since it went on falls below the
threshold, auto-approval switches itself off, the owners are told, and it is an audit event.
After that, only human decisions made since the switch-off can earn it back: the decisions
that earned it the first time are what QA just contradicted.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal

from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone

from audit import events
from audit.actors import Actor
from audit.services import record
from reviewqueue.models import Decision
from workflows.models import Workflow


class NotEarned(Exception):
    pass


def _acceptance(decisions: Iterable[tuple[str, str]]) -> tuple[int, Decimal | None]:
    outcomes = list(decisions)
    if not outcomes:
        return 0, None
    approved = sum(1 for action, status in outcomes if status == "approved")
    return len(outcomes), (Decimal(approved) / len(outcomes)).quantize(Decimal("0.0001"))


def low_draft_acceptance(workflow: Workflow) -> tuple[int, Decimal | None]:
    recent = Decision.objects.filter(
        workflow=workflow, is_final=True, draft__consequence="low", draft__qa_sample=False
    )
    if workflow.automation_revoked_at is not None:
        recent = recent.filter(decided_at__gt=workflow.automation_revoked_at)
    outcomes = recent.order_by("-decided_at").values_list("action", "draft__status")
    return _acceptance(outcomes[: workflow.automation_window])


def qa_acceptance(workflow: Workflow) -> tuple[int, Decimal | None]:
    recent = Decision.objects.filter(workflow=workflow, is_final=True, draft__qa_sample=True)
    if workflow.automation_on_since is not None:
        recent = recent.filter(decided_at__gt=workflow.automation_on_since)
    outcomes = recent.order_by("-decided_at").values_list("action", "draft__status")
    return _acceptance(outcomes[: workflow.qa_window])


def status(workflow: Workflow) -> dict:
    count, rate = low_draft_acceptance(workflow)
    qa_count, qa_rate = qa_acceptance(workflow)
    return {
        "enabled": workflow.auto_approve_low,
        "threshold": str(workflow.automation_threshold),
        "window": workflow.automation_window,
        "low_decisions": count,
        "low_acceptance": str(rate) if rate is not None else None,
        "qa_queue": workflow.qa_queue.slug if workflow.qa_queue else None,
        "qa_sample_rate": str(workflow.qa_sample_rate),
        "qa_window": workflow.qa_window,
        "qa_reviewed": qa_count,
        "qa_acceptance": str(qa_rate) if qa_rate is not None else None,
        "on_since": _iso(workflow.automation_on_since) if workflow.auto_approve_low else None,
        "revoked_by_qa_at": _iso(workflow.automation_revoked_at),
        "not_earned_because": None
        if workflow.auto_approve_low
        else not_earned_because(workflow, count, rate),
    }


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def not_earned_because(workflow: Workflow, count: int, rate: Decimal | None) -> str | None:
    """Why auto-approval may not be switched on now (None: it may)."""
    if workflow.qa_queue is None:
        return (
            "The workflow has no QA queue for the samples: an admin sets one on the workflow's "
            "admin page first."
        )
    if count < workflow.automation_window:
        since = (
            f" since QA results switched it off on {workflow.automation_revoked_at:%d %b %Y}"
            if workflow.automation_revoked_at
            else " so far"
        )
        return (
            f"Only {count} human decisions on low drafts{since}; "
            f"{workflow.automation_window} are needed."
        )
    if rate is None or rate < workflow.automation_threshold:
        return (
            f"Acceptance of the last {count} low drafts is {rate:.1%}; "
            f"{workflow.automation_threshold:.0%} is needed."
        )
    return None


def switch_on(*, workflow: Workflow, actor: Actor) -> dict:
    with transaction.atomic():
        locked = _lock(workflow)
        # Judged under the lock: a QA switch-off committed a moment ago moves the window of
        # decisions that may earn it back, and must not be undone by a judgement made before.
        count, rate = low_draft_acceptance(locked)
        if reason := not_earned_because(locked, count, rate):
            raise NotEarned(reason)
        _set(locked, True, actor, {"low_decisions": count, "low_acceptance": str(rate)})
    return status(Workflow.objects.get(pk=workflow.pk))


def switch_off(*, workflow: Workflow, actor: Actor, reason: str) -> dict:
    with transaction.atomic():
        _set(_lock(workflow), False, actor, {"reason": reason})
    return status(Workflow.objects.get(pk=workflow.pk))


def after_qa_decision(workflow: Workflow) -> None:
    """Called in the transaction of a final decision on a QA sample."""
    if not workflow.auto_approve_low:
        return
    count, rate = qa_acceptance(workflow)
    if count >= workflow.qa_window and rate is not None and rate < workflow.automation_threshold:
        locked = _lock(workflow)
        figures = {"reason": "qa", "qa_reviewed": count, "qa_acceptance": str(rate)}
        if _set(locked, False, Actor.system("earned automation"), figures, revoked_by_qa=True):
            transaction.on_commit(lambda: _tell_owners(locked, count, rate))


def _lock(workflow: Workflow) -> Workflow:
    # Locked so a switch-on and a QA switch-off cannot both act on the same "before"; no_key:
    # drafts and decisions of the workflow are still written meanwhile.
    return Workflow.objects.select_for_update(of=("self",), no_key=True).get(pk=workflow.pk)


def _set(
    locked: Workflow, enabled: bool, actor: Actor, figures: dict, *, revoked_by_qa: bool = False
) -> bool:
    """Switch the locked workflow's auto-approval, with its audit entry; False if it already was."""
    if locked.auto_approve_low == enabled:
        return False
    locked.auto_approve_low = enabled
    if enabled:
        locked.automation_on_since = timezone.now()
    elif revoked_by_qa:
        locked.automation_revoked_at = timezone.now()
    locked.save(
        update_fields=[
            "auto_approve_low",
            "automation_on_since",
            "automation_revoked_at",
            "updated_at",
        ]
    )
    record(
        events.AUTOMATION_CHANGED,
        actor=actor,
        object_type="workflow",
        object_id=locked.pk,
        workflow_slug=locked.slug,
        data={
            "before": {"auto_approve_low": not enabled},
            "after": {"auto_approve_low": enabled},
            **figures,
        },
    )
    return True


def _tell_owners(workflow: Workflow, qa_reviewed: int, qa_acceptance: Decimal) -> None:
    emails = [o.email for o in workflow.owners if o.email]
    if emails:
        send_mail(
            subject=f"Auto-approval switched off for {workflow.slug}",
            message=(
                f"QA reviewers accepted {qa_acceptance:.1%} of the last "
                f"{qa_reviewed} auto-approval samples, below the "
                f"{workflow.automation_threshold:.0%} threshold. Low-consequence drafts go to "
                "human review again until acceptance earns automation back."
            ),
            from_email=None,
            recipient_list=emails,
        )
