"""The owner's dashboard of one workflow: metrics, what reviewers corrected, flagged sources,
callbacks with a re-send, and the earned-automation switch. Auditors see it read-only."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from uuid import UUID

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_safe

from audit.actors import Actor
from reviewqueue.models import Draft
from reviewqueue.web.changes import decision_history
from reviewqueue.web.navigation import post_only
from reviewqueue.web.security import content_security_policy
from workflows.callbacks import outbox
from workflows.models import CallbackDelivery, Workflow
from workflows.selectors import golden
from workflows.selectors.access import OWNER, OwnersOnly, access_workflow_feedback
from workflows.selectors.callbacks import callback_of, callbacks_of
from workflows.selectors.examples import category_examples
from workflows.selectors.metrics import EARLIEST, LATEST, OUT_OF_RANGE, Period, workflow_metrics
from workflows.selectors.sources import source_report
from workflows.services import automation

RECENT_CALLBACKS = 20
# What owners may read of their workflow's drafts: what a person decided (the golden set's cases).
DECIDED = Draft.DECIDED_BY_A_PERSON


def _period_query(query: QueryDict) -> QueryDict:
    """The dashboard's period, also given as the metrics API names it (`from`, `to`): a link
    copied from one to the other must not quietly show the default 30 days."""
    query = query.copy()
    for api_name, name in (("from", "start"), ("to", "end")):
        if api_name in query and name not in query:
            query[name] = query[api_name]
    return query


class PeriodForm(forms.Form):
    start = forms.DateField(label="From", required=False)
    end = forms.DateField(label="To (inclusive)", required=False)
    bucket = forms.ChoiceField(
        choices=[("day", "by day"), ("week", "by week")], required=False, initial="day"
    )

    def clean_start(self):
        return _in_range(self.cleaned_data["start"])

    def clean_end(self):
        return _in_range(self.cleaned_data["end"])

    def clean(self):
        data = super().clean()
        if data.get("start") and data.get("end") and data["start"] > data["end"]:
            raise forms.ValidationError("'From' must not be after 'To'.")
        return data

    def period(self) -> Period:
        """The chosen days (UTC, 'To' included), by default the last 30 days up to now."""
        data = self.cleaned_data if self.is_bound and self.is_valid() else {}
        today = timezone.now().astimezone(UTC).date()
        last = data.get("end") or today
        first = data.get("start") or last - timedelta(days=29)
        start = datetime.combine(first, time.min, tzinfo=UTC)
        end = min(datetime.combine(last + timedelta(days=1), time.min, tzinfo=UTC), timezone.now())
        end = max(end, start + timedelta(microseconds=1))  # a period starting in the future
        return Period(start, end, data.get("bucket") or "day")


def _in_range(day: date | None) -> date | None:
    if day is not None and not EARLIEST.date() <= day < LATEST.date():
        raise forms.ValidationError(OUT_OF_RANGE, code="out_of_range")
    return day


def _workflow_for(
    request: HttpRequest, slug: str, *, owners_only: bool = False
) -> tuple[Workflow, str]:
    """The workflow and the person's role; 404 as for a missing one if it is not theirs to see,
    OwnersOnly (answered by _refused) for an auditor asking to act."""
    try:
        return access_workflow_feedback(request.user, slug, owners_only=owners_only)
    except Workflow.DoesNotExist as missing:
        raise Http404("No such workflow.") from missing


def _refused(request: HttpRequest, slug: str) -> HttpResponse:
    return render(request, "owner/refused.html", {"slug": slug, "status": 403}, status=403)


@content_security_policy
@login_required
@require_safe
def dashboard(request: HttpRequest, slug: str) -> HttpResponse:
    workflow, role = _workflow_for(request, slug)
    form = PeriodForm(_period_query(request.GET) if request.GET else None)
    status = 400 if form.is_bound and not form.is_valid() else 200
    period = form.period()
    metrics = workflow_metrics(workflow, period)
    # Links to decided drafts as examples: for owners, who act on them (auditors may open such
    # a page from the audit log, but the dashboard shows them the figures only).
    if role == OWNER:
        examples = category_examples(
            workflow, period.start, period.end, [c["category"] for c in metrics["error_categories"]]
        )
        for category in metrics["error_categories"]:
            category["examples"] = examples[category["category"]]
    labels = dict(workflow.error_categories.values_list("slug", "label"))
    for category in metrics["error_categories"]:  # as reviewers see them
        category["label"] = labels.get(category["category"], category["category"])
    callbacks = callbacks_of(workflow)[:RECENT_CALLBACKS]
    context = {
        "workflow": workflow,
        "is_owner": role == OWNER,
        "form": form,
        "period": period,
        "last_day": (period.end - timedelta(microseconds=1)).date(),
        "not_begun": period.start > timezone.now(),
        "m": metrics,
        "sources": source_report(workflow, start=period.start, end=period.end, limit=10),
        "automation": automation.status(workflow),
        "callbacks": callbacks,
        "decided": DECIDED,
    }
    return render(request, "owner/dashboard.html", context, status=status)


@content_security_policy
@login_required
@post_only
def switch_automation(request: HttpRequest, slug: str) -> HttpResponse:
    try:
        workflow, _role = _workflow_for(request, slug, owners_only=True)
    except OwnersOnly:
        return _refused(request, slug)
    actor = Actor.person(request.user)
    if request.POST.get("enabled") == "1":
        try:
            automation.switch_on(workflow=workflow, actor=actor)
        except automation.NotEarned as refused:
            messages.error(request, f"Auto-approval not switched on: {refused}")
        else:
            messages.success(request, "Auto-approval of low drafts is on, with QA samples.")
    else:
        automation.switch_off(workflow=workflow, actor=actor, reason="owner")
        messages.success(request, "Auto-approval is off: every draft goes to a person.")
    return redirect("owner-dashboard", slug=workflow.slug)


@content_security_policy
@login_required
@post_only
def resend_callback(request: HttpRequest, slug: str, delivery_id: str) -> HttpResponse:
    try:
        workflow, _role = _workflow_for(request, slug, owners_only=True)
    except OwnersOnly:
        return _refused(request, slug)
    try:
        delivery = callback_of(workflow, delivery_id)
    except CallbackDelivery.DoesNotExist as missing:
        raise Http404("No such callback.") from missing
    try:
        outbox.resend(delivery=delivery, actor=Actor.person(request.user))
    except outbox.DraftPurged as purged:
        messages.error(request, str(purged))
        return redirect("owner-dashboard", slug=workflow.slug)
    messages.success(request, f"The {delivery.event_type} callback is queued to be sent again.")
    return redirect("owner-dashboard", slug=workflow.slug)


@content_security_policy
@login_required
@require_safe
def decided_draft(request: HttpRequest, slug: str, draft_id: UUID) -> HttpResponse:
    # Auditors read it too: checking a decision in the log means reading what was decided.
    workflow, _role = _workflow_for(request, slug)
    try:
        draft = golden.decided_draft(workflow, draft_id)
    except Draft.DoesNotExist as missing:
        raise Http404("No such decided draft in this workflow.") from missing
    context = {
        "workflow": workflow,
        "draft": draft,
        "history": decision_history(draft),
    }
    return render(request, "owner/draft.html", context)
