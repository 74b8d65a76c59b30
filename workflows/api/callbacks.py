"""Owners see their workflow's callbacks with every attempt, and can send one again."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, serializers
from rest_framework.response import Response

from audit.actors import Actor
from reviewqueue.api.base import PAGES, APIBase, ErrorOut, page_of, refuse_any_body
from reviewqueue.api.errors import APIError
from reviewqueue.api.pagination import CursorPages
from reviewqueue.api.permissions import IsPerson
from workflows.api.access import access_workflow
from workflows.callbacks import outbox, urls
from workflows.models import CallbackAttempt, CallbackDelivery
from workflows.selectors.callbacks import callback_of, callbacks_of


class AttemptOut(serializers.ModelSerializer):
    class Meta:
        model = CallbackAttempt
        fields = ["attempted_at", "status_code", "error", "duration_ms"]


class CallbackOut(serializers.ModelSerializer):
    attempts = AttemptOut(source="tries", many=True)
    draft_id = serializers.UUIDField()
    url = serializers.SerializerMethodField(help_text="where it goes, without the query string")

    class Meta:
        model = CallbackDelivery
        fields = [
            "id",
            "draft_id",
            "event_type",
            "url",
            "status",
            "next_attempt_at",
            "last_status_code",
            "last_error",
            "created_at",
            "retrying_since",
            "delivered_at",
            "attempts",
        ]

    def get_url(self, delivery: CallbackDelivery) -> str:
        # Auditors read this list too; a token in the query string is the producer's secret.
        return urls.shown(delivery.url)


_STATUS_CHOICES = "Use one of: " + ", ".join(CallbackDelivery.Status.values) + "."


class Pages(CursorPages):
    ordering = "-created_at"
    page_size = 50


class CallbackList(APIBase):
    permission_classes = [IsPerson]
    query_parameters = {"GET": ("status", *PAGES)}
    repeatable_parameters = ("status",)

    @extend_schema(
        operation_id="workflow_callbacks",
        parameters=[
            OpenApiParameter("status", enum=CallbackDelivery.Status.values, many=True),
            OpenApiParameter("cursor"),
            OpenApiParameter("page_size", int, description="at most 200"),
        ],
        responses={200: page_of(CallbackOut(many=True), "CallbackPage")},
    )
    def get(self, request, slug: str):
        workflow = access_workflow(request.user, slug)
        # Repeatable, as on /drafts; every value is checked, an empty one too.
        statuses = request.query_params.getlist("status")
        if set(statuses) - set(CallbackDelivery.Status.values):
            raise exceptions.ValidationError(
                {"status": [exceptions.ErrorDetail(_STATUS_CHOICES, code="invalid_choice")]}
            )
        callbacks = callbacks_of(workflow, statuses)
        pages = Pages()
        page = pages.paginate_queryset(callbacks, request)
        return pages.get_paginated_response(CallbackOut(page, many=True).data)


class CallbackResend(APIBase):
    permission_classes = [IsPerson]

    @extend_schema(
        operation_id="workflow_callback_resend",
        request=None,
        responses={
            200: CallbackOut,
            409: OpenApiResponse(ErrorOut, description="draft_purged: its text is gone."),
        },
    )
    def post(self, request, slug: str, delivery_id: str):
        workflow = access_workflow(request.user, slug, owners_only=True)
        refuse_any_body(request)
        try:
            delivery = callback_of(workflow, delivery_id)
        except CallbackDelivery.DoesNotExist as missing:
            raise APIError(404, "not_found", "No such callback.") from missing
        try:
            outbox.resend(delivery=delivery, actor=Actor.person(request.user))
        except outbox.DraftPurged as purged:
            raise APIError(409, "draft_purged", str(purged)) from purged
        delivery = CallbackDelivery.objects.prefetch_related("tries").get(pk=delivery.pk)
        return Response(CallbackOut(delivery).data)
