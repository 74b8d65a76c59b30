"""The reviewer API: queues, claiming, leases and decisions."""

from __future__ import annotations

from uuid import UUID

import django_filters
from django import forms
from django_filters.utils import translate_validation
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions
from rest_framework.response import Response

from reviewqueue.api.base import APIBase, ErrorOut, page_of, refuse_any_body
from reviewqueue.api.errors import APIError
from reviewqueue.api.pagination import CursorPages
from reviewqueue.api.permissions import IsPerson
from reviewqueue.api.serializers import DecisionIn, DecisionOut, QueueOut, ReviewDraftOut
from reviewqueue.models import Draft, Queue
from reviewqueue.selectors.access import access_draft_for_review, access_queue, drafts_visible_to
from reviewqueue.selectors.queues import queue_overview
from reviewqueue.services import decisions, leases
from reviewqueue.services.errors import Conflict, Invalid, NotAllowed, ReviewRefused


def refused(exc: ReviewRefused) -> exceptions.APIException:
    if isinstance(exc, NotAllowed):
        return APIError(403, exc.code, exc.message)
    if isinstance(exc, Conflict):
        return APIError(409, exc.code, exc.message)
    assert isinstance(exc, Invalid)
    return exceptions.ValidationError(
        {
            name: [exceptions.ErrorDetail(exc.message, code=code)]
            for name, code in exc.fields.items()
        }
    )


_not_found = OpenApiResponse(ErrorOut, description="No such draft or queue, or not yours to see.")
_forbidden = OpenApiResponse(ErrorOut, description="You may view but not review it.")
_conflict = OpenApiResponse(ErrorOut, description="No live lease, or already decided.")


class PersonAPI(APIBase):
    permission_classes = [IsPerson]

    def draft_for_review(self, request, draft_id: UUID) -> Draft:
        try:
            return access_draft_for_review(request.user, draft_id)
        except Draft.DoesNotExist as missing:
            raise APIError(404, "not_found", "No such draft.") from missing
        except NotAllowed as exc:
            raise refused(exc) from exc


class QueueList(PersonAPI):
    @extend_schema(
        operation_id="queues_list",
        responses={200: page_of(QueueOut(many=True), "QueueList", cursor=False)},
    )
    def get(self, request):
        return Response({"results": QueueOut(queue_overview(request.user), many=True).data})


class QueueClaim(PersonAPI):
    @extend_schema(
        operation_id="queues_claim",
        request=None,
        responses={
            200: ReviewDraftOut,
            204: OpenApiResponse(description="Nothing to claim."),
            403: _forbidden,
            404: _not_found,
        },
    )
    def post(self, request, slug: str):
        try:
            queue = access_queue(request.user, slug)
        except Queue.DoesNotExist as missing:
            raise APIError(404, "not_found", "No such queue.") from missing
        except NotAllowed as exc:
            raise refused(exc) from exc
        refuse_any_body(request)
        claim = leases.claim_next(queue=queue, user=request.user)
        if claim is None:
            return Response(status=204)
        return Response(ReviewDraftOut(claim.draft).data)


class DraftLease(PersonAPI):
    @extend_schema(
        operation_id="drafts_renew_lease",
        request=None,
        responses={200: ReviewDraftOut, 403: _forbidden, 404: _not_found, 409: _conflict},
    )
    def post(self, request, draft_id: UUID):
        self.draft_for_review(request, draft_id)
        refuse_any_body(request)
        try:
            draft = leases.renew_lease(draft_id=draft_id, user=request.user)
        except ReviewRefused as exc:
            raise refused(exc) from exc
        return Response(ReviewDraftOut(draft).data)


class DraftRelease(PersonAPI):
    @extend_schema(
        operation_id="drafts_release",
        request=None,
        responses={200: ReviewDraftOut, 403: _forbidden, 404: _not_found, 409: _conflict},
    )
    def post(self, request, draft_id: UUID):
        self.draft_for_review(request, draft_id)
        refuse_any_body(request)
        try:
            draft = leases.release_lease(draft_id=draft_id, user=request.user)
        except ReviewRefused as exc:
            raise refused(exc) from exc
        return Response(ReviewDraftOut(draft).data)


class DraftDecisions(PersonAPI):
    @extend_schema(
        operation_id="drafts_decide",
        request=DecisionIn,
        responses={
            201: DecisionOut,
            400: OpenApiResponse(ErrorOut, description="Missing content / reason / category."),
            403: OpenApiResponse(ErrorOut, description="Not a reviewer here, or same approver."),
            404: _not_found,
            409: _conflict,
        },
    )
    def post(self, request, draft_id: UUID):
        self.draft_for_review(request, draft_id)
        incoming = DecisionIn(data=request.data)
        incoming.is_valid(raise_exception=True)
        try:
            decision = decisions.decide(
                draft_id=draft_id, user=request.user, **incoming.validated_data
            )
        except Draft.DoesNotExist as missing:
            raise APIError(404, "not_found", "No such draft.") from missing
        except ReviewRefused as exc:
            raise refused(exc) from exc
        body = DecisionOut(decision).data
        body["draft_status"] = decision.draft.status
        body["draft_queue"] = decision.draft.queue.slug
        return Response(body, status=201)


class _Slugs(forms.MultipleChoiceField):
    """Any non-empty slugs, repeatable. Not checked against a list: a queue the caller may not
    see then filters to nothing, exactly as one that does not exist (no existence oracle)."""

    def valid_value(self, value: str) -> bool:
        return bool(value)


class SlugsFilter(django_filters.MultipleChoiceFilter):
    field_class = _Slugs


class DraftFilter(django_filters.FilterSet):
    status = django_filters.MultipleChoiceFilter(choices=Draft.Status.choices)
    consequence = django_filters.MultipleChoiceFilter(choices=Draft.Consequence.choices)
    queue = SlugsFilter(field_name="queue__slug")
    workflow = SlugsFilter(field_name="workflow__slug")

    class Meta:
        model = Draft
        fields = ["status", "consequence", "queue", "workflow"]


class DraftPages(CursorPages):
    ordering = ("-received_at", "-id")
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200


def list_drafts(request) -> Response:
    """GET /api/v1/drafts for people: drafts in queues they may view, filtered, paginated."""
    filtered = DraftFilter(request.query_params, queryset=drafts_visible_to(request.user))
    if not filtered.is_valid():
        raise translate_validation(filtered.errors)  # each error with its code: invalid_choice…
    pages = DraftPages()
    drafts = filtered.qs.select_related("leased_by").prefetch_related(
        "decisions__reviewer", "decisions__queue", "decisions__error_category"
    )
    page = pages.paginate_queryset(drafts, request)
    return pages.get_paginated_response(ReviewDraftOut(page, many=True).data)
