"""Reviewers' feedback on a draft: flag a cited source, mark a golden case."""

from __future__ import annotations

from uuid import UUID

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.response import Response

from reviewqueue.api.base import APIBase, ErrorOut
from reviewqueue.api.errors import APIError
from reviewqueue.api.fields import ChoiceOf, StrictSerializer, TextField, TrueFalseField
from reviewqueue.api.permissions import IsPerson
from reviewqueue.api.reviews import refused
from reviewqueue.models import Draft, SourceFlag
from reviewqueue.services import feedback
from reviewqueue.services.errors import ReviewRefused


class FlagIn(StrictSerializer):
    reason = ChoiceOf(choices=SourceFlag.Reason.choices)
    comment = TextField(max_length=2000, required=False, allow_blank=True)


class GoldenIn(StrictSerializer):
    golden = TrueFalseField(default=True)


class SourceFlagView(APIBase):
    permission_classes = [IsPerson]

    @extend_schema(
        operation_id="drafts_flag_source",
        request=FlagIn,
        responses={
            201: OpenApiResponse(),
            404: OpenApiResponse(ErrorOut),
            409: OpenApiResponse(ErrorOut),
        },
    )
    def post(self, request, draft_id: UUID, source_id: str):
        incoming = FlagIn(data=request.data)
        incoming.is_valid(raise_exception=True)
        try:
            flag = feedback.flag_source(
                user=request.user,
                draft_id=draft_id,
                source_id=source_id,
                **incoming.validated_data,
            )
        except Draft.DoesNotExist as missing:
            raise APIError(404, "not_found", "No such draft.") from missing
        except ReviewRefused as exc:
            raise refused(exc) from exc
        return Response({"source_id": flag.source_id, "reason": flag.reason}, status=201)


class GoldenView(APIBase):
    permission_classes = [IsPerson]

    @extend_schema(
        operation_id="drafts_mark_golden",
        request=GoldenIn,
        responses={200: OpenApiResponse(), 404: OpenApiResponse(ErrorOut)},
    )
    def post(self, request, draft_id: UUID):
        incoming = GoldenIn(data=request.data)
        incoming.is_valid(raise_exception=True)
        try:
            draft = feedback.mark_golden(
                user=request.user, draft_id=draft_id, golden=incoming.validated_data["golden"]
            )
        except Draft.DoesNotExist as missing:
            raise APIError(404, "not_found", "No such draft.") from missing
        except ReviewRefused as exc:
            raise refused(exc) from exc
        return Response({"id": str(draft.pk), "golden": draft.is_golden})
