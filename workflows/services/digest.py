"""The weekly digest to a workflow's owners: volume, acceptance, what went wrong and where to
look, escalations, SLA breaches, cost and ROI, each beside the week before."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from audit import events
from audit.actors import Actor
from audit.services import record
from workflows.models import DigestSent, Workflow
from workflows.selectors.examples import category_examples
from workflows.selectors.metrics import Period, workflow_metrics


@dataclass(frozen=True)
class Digest:
    subject: str
    text: str
    html: str


def week_of(day: date) -> tuple[datetime, datetime]:
    """The Monday-to-Monday week that ended on or before `day`."""
    monday = day - timedelta(days=day.weekday())
    end = timezone.make_aware(datetime.combine(monday, time.min))
    return end - timedelta(days=7), end


def build(workflow: Workflow, start: datetime, end: datetime) -> Digest:
    this = workflow_metrics(workflow, Period(start, end, "day"))
    last = workflow_metrics(workflow, Period(start - timedelta(days=7), start, "day"))
    before = {c["category"]: c["count"] for c in last["error_categories"]}
    top = this["error_categories"][:5]
    examples = category_examples(workflow, start, end, [item["category"] for item in top])
    labels = dict(workflow.error_categories.values_list("slug", "label"))
    categories = [
        {
            **item,
            "label": labels.get(item["category"], item["category"]),  # as reviewers see them
            "before": before.get(item["category"], 0),
            "change": item["count"] - before.get(item["category"], 0),
            "compared": _compared(item["count"], before.get(item["category"], 0)),
            "examples": [
                settings.RQ_BASE_URL + reverse("owner-draft", args=[workflow.slug, draft_id])
                for draft_id in examples[item["category"]]
            ],
        }
        for item in top
    ]
    context = {
        "workflow": workflow,
        "start": start.date(),
        "end": (end - timedelta(days=1)).date(),
        "this": this,
        "last": last,
        "categories": categories,
        "dashboard": settings.RQ_BASE_URL + reverse("owner-dashboard", args=[workflow.slug]),
    }
    subject = (
        f"{workflow.name}: week of {context['start']:%d %b} — "
        f"{this['drafts_received']} drafts, "
        f"{_pct(this['acceptance_rate'])} approved unchanged"
    )
    return Digest(
        subject=subject,
        text=render_to_string("digest/weekly.txt", context),
        html=render_to_string("digest/weekly.html", context),
    )


def _compared(now: int, before: int) -> str:
    """This week's count against the week before's, in words: "up 2 from 1 the week before"."""
    if now == before:
        return "as many as the week before"
    return f"{'up' if now > before else 'down'} {abs(now - before)} from {before} the week before"


def _pct(rate: float | None) -> str:
    return "–" if rate is None else f"{rate:.0%}"


@dataclass(frozen=True)
class Sending:
    sent: bool
    why_not: str = ""  # said to whoever asked for it (send_digest), when not sent


def send(workflow: Workflow, *, day: date | None = None, force: bool = False) -> Sending:
    """Mail the digest for the week before `day` to the owners, once (unless forced)."""
    start, end = week_of(day or timezone.now().date())
    recipients = sorted({o.email for o in workflow.owners if o.email and o.is_active})
    if not recipients:
        return Sending(False, "none of its owners has an e-mail address")
    try:
        with transaction.atomic():
            if force:
                DigestSent.objects.filter(workflow=workflow, week_start=start.date()).delete()
            DigestSent.objects.create(
                workflow=workflow,
                week_start=start.date(),
                sent_at=timezone.now(),
                recipients=recipients,
            )
            record(
                events.DIGEST_SENT,
                actor=Actor.system("weekly digest"),
                object_type="workflow",
                object_id=workflow.pk,
                workflow_slug=workflow.slug,
                data={"week_start": start.date().isoformat(), "recipients": recipients},
            )
            digest = build(workflow, start, end)
            transaction.on_commit(lambda: _mail(digest, recipients))
    except IntegrityError:  # another worker, or an earlier run
        return Sending(
            False, f"already sent for the week of {start:%d %b %Y} (--force sends again)"
        )
    return Sending(True)


def _mail(digest: Digest, recipients: list[str]) -> None:
    message = EmailMultiAlternatives(digest.subject, digest.text, None, recipients)
    message.attach_alternative(digest.html, "text/html")
    message.send()


def send_all(*, day: date | None = None) -> int:
    return sum(send(workflow, day=day).sent for workflow in Workflow.objects.all())
