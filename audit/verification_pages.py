"""The auditor's verification pages: ask for a check of the chain, follow it, read its result.

The check runs on a worker (audit/verification_runs.py); the run's page refreshes itself every
few seconds until it is done (a meta refresh: the pages run no script).
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_safe

from audit import verification_runs
from audit.forms import VerifyForm
from audit.models import VerificationRun
from audit.sealing import head
from audit.selectors import verifications
from audit.web import auditor_required, log_context
from reviewqueue import text
from reviewqueue.web.navigation import post_only
from reviewqueue.web.security import content_security_policy

RECENT = 50

PROBLEMS = {
    "missing_position": "A position is missing from the chain (a seal was removed).",
    "entry_missing": "A sealed entry is gone (it was deleted).",
    "broken_link": "A seal does not follow the hash before it (the chain was re-linked).",
    "entry_altered": "An entry no longer matches its hash (it was changed).",
    "checkpoint_mismatch": "The chain does not hold this checkpoint: either it was mistyped, or "
    "the log was rewritten or cut after it was taken. Compare it with the copy you keep.",
    "entry_not_in_chain": "An entry lies behind the sealer but was never sealed: it was written "
    "behind the application's back.",
    "unsealed_entries": "Entries waited too long to be sealed (is the sealer running?).",
}


@content_security_policy
@login_required
@post_only
@auditor_required
def request_verification(request: HttpRequest) -> HttpResponse:
    form = VerifyForm(request.POST)
    if not form.is_valid():
        context = {**log_context(QueryDict()), "verify_form": form}
        return render(request, "audit/log.html", context, status=400)
    run = verification_runs.request_verification(
        user=request.user, checkpoint=form.cleaned_data["checkpoint"]
    )
    return redirect("audit-verification", run_id=run.pk)


@content_security_policy
@login_required
@require_safe
@auditor_required
def verification(request: HttpRequest, run_id: int) -> HttpResponse:
    run = verifications().filter(pk=run_id).first()
    if run is None:
        raise Http404("No such verification.")
    return render(request, "audit/verification.html", describe(run))


@content_security_policy
@login_required
@require_safe
@auditor_required
def verification_list(request: HttpRequest) -> HttpResponse:
    runs = [describe(run) for run in verifications()[:RECENT]]
    return render(request, "audit/verifications.html", {"runs": runs, "shown": RECENT})


def describe(run: VerificationRun) -> dict:
    """What the pages say about a run: its state in words, progress, the problem explained."""
    report = run.report or {}
    stalled = verification_runs.is_stalled(run)
    waiting = run.status == VerificationRun.Status.QUEUED
    return {
        "run": run,
        "report": report,
        "problem": PROBLEMS.get(report.get("problem") or "", report.get("problem")),
        "stalled": stalled,
        "in_progress": run.status != VerificationRun.Status.FINISHED and not stalled,
        "worker_late": waiting
        and timezone.now() - run.requested_at > verification_runs.UNCLAIMED_AFTER * 2,
        "total": head().position if run.status != VerificationRun.Status.FINISHED else None,
        # timesince would say "0 minutes" of the few seconds a small log takes.
        "took": text.seconds_in_words((run.finished_at - run.started_at).total_seconds())
        if run.finished_at and run.started_at
        else None,
    }
