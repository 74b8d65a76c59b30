"""Daily draft limits and monthly budgets.

Usage is counted in `WorkflowUsage` rows (one per day, one per month) that ingest locks and bumps
in the same transaction as the drafts it stores, so concurrent ingests cannot overshoot a limit.
Workflows with neither limit skip all of this.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from workflows.models import Workflow, WorkflowUsage


@dataclass(frozen=True)
class QuotaVerdict:
    accepted: list[int]  # indexes of the items that fit
    refused: dict[int, str]  # index -> "quota_exceeded" | "budget_exceeded"


def _locked_usage(workflow: Workflow, period: str, start: date) -> WorkflowUsage:
    WorkflowUsage.objects.bulk_create(
        [WorkflowUsage(workflow=workflow, period=period, period_start=start)],
        ignore_conflicts=True,
    )
    # Lock the counter until the drafts it counts commit; concurrent ingests queue here briefly.
    return WorkflowUsage.objects.select_for_update(of=("self",), no_key=True).get(
        workflow=workflow, period=period, period_start=start
    )


def consume(*, workflow: Workflow, costs: list[Decimal], now: datetime) -> QuotaVerdict:
    """Take quota for drafts costing `costs`, in order; the ones that do not fit are refused.

    Must run inside the transaction that stores the accepted drafts.
    """
    if workflow.daily_draft_limit is None and workflow.monthly_budget_usd is None:
        return QuotaVerdict(accepted=list(range(len(costs))), refused={})
    today = now.date()
    limit, budget = workflow.daily_draft_limit, workflow.monthly_budget_usd
    # Only the counters a limit needs, in a fixed order (day, then month) so two ingests never
    # wait on each other in a cycle.
    day = _locked_usage(workflow, WorkflowUsage.Period.DAY, today) if limit is not None else None
    month = (
        _locked_usage(workflow, WorkflowUsage.Period.MONTH, today.replace(day=1))
        if budget is not None
        else None
    )
    accepted: list[int] = []
    refused: dict[int, str] = {}
    for index, cost in enumerate(costs):
        if day is not None and limit is not None and day.drafts >= limit:
            refused[index] = "quota_exceeded"
        elif month is not None and budget is not None and month.cost_usd + cost > budget:
            refused[index] = "budget_exceeded"
        else:
            for usage in (day, month):
                if usage is not None:
                    usage.drafts += 1
                    usage.cost_usd += cost
            accepted.append(index)
    if accepted:
        for usage in (day, month):
            if usage is not None:
                usage.save(update_fields=["drafts", "cost_usd"])
    return QuotaVerdict(accepted=accepted, refused=refused)
