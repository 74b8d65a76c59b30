"""Serializer building blocks that refuse what DRF would quietly coerce.

DRF accepts `true` for a number and `"0.5"` for a float; an ingest API that trusts its producers'
types that loosely stores surprises. These fields take JSON numbers only, and the strict
serializer names any field it does not know.
"""

from __future__ import annotations

import json
from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers


class StrictSerializer(serializers.Serializer):
    """Unknown fields are an error naming each of them, not silently dropped (mass assignment)."""

    def to_internal_value(self, data: Any) -> Any:
        unknown = sorted(set(data) - set(self.fields)) if isinstance(data, dict) else []
        errors = {
            name: [serializers.ErrorDetail("Unknown field.", code="unknown_field")]
            for name in unknown
        }
        try:
            value = super().to_internal_value(data)
        except serializers.ValidationError as invalid:
            # Every problem in one answer: a caller who fixes the unknown fields should not
            # learn of a missing one only on the next round trip.
            if not errors or not isinstance(invalid.detail, dict):
                raise
            raise serializers.ValidationError({**invalid.detail, **errors}) from invalid
        if errors:
            raise serializers.ValidationError(errors)
        return value


class ChoiceOf(serializers.ChoiceField):
    """A value that is not one of the choices names the ones there are. DRF would say
    `"['high']" is not a valid choice.`, the Python form of what was sent, and nothing more."""

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, str) and data in self.choice_strings_to_values:
            return self.choice_strings_to_values[data]
        names = list(self.choice_strings_to_values)
        choices = f"{', '.join(names[:-1])} or {names[-1]}" if len(names) > 1 else names[0]
        message = (
            f'"{data[:60]}{"…" if len(data) > 60 else ""}" is not a choice: use {choices}.'
            if isinstance(data, str)
            else f"Send one of {choices}, as text."
        )
        raise serializers.ValidationError(message, code="invalid_choice")


def _refuse_non_numbers(field: serializers.Field, data: Any) -> None:
    if isinstance(data, bool) or not isinstance(data, int | float):
        field.fail("invalid")


class _StringsOnly:
    """DRF turns 0 into "0" for a text field; a producer who sends a number meant something else."""

    default_error_messages = {"invalid": "Must be a string."}

    def to_internal_value(self, data: Any) -> str:
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class TextField(_StringsOnly, serializers.CharField):
    pass


class SlugTextField(_StringsOnly, serializers.SlugField):
    pass


class PatternTextField(_StringsOnly, serializers.RegexField):
    pass


class TrueFalseField(serializers.BooleanField):
    """JSON true or false only: DRF would also take "yes", "off", 1 and "0"."""

    default_error_messages = {"invalid": "Must be true or false."}

    def to_internal_value(self, data: Any) -> bool:
        if not isinstance(data, bool):
            self.fail("invalid")
        return data


class NumberField(serializers.FloatField):
    def to_internal_value(self, data: Any) -> float:
        _refuse_non_numbers(self, data)
        return super().to_internal_value(data)


class WholeNumberField(serializers.IntegerField):
    def to_internal_value(self, data: Any) -> int:
        if isinstance(data, float) and data.is_integer():
            data = int(data)
        _refuse_non_numbers(self, data)
        if not isinstance(data, int):
            self.fail("invalid")
        return super().to_internal_value(data)


@extend_schema_field(
    {
        "oneOf": [
            {"type": "number", "minimum": 0},
            {"type": "string", "format": "decimal", "pattern": r"^\d+(\.\d+)?$"},
        ]
    }
)
class MoneyField(serializers.DecimalField):
    """A JSON number or a decimal string ("0.0042"); never a bool."""

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, bool) or not isinstance(data, int | float | str):
            self.fail("invalid")
        return super().to_internal_value(str(data) if isinstance(data, float) else data)


@extend_schema_field(OpenApiTypes.OBJECT)
class BoundedJSONObjectField(serializers.Field):
    """A JSON object no larger than `max_bytes` once serialised and nested at most `max_depth`."""

    default_error_messages = {
        "not_an_object": "Expected a JSON object.",
        "too_large": "Must be at most {max_bytes} bytes as JSON.",
        "too_deep": "Must be nested at most {max_depth} levels deep.",
    }

    def __init__(self, *, max_bytes: int, max_depth: int, **kwargs: Any):
        self.max_bytes = max_bytes
        self.max_depth = max_depth
        super().__init__(**kwargs)

    def to_internal_value(self, data: Any) -> dict[str, Any]:
        if not isinstance(data, dict):
            self.fail("not_an_object")
        if _depth(data) > self.max_depth:
            self.fail("too_deep", max_depth=self.max_depth)
        size = len(json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8"))
        if size > self.max_bytes:
            self.fail("too_large", max_bytes=self.max_bytes)
        return data

    def to_representation(self, value: Any) -> Any:
        return value


def _depth(value: Any) -> int:
    """Levels of nesting: {} is 1, {"a": {}} is 2; scalars are 0."""
    if isinstance(value, dict):
        return 1 + max((_depth(v) for v in value.values()), default=0)
    if isinstance(value, list):
        return 1 + max((_depth(v) for v in value), default=0)
    return 0
