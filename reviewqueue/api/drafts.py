"""The drafts API: producers send, read and withdraw drafts; people read drafts they may view."""

from __future__ import annotations

from uuid import UUID

from django.conf import settings
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response

from reviewqueue.api.authentication import Producer
from reviewqueue.api.base import PAGES, APIBase, ErrorOut, page_of
from reviewqueue.api.errors import APIError, error_body, flatten_field_errors
from reviewqueue.api.permissions import IsPerson, IsProducer, ReadsDrafts
from reviewqueue.api.reviews import list_drafts
from reviewqueue.api.serializers import BatchIn, DraftIn, DraftOut, ReviewDraftOut
from reviewqueue.models import Draft
from reviewqueue.selectors.access import draft_for_person, draft_for_producer
from reviewqueue.services import ingest
from reviewqueue.services.drafts import DraftAlreadyFinal, withdraw_draft

_REFUSALS = {
    ingest.CONFLICT: (409, "The external_id was already used with a different body."),
    ingest.CONSEQUENCE_NOT_ALLOWED: (403, "This key may not send drafts of that consequence."),
    "quota_exceeded": (429, "The workflow's daily draft limit is reached."),
    "budget_exceeded": (429, "The workflow's monthly budget would be exceeded."),
}
_STATUS = {ingest.CREATED: 201, ingest.REPLAYED: 200}

_errors = {
    400: OpenApiResponse(ErrorOut, description="Invalid body; `fields` names each problem."),
    401: OpenApiResponse(ErrorOut, description="No or unknown key."),
    403: OpenApiResponse(ErrorOut, description="Key revoked or workflow paused."),
    413: OpenApiResponse(ErrorOut, description="Body larger than 1 MiB."),
    415: OpenApiResponse(ErrorOut, description="Body is not application/json."),
    429: OpenApiResponse(ErrorOut, description="Throttled, over quota or over budget."),
}


def _receive(request, submissions: list[ingest.Submission]) -> list[ingest.Outcome]:
    try:
        return ingest.receive_drafts(key=request.auth, submissions=submissions)
    except ingest.IngestRefused as refused:
        raise APIError(403, refused.code, refused.message) from refused


class DraftCollection(APIBase):
    query_parameters = {"GET": ("status", "consequence", "queue", "workflow", *PAGES)}
    repeatable_parameters = ("status", "consequence", "queue", "workflow")

    def get_permissions(self):
        # Producers send drafts; people list the drafts they may view.
        return [IsPerson()] if self.request.method == "GET" else [IsProducer()]

    @extend_schema(
        operation_id="drafts_list",
        parameters=[
            OpenApiParameter("status", many=True, enum=Draft.Status.values),
            OpenApiParameter("consequence", many=True, enum=Draft.Consequence.values),
            OpenApiParameter("queue", many=True, description="queue slug (repeatable)"),
            OpenApiParameter("workflow", many=True, description="workflow slug (repeatable)"),
            OpenApiParameter("cursor"),
            OpenApiParameter("page_size", int, description="at most 200"),
        ],
        responses={200: page_of(ReviewDraftOut(many=True), "DraftPage")},
    )
    def get(self, request):
        return list_drafts(request)

    @extend_schema(
        operation_id="drafts_create",
        request=DraftIn,
        responses={
            201: DraftOut,
            200: OpenApiResponse(DraftOut, description="Replay of the same external_id and body."),
            409: OpenApiResponse(ErrorOut, description="Same external_id, different body."),
            **_errors,
        },
    )
    def post(self, request):
        raw = request.data
        incoming = DraftIn(data=raw)
        incoming.is_valid(raise_exception=True)
        [outcome] = _receive(request, [ingest.Submission.of(incoming.validated_data, raw)])
        if outcome.result in _STATUS:
            return Response(DraftOut(outcome.draft).data, status=_STATUS[outcome.result])
        code, message = outcome.result, _REFUSALS[outcome.result][1]
        raise APIError(_REFUSALS[outcome.result][0], code, message)


class BatchResult(serializers.Serializer):
    index = serializers.IntegerField()
    external_id = serializers.CharField(allow_null=True)
    status = serializers.IntegerField(help_text="What a single POST of this item would answer.")
    id = serializers.UUIDField(required=False)
    draft_status = serializers.CharField(required=False)
    queue = serializers.CharField(required=False, allow_null=True)
    error = ErrorOut.Detail(required=False)


class BatchOut(serializers.Serializer):
    results = BatchResult(many=True)
    summary = serializers.DictField(child=serializers.IntegerField())


class DraftBatch(APIBase):
    permission_classes = [IsProducer]

    @property
    def max_body_bytes(self) -> int:  # type: ignore[override]
        return settings.RQ_MAX_BATCH_BODY_BYTES

    @extend_schema(
        operation_id="drafts_batch_create",
        request=BatchIn,
        responses={200: BatchOut, **_errors},
        description="Up to 500 drafts, each judged on its own; see each result's `status`.",
    )
    def post(self, request):
        envelope = BatchIn(data=request.data)
        envelope.is_valid(raise_exception=True)
        items = envelope.validated_data["drafts"]
        if len(items) > settings.RQ_MAX_BATCH_ITEMS:
            raise APIError(
                400,
                "batch_too_large",
                f"A batch holds at most {settings.RQ_MAX_BATCH_ITEMS} drafts.",
            )
        results: list[dict | None] = [None] * len(items)
        submissions, positions = [], []
        for index, item in enumerate(items):
            if not isinstance(item, dict):
                body = error_body(
                    "validation_error",
                    "The item is not a draft.",
                    {"body": [_not_a_draft(item)]},
                )
                results[index] = {"index": index, "external_id": None, "status": 400, **body}
                continue
            incoming = DraftIn(data=item)
            external_id = item.get("external_id")
            if not isinstance(external_id, str):
                external_id = None
            if incoming.is_valid():
                submissions.append(ingest.Submission.of(incoming.validated_data, item))
                positions.append(index)
            else:
                fields = flatten_field_errors(incoming.errors)
                body = error_body("validation_error", "The draft has invalid fields.", fields)
                results[index] = {"index": index, "external_id": external_id, "status": 400, **body}
        outcomes = _receive(request, submissions)
        for index, outcome in zip(positions, outcomes, strict=True):
            results[index] = _batch_result(index, items[index]["external_id"], outcome)
        ingest.record_refused_in_batch(key=request.auth, path=request.path, outcomes=outcomes)
        summary: dict[str, int] = {}
        for result in results:
            assert result is not None
            summary[str(result["status"])] = summary.get(str(result["status"]), 0) + 1
        return Response({"results": results, "summary": summary}, status=status.HTTP_200_OK)


_JSON_KINDS = {type(None): "null", str: "a string", list: "an array", bool: "true or false"}


def _not_a_draft(item: object) -> dict[str, str]:
    kind = _JSON_KINDS.get(type(item), "a number")
    return {
        "code": "not_an_object",
        "message": f"Each item of `drafts` is one draft, a JSON object; this one is {kind}.",
    }


def _batch_result(index: int, external_id: str, outcome: ingest.Outcome) -> dict:
    result: dict = {"index": index, "external_id": external_id}
    if outcome.result in _STATUS:
        draft = outcome.draft
        assert draft is not None
        result.update(
            status=_STATUS[outcome.result],
            id=str(draft.pk),
            draft_status=draft.status,
            queue=draft.queue.slug if draft.queue else None,
        )
    else:
        http_status, message = _REFUSALS[outcome.result]
        result.update(status=http_status, **error_body(outcome.result, message))
    return result


class DraftDetail(APIBase):
    def get_permissions(self):
        # Producers and people both read drafts; only producers withdraw them.
        return [IsProducer()] if self.request.method == "DELETE" else [ReadsDrafts()]

    def _get(self, request, draft_id: UUID) -> Draft:
        try:
            if isinstance(request.user, Producer):
                return draft_for_producer(request.auth, draft_id)
            return draft_for_person(request.user, draft_id)
        except Draft.DoesNotExist as missing:
            raise APIError(404, "not_found", "No such draft.") from missing

    @extend_schema(
        operation_id="drafts_retrieve",
        responses={
            200: ReviewDraftOut,
            404: OpenApiResponse(ErrorOut, description="Not found or not yours."),
        },
    )
    def get(self, request, draft_id: UUID):
        producer = isinstance(request.user, Producer)
        draft = self._get(request, draft_id)
        return Response(ReviewDraftOut(draft, context={"producer": producer}).data)

    @extend_schema(
        operation_id="drafts_withdraw",
        responses={
            200: DraftOut,
            404: OpenApiResponse(ErrorOut, description="Not found or not yours."),
            409: OpenApiResponse(ErrorOut, description="Already decided or withdrawn."),
        },
    )
    def delete(self, request, draft_id: UUID):
        try:
            draft = withdraw_draft(key=request.auth, draft_id=draft_id)
        except Draft.DoesNotExist as missing:
            raise APIError(404, "not_found", "No such draft.") from missing
        except DraftAlreadyFinal as final:
            raise APIError(
                409, "draft_already_final", f"The draft is already {final.draft.status}."
            ) from final
        return Response(DraftOut(draft).data)
