"""Owners' feedback endpoints: metrics, the golden set, the source report, earned automation."""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

from django.http import StreamingHttpResponse
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions
from rest_framework.response import Response

from audit.actors import Actor
from reviewqueue.api.base import APIBase, ErrorOut
from reviewqueue.api.errors import APIError
from reviewqueue.api.fields import StrictSerializer, TrueFalseField
from reviewqueue.api.permissions import IsPerson
from reviewqueue.models import Draft
from workflows.api.access import access_workflow
from workflows.selectors.golden import golden_cases
from workflows.selectors.metrics import EARLIEST, LATEST, OUT_OF_RANGE, Period, workflow_metrics
from workflows.selectors.sources import source_report
from workflows.services import automation
from workflows.services.exports import golden_set_downloaded


def _moment(name: str, raw: str | None, default: datetime, *, end: bool = False) -> datetime:
    """An ISO time, or a date: its first moment, or as an `end`, the first moment after it (so
    `from=2026-11-15&to=2026-11-15` is that whole day, as the dashboard reads its period)."""
    if not raw:
        return default
    try:
        day = parse_date(raw)  # first: parse_datetime would read a bare date as its midnight
        parsed = None if day is not None else parse_datetime(raw)
    except ValueError:  # the right shape, an impossible value: 2026-02-30, 25:00
        day = parsed = None
    if day is not None and not EARLIEST.date() <= day < LATEST.date():
        raise exceptions.ValidationError(
            {name: [exceptions.ErrorDetail(OUT_OF_RANGE, code="out_of_range")]}
        )
    if day is not None:
        parsed = datetime.combine(day + timedelta(days=1) if end else day, datetime.min.time())
    if parsed is None:
        raise exceptions.ValidationError(
            {name: [exceptions.ErrorDetail("Use an ISO date or time.", code="invalid")]}
        )
    moment = parsed if timezone.is_aware(parsed) else timezone.make_aware(parsed, UTC)
    if not (EARLIEST <= moment < LATEST or (end and moment == LATEST)):
        raise exceptions.ValidationError(
            {name: [exceptions.ErrorDetail(OUT_OF_RANGE, code="out_of_range")]}
        )
    return moment


def period_from(request, default_days: int = 30) -> Period:
    now = timezone.now()
    end = _moment("to", request.query_params.get("to"), now, end=True)
    start = _moment("from", request.query_params.get("from"), end - timedelta(days=default_days))
    bucket = request.query_params.get("bucket", "day")
    if bucket not in ("day", "week"):
        raise exceptions.ValidationError(
            {"bucket": [exceptions.ErrorDetail("Use day or week.", code="invalid_choice")]}
        )
    if start >= end:
        raise exceptions.ValidationError(
            # The audit filters' code for the same mistake (since ≥ until).
            {"from": [exceptions.ErrorDetail("Must be before 'to'.", code="invalid_range")]}
        )
    return Period(start, end, bucket)


_period = [
    OpenApiParameter("from", description="ISO date or time (default: 30 days before 'to')"),
    OpenApiParameter(
        "to", description="ISO time, or a date: up to the end of that day (default: now)"
    ),
]
_denied = {403: OpenApiResponse(ErrorOut), 404: OpenApiResponse(ErrorOut)}


class Metrics(APIBase):
    permission_classes = [IsPerson]
    query_parameters = {"GET": ("from", "to", "bucket")}

    @extend_schema(
        operation_id="workflow_metrics",
        parameters=[*_period, OpenApiParameter("bucket", enum=["day", "week"])],
        responses={200: OpenApiResponse(description="Rates, counts, percentiles, ROI."), **_denied},
    )
    def get(self, request, slug: str):
        workflow = access_workflow(request.user, slug)
        return Response(workflow_metrics(workflow, period_from(request)))


class GoldenSet(APIBase):
    permission_classes = [IsPerson]
    query_parameters = {"GET": ("from", "to", "verdict", "golden_only")}
    repeatable_parameters = ("verdict",)

    @extend_schema(
        operation_id="workflow_golden_set",
        parameters=[
            *_period,
            OpenApiParameter("verdict", enum=list(Draft.DECIDED_BY_A_PERSON), many=True),
            OpenApiParameter("golden_only", bool),
        ],
        responses={(200, "application/jsonl"): str, **_denied},
    )
    def get(self, request, slug: str):
        workflow = access_workflow(request.user, slug, owners_only=True)
        verdicts = request.query_params.getlist("verdict") or list(Draft.DECIDED_BY_A_PERSON)
        if set(verdicts) - set(Draft.DECIDED_BY_A_PERSON):
            raise exceptions.ValidationError(
                {
                    "verdict": [
                        exceptions.ErrorDetail("approved, edited or rejected", "invalid_choice")
                    ]
                }
            )
        golden_only = request.query_params.get("golden_only", "false").lower()
        if golden_only not in ("1", "true", "0", "false"):
            raise exceptions.ValidationError(
                {"golden_only": [exceptions.ErrorDetail("true or false (1 or 0)", "invalid")]}
            )
        cases = golden_cases(
            workflow,
            period_from(request, default_days=3650),
            verdicts,
            golden_only=golden_only in ("1", "true"),
        )
        filters = {name: request.query_params.getlist(name) for name in request.query_params}
        lines: Iterable[str] = ()  # HEAD asks about the download: nothing leaves, nothing logged
        if request.method == "GET":
            actor = Actor.person(request.user)
            golden_set_downloaded(workflow=workflow, actor=actor, filters=filters)
            lines = (json.dumps(case, ensure_ascii=False) + "\n" for case in cases)
        response = StreamingHttpResponse(lines, content_type="application/jsonl")
        response["Content-Disposition"] = f'attachment; filename="{slug}-golden-set.jsonl"'
        return response


class SourceReport(APIBase):
    permission_classes = [IsPerson]
    query_parameters = {"GET": ("from", "to")}

    @extend_schema(
        operation_id="workflow_source_report",
        parameters=[
            OpenApiParameter("from", description="ISO date or time (default: no limit)"),
            OpenApiParameter("to", description="ISO time, or a date: up to the end of that day"),
        ],
        responses={200: OpenApiResponse()},
    )
    def get(self, request, slug: str):
        workflow = access_workflow(request.user, slug)
        # All flags unless a period is asked for: a source stays wrong until someone fixes it.
        start = _moment("from", request.query_params.get("from"), EARLIEST)
        end = _moment("to", request.query_params.get("to"), LATEST, end=True)
        return Response({"results": source_report(workflow, start=start, end=end)})


class AutomationIn(StrictSerializer):
    enabled = TrueFalseField()


class Automation(APIBase):
    permission_classes = [IsPerson]

    @extend_schema(
        operation_id="workflow_automation",
        request=AutomationIn,
        responses={
            200: OpenApiResponse(description="The new state with the figures behind it."),
            409: OpenApiResponse(ErrorOut, description="Acceptance has not earned it yet."),
            **_denied,
        },
    )
    def post(self, request, slug: str):
        workflow = access_workflow(request.user, slug, owners_only=True)
        incoming = AutomationIn(data=request.data)
        incoming.is_valid(raise_exception=True)
        actor = Actor.person(request.user)
        try:
            if incoming.validated_data["enabled"]:
                figures = automation.switch_on(workflow=workflow, actor=actor)
            else:
                figures = automation.switch_off(workflow=workflow, actor=actor, reason="owner")
        except automation.NotEarned as refused:
            raise APIError(409, "automation_not_earned", str(refused)) from refused
        return Response(figures)

    @extend_schema(operation_id="workflow_automation_status", responses={200: OpenApiResponse()})
    def get(self, request, slug: str):
        workflow = access_workflow(request.user, slug)
        return Response(automation.status(workflow))
