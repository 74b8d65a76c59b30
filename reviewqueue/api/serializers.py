"""Request and response shapes of the drafts API."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from django.core.validators import URLValidator
from rest_framework import serializers

from reviewqueue.api.fields import (
    BoundedJSONObjectField,
    ChoiceOf,
    MoneyField,
    NumberField,
    PatternTextField,
    SlugTextField,
    StrictSerializer,
    TextField,
    WholeNumberField,
)
from reviewqueue.models import Decision, Draft
from reviewqueue.text import is_blank
from workflows.callbacks import urls as callback_urls

MAX_CONTENT_CHARS = 100_000
MAX_TITLE_CHARS = 300
MAX_SOURCES = 50
MAX_METADATA_BYTES = 16 * 1024
MAX_METADATA_DEPTH = 5


def _text(max_length: int, **kwargs: Any) -> serializers.CharField:
    # Byte-exact storage: no trimming of what the producer sent.
    return TextField(max_length=max_length, trim_whitespace=False, **kwargs)


def validate_source_uri(value: str) -> str:
    # Reviewers click these: only web links, never javascript: or data: ones.
    if value and urlsplit(value).scheme.lower() not in ("http", "https"):
        raise serializers.ValidationError("Must be an http or https URL.", code="invalid_uri")
    return value


class SourceIn(StrictSerializer):
    id = _text(200)
    title = _text(300, required=False, allow_blank=True)
    uri = _text(2000, required=False, allow_blank=True, validators=[validate_source_uri])
    excerpt = _text(10_000, required=False, allow_blank=True)


class ModelIn(StrictSerializer):
    name = _text(200, required=False, allow_blank=True)
    version = _text(200, required=False, allow_blank=True)
    prompt_version = _text(200, required=False, allow_blank=True)


class CostIn(StrictSerializer):
    input_tokens = WholeNumberField(required=False, min_value=0, max_value=2**31 - 1)
    output_tokens = WholeNumberField(required=False, min_value=0, max_value=2**31 - 1)
    usd = MoneyField(required=False, max_digits=14, decimal_places=6, min_value=0)


class EscalateIn(StrictSerializer):
    reason = _text(2000)

    def validate_reason(self, value: str) -> str:
        # Spaces or invisible characters only: an escalation nobody could read the reason of.
        if is_blank(value):
            raise serializers.ValidationError("Say why the draft needs escalating.", code="blank")
        return value


_http_url = URLValidator(schemes=["http", "https"])


def validate_callback_url(value: str) -> str:
    if not value:
        return value
    try:
        _http_url(value)
    except Exception as exc:
        raise serializers.ValidationError(
            "Must be an http or https URL.", code="invalid_callback_url"
        ) from exc
    try:
        # Names are resolved (and checked again) at delivery; here, literal addresses and names.
        callback_urls.check(value, resolve=False)
    except callback_urls.UnsafeCallbackURL as unsafe:
        raise serializers.ValidationError(
            f"Refused callback URL: {unsafe}.", code="invalid_callback_url"
        ) from unsafe
    return value


class DraftIn(StrictSerializer):
    external_id = PatternTextField(
        r"^[^\s\x00-\x1f\x7f](?:[^\x00-\x1f\x7f]*[^\s\x00-\x1f\x7f])?$",
        max_length=200,
        trim_whitespace=False,
        error_messages={"invalid": "Must be printable text without leading or trailing spaces."},
    )
    title = _text(MAX_TITLE_CHARS, required=False, allow_blank=True)
    content = _text(MAX_CONTENT_CHARS)
    consequence = ChoiceOf(choices=Draft.Consequence.choices)
    confidence = NumberField(required=False, allow_null=True, min_value=0, max_value=1)
    sources = serializers.ListField(child=SourceIn(), required=False, max_length=MAX_SOURCES)
    model = ModelIn(required=False)
    cost = CostIn(required=False)
    metadata = BoundedJSONObjectField(
        required=False, max_bytes=MAX_METADATA_BYTES, max_depth=MAX_METADATA_DEPTH
    )
    callback_url = _text(2000, required=False, allow_blank=True, validators=[validate_callback_url])
    escalate = EscalateIn(required=False)

    def validate_content(self, value: str) -> str:
        # Spaces or invisible characters only: nothing a reviewer could approve or correct.
        if is_blank(value):
            raise serializers.ValidationError(
                "The draft has no text to review: send what the AI wrote.", code="blank"
            )
        return value


class BatchIn(StrictSerializer):
    # Any JSON per item, null included: each item is judged on its own (a 400 in its result).
    drafts = serializers.ListField(child=serializers.JSONField(allow_null=True), min_length=1)


class DraftOut(serializers.ModelSerializer):
    """What a producer or a reviewer sees of a draft."""

    queue = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    callback_url = serializers.CharField(read_only=True, help_text="empty: the workflow's default")
    workflow = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    policy_version = serializers.IntegerField(source="policy.version", read_only=True)
    model = serializers.SerializerMethodField()
    cost = serializers.SerializerMethodField()
    escalate = serializers.SerializerMethodField()

    class Meta:
        model = Draft
        fields = [
            "id",
            "external_id",
            "workflow",
            "status",
            "queue",
            "consequence",
            "confidence",
            "title",
            "content",
            "sources",
            "model",
            "cost",
            "metadata",
            "callback_url",
            "escalate",
            "routing_reason",
            "policy_version",
            "received_at",
            "due_at",
            "updated_at",
        ]
        read_only_fields = fields

    def get_model(self, draft: Draft) -> dict[str, str]:
        return {
            "name": draft.model_name,
            "version": draft.model_version,
            "prompt_version": draft.prompt_version,
        }

    def get_cost(self, draft: Draft) -> dict[str, Any]:
        return {
            "input_tokens": draft.input_tokens,
            "output_tokens": draft.output_tokens,
            "usd": None if draft.cost_usd is None else format(draft.cost_usd.normalize(), "f"),
        }

    def get_escalate(self, draft: Draft) -> dict[str, str] | None:
        return {"reason": draft.escalation_request} if draft.escalation_request else None


class DecisionIn(StrictSerializer):
    action = ChoiceOf(choices=Decision.Action.choices)
    content = _text(MAX_CONTENT_CHARS, required=False)
    error_category = SlugTextField(max_length=64, required=False)
    comment = _text(10_000, required=False, allow_blank=True)
    reason = _text(2000, required=False)


class DecisionOut(serializers.ModelSerializer):
    reviewer = serializers.CharField(source="reviewer.username", read_only=True)
    queue = serializers.CharField(source="queue.slug", read_only=True)
    error_category = serializers.CharField(
        source="error_category.slug", read_only=True, allow_null=True, default=None
    )
    time_spent_seconds = serializers.SerializerMethodField()

    class Meta:
        model = Decision
        fields = [
            "id",
            "action",
            "is_final",
            "reviewer",
            "queue",
            "content",
            "diff",
            "error_category",
            "comment",
            "reason",
            "time_spent_seconds",
            "decided_at",
        ]
        read_only_fields = fields

    def get_time_spent_seconds(self, decision: Decision) -> float:
        return decision.time_spent.total_seconds()


class ReviewDraftOut(DraftOut):
    """A draft as a reviewer (or its producer) sees it: current text, lease and decisions."""

    current_content = serializers.CharField(read_only=True)
    callback_url = serializers.SerializerMethodField(
        help_text="empty: the workflow's default; to people, without its query string"
    )
    leased_by = serializers.CharField(
        source="leased_by.username", default=None, read_only=True, allow_null=True
    )
    decisions = DecisionOut(many=True, read_only=True)

    class Meta(DraftOut.Meta):
        fields = [
            *DraftOut.Meta.fields,
            "current_content",
            "leased_by",
            "lease_expires_at",
            "decided_at",
            "decisions",
        ]
        read_only_fields = fields

    def get_callback_url(self, draft: Draft) -> str:
        # Producers often put a token in the query string; reviewers need none of it.
        if self.context.get("producer"):
            return draft.callback_url
        return callback_urls.shown(draft.callback_url)


class QueueOut(serializers.Serializer):
    slug = serializers.CharField()
    name = serializers.CharField()
    workflow = serializers.CharField(source="workflow.slug")
    sla_seconds = serializers.SerializerMethodField()
    lease_seconds = serializers.SerializerMethodField()
    approvals_required = serializers.IntegerField()
    escalation_queue = serializers.CharField(
        source="escalation_queue.slug", default=None, allow_null=True
    )
    waiting = serializers.IntegerField(help_text="Drafts waiting to be claimed.")
    claimable = serializers.IntegerField(
        help_text="Of those, the ones you may claim: not those you approved or edited before, "
        "which wait for someone else's approval; 0 where you may only view."
    )
    in_review = serializers.IntegerField()
    oldest_due_at = serializers.DateTimeField(allow_null=True)
    may_review = serializers.BooleanField()

    def get_sla_seconds(self, queue) -> float:
        return queue.sla.total_seconds()

    def get_lease_seconds(self, queue) -> float:
        return queue.lease_duration.total_seconds()
