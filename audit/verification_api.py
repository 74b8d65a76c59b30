"""Verification runs over the API: ask for a check of the whole chain (202), then follow it.

`GET /api/v1/audit/verify` answers in the same request, which suits a small log; a large one
takes longer than a request may last, so it is asked for here and checked by a worker.
"""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.reverse import reverse

from audit import verification_runs
from audit.api import IsAuditor
from audit.checkpoints import parse_checkpoint
from audit.models import VerificationRun
from audit.selectors import verifications
from reviewqueue.api.base import PAGES, APIBase, ErrorOut, page_of
from reviewqueue.api.fields import StrictSerializer, TextField
from reviewqueue.api.pagination import CursorPages


class VerificationIn(StrictSerializer):
    checkpoint = TextField(
        required=False,
        allow_blank=True,
        max_length=100,
        help_text="POSITION:HASH from a checkpoint mail, kept outside the database",
    )

    def validate_checkpoint(self, value: str) -> tuple[int, str] | None:
        if not value.strip():
            return None
        try:
            return parse_checkpoint(value)
        except ValueError as error:
            raise serializers.ValidationError(str(error), code="invalid") from None


class VerificationOut(serializers.ModelSerializer):
    requested_by = serializers.CharField(
        source="requested_by.get_username", default=None, allow_null=True, help_text="null: nightly"
    )
    stalled = serializers.SerializerMethodField(
        help_text="the worker stopped reporting while checking: ask again"
    )
    url = serializers.SerializerMethodField()

    class Meta:
        model = VerificationRun
        fields = [
            "id",
            "status",
            "requested_by",
            "requested_at",
            "checkpoint",
            "started_at",
            "checked",
            "finished_at",
            "report",
            "stalled",
            "url",
        ]
        read_only_fields = fields

    def get_stalled(self, run: VerificationRun) -> bool:
        return verification_runs.is_stalled(run)

    def get_url(self, run: VerificationRun) -> str:
        return reverse("api-audit-verification", [run.pk], request=self.context.get("request"))


class VerificationPages(CursorPages):
    ordering = ("-requested_at", "-id")
    page_size = 50
    max_page_size = 200


_denied = {403: OpenApiResponse(ErrorOut, description="Not an auditor.")}


class VerificationList(APIBase):
    permission_classes = [IsAuditor]
    query_parameters = {"GET": PAGES}

    @extend_schema(
        operation_id="audit_verifications",
        parameters=[OpenApiParameter("cursor"), OpenApiParameter("page_size", int)],
        responses={200: page_of(VerificationOut(many=True), "VerificationPage"), **_denied},
    )
    def get(self, request):
        pages = VerificationPages()
        page = pages.paginate_queryset(verifications(), request)
        data = VerificationOut(page, many=True, context={"request": request}).data
        return pages.get_paginated_response(data)

    @extend_schema(
        operation_id="audit_verification_request",
        request=VerificationIn,
        responses={
            202: VerificationOut,
            400: OpenApiResponse(ErrorOut, description="A checkpoint not written POSITION:HASH."),
            **_denied,
        },
    )
    def post(self, request):
        asked = VerificationIn(data=request.data)
        asked.is_valid(raise_exception=True)
        run = verification_runs.request_verification(
            user=request.user, checkpoint=asked.validated_data.get("checkpoint")
        )
        out = VerificationOut(run, context={"request": request}).data
        return Response(out, status=202, headers={"Location": out["url"]})


class VerificationDetail(APIBase):
    permission_classes = [IsAuditor]

    @extend_schema(
        operation_id="audit_verification",
        responses={200: VerificationOut, 404: ErrorOut, **_denied},
    )
    def get(self, request, run_id: int):
        run = get_object_or_404(verifications(), pk=run_id)
        return Response(VerificationOut(run, context={"request": request}).data)
