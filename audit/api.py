"""The auditor API: entries (filtered, cursor-paginated), one entry, streamed export, verify."""

from __future__ import annotations

from collections.abc import Iterable

import django_filters
from django import forms
from django.http import StreamingHttpResponse
from django.utils import timezone
from django_filters.utils import translate_validation
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, serializers
from rest_framework.permissions import BasePermission
from rest_framework.response import Response

from audit import events, verification_runs
from audit.actors import Actor
from audit.checkpoints import parse_checkpoint
from audit.exports import csv_lines, jsonl_lines
from audit.models import AuditEntry
from audit.services import record_export
from reviewqueue.api.authentication import Producer
from reviewqueue.api.base import PAGES, APIBase, ErrorOut, page_of
from reviewqueue.api.pagination import CursorPages


class IsAuditor(BasePermission):
    """Auditors (global read_audit_log permission) and admins; nobody else, no producer."""

    def has_permission(self, request, view) -> bool:
        user = request.user
        if not user or not user.is_authenticated or isinstance(user, Producer):
            return False
        return user.has_perm("audit.read_audit_log")


class _TimeRangeForm(forms.Form):
    def clean(self):
        data = super().clean()
        since, until = data.get("since"), data.get("until")
        if since and until and since >= until:
            # An empty answer would look like "nothing happened"; a reversed range is a mistake.
            self.add_error(
                "until", forms.ValidationError("Must be after 'since'.", code="invalid_range")
            )
        return data


ACTOR_TYPES = [
    ("person", "person"),
    ("producer", "producer (an API key)"),
    ("system", "system task"),
    ("anonymous", "anonymous (failed sign-ins)"),
]


def _known_action(value: str) -> None:
    # A misspelt action would answer with an empty log, which reads as "it never happened".
    families = sorted({name.split(".")[0] for name in events.REGISTERED})
    if value not in events.REGISTERED and value not in families:
        raise forms.ValidationError(
            "No such action. Use a full name such as draft.decided, or one of the families "
            f"{', '.join(families)} for all of its events.",
            code="invalid_choice",
        )


class EntryFilter(django_filters.FilterSet):
    actor = django_filters.CharFilter(field_name="actor_label")
    # A choice: a type that does not exist is a 400, not an empty log that looks like "nothing".
    actor_type = django_filters.ChoiceFilter(choices=ACTOR_TYPES, empty_label="any")
    action = django_filters.CharFilter(method="filter_action", validators=[_known_action])
    workflow = django_filters.CharFilter(field_name="workflow_slug")
    object_type = django_filters.CharFilter()
    object_id = django_filters.CharFilter()
    since = django_filters.IsoDateTimeFilter(field_name="occurred_at", lookup_expr="gte")
    until = django_filters.IsoDateTimeFilter(field_name="occurred_at", lookup_expr="lt")

    class Meta:
        model = AuditEntry
        fields = ["actor", "actor_type", "action", "workflow", "object_type", "object_id"]
        form = _TimeRangeForm

    def filter_action(self, queryset, name: str, value: str):
        # A full name ("draft.decided") matches itself; a family ("draft") all of its events.
        if "." in value:
            return queryset.filter(action=value)
        return queryset.filter(action__startswith=f"{value}.")


FILTER_NAMES = tuple(EntryFilter.base_filters)


def filtered_entries(request):
    entries = EntryFilter(request.query_params, queryset=AuditEntry.objects.all())
    if not entries.is_valid():
        # With each error's own code (invalid, invalid_range, …), not only its message.
        raise translate_validation(entries.errors)
    return entries.qs


def _filters_used(request) -> dict[str, list[str]]:
    """The filters the export applied, as the auditor sent them; other parameters mean nothing."""
    params = request.query_params
    return {name: params.getlist(name) for name in FILTER_NAMES if name in params}


class EntryOut(serializers.ModelSerializer):
    position = serializers.IntegerField(source="seal.position", default=None, allow_null=True)
    prev_hash = serializers.CharField(source="seal.prev_hash", default=None, allow_null=True)
    hash = serializers.CharField(source="seal.hash", default=None, allow_null=True)

    class Meta:
        model = AuditEntry
        fields = [
            "id",
            "occurred_at",
            "actor_type",
            "actor_id",
            "actor_label",
            "action",
            "object_type",
            "object_id",
            "workflow_slug",
            "request_id",
            "data",
            "position",
            "prev_hash",
            "hash",
        ]
        read_only_fields = fields


class EntryPages(CursorPages):
    ordering = "-id"
    page_size = 100
    page_size_query_param = "page_size"
    max_page_size = 1000


_FILTERS = [
    OpenApiParameter(name, description=text)
    for name, text in [
        ("actor", "actor label, e.g. a username"),
        ("actor_type", "person, producer or system"),
        ("action", "e.g. draft.decided"),
        ("workflow", "workflow slug"),
        ("object_type", "e.g. draft"),
        ("object_id", ""),
        ("since", "ISO time, inclusive"),
        ("until", "ISO time, exclusive"),
    ]
]
_denied = {403: OpenApiResponse(ErrorOut, description="Not an auditor.")}


class EntryList(APIBase):
    permission_classes = [IsAuditor]
    query_parameters = {"GET": (*FILTER_NAMES, *PAGES)}

    @extend_schema(
        operation_id="audit_entries",
        parameters=[*_FILTERS, OpenApiParameter("cursor"), OpenApiParameter("page_size", int)],
        responses={200: page_of(EntryOut(many=True), "AuditEntryPage"), **_denied},
    )
    def get(self, request):
        pages = EntryPages()
        page = pages.paginate_queryset(filtered_entries(request).select_related("seal"), request)
        return pages.get_paginated_response(EntryOut(page, many=True).data)


class EntryDetail(APIBase):
    permission_classes = [IsAuditor]

    @extend_schema(operation_id="audit_entry", responses={200: EntryOut, **_denied})
    def get(self, request, entry_id: int):
        entry = AuditEntry.objects.select_related("seal").filter(pk=entry_id).first()
        if entry is None:
            raise exceptions.NotFound("No such audit entry.")
        return Response(EntryOut(entry).data)


class Export(APIBase):
    permission_classes = [IsAuditor]
    query_parameters = {"GET": ("format", *FILTER_NAMES)}

    @extend_schema(
        operation_id="audit_export",
        parameters=[OpenApiParameter("format", enum=["csv", "jsonl"]), *_FILTERS],
        responses={(200, "text/csv"): str, (200, "application/jsonl"): str, **_denied},
    )
    def get(self, request):
        kind = request.query_params.get("format", "csv")
        if kind not in ("csv", "jsonl"):
            raise exceptions.ValidationError(
                {"format": [exceptions.ErrorDetail("Use csv or jsonl.", code="invalid_choice")]}
            )
        entries = filtered_entries(request).order_by("id")
        lines: Iterable[str] = ()  # HEAD asks about the download: nothing leaves, nothing logged
        if request.method == "GET":
            actor = Actor.person(request.user)
            record_export(actor=actor, kind=kind, filters=_filters_used(request))
            lines = csv_lines(entries) if kind == "csv" else jsonl_lines(entries)
        stamp = timezone.now().strftime("%Y%m%dT%H%M%SZ")
        response = StreamingHttpResponse(
            lines, content_type="text/csv; charset=utf-8" if kind == "csv" else "application/jsonl"
        )
        response["Content-Disposition"] = f'attachment; filename="audit-{stamp}.{kind}"'
        return response


class Verify(APIBase):
    permission_classes = [IsAuditor]
    query_parameters = {"GET": ("checkpoint",)}
    # No HEAD: answering one would mean checking the chain, and putting a check on record,
    # for an answer nobody reads.
    http_method_names = ["get"]

    @extend_schema(
        operation_id="audit_verify",
        parameters=[OpenApiParameter("checkpoint", description="POSITION:HASH kept elsewhere")],
        responses={200: OpenApiResponse(description='{"ok": true, "entries": N, "head": "…"}')},
    )
    def get(self, request):
        wanted = None
        if request.query_params.get("checkpoint"):
            try:
                wanted = parse_checkpoint(request.query_params["checkpoint"])
            except ValueError as error:
                raise exceptions.ValidationError(
                    {"checkpoint": [exceptions.ErrorDetail(str(error), code="invalid")]}
                ) from None
        report = verification_runs.verify_now(actor=Actor.person(request.user), checkpoint=wanted)
        return Response(report.as_dict())
