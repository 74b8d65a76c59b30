"""Strict JSON: what reaches a serializer is plain, finite, unambiguous JSON.

Refused with 400 before any field is looked at: malformed or non-UTF-8 JSON, a byte-order mark,
duplicate keys, NaN / Infinity / numbers too large for a float, nesting deep enough to exhaust the
parser, and strings that PostgreSQL cannot store or a reader cannot trust (NUL, lone surrogates).
"""

from __future__ import annotations

import json
import math
from typing import Any

from rest_framework.exceptions import ErrorDetail, ParseError, ValidationError
from rest_framework.parsers import JSONParser


def _no_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise ValueError(f"duplicate key {key!r}")
        result[key] = value
    return result


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


# I-JSON (RFC 7493): integers every JSON reader holds exactly, JavaScript's included.
MAX_SAFE_INTEGER = 2**53 - 1


def _exact_int(text: str) -> int:
    # Length first: int() of a 100,000-digit string is itself slow.
    if len(text.lstrip("-")) > 16 or abs(value := int(text)) > MAX_SAFE_INTEGER:
        raise ValueError(f"integer {text[:40]} is out of range (at most ±{MAX_SAFE_INTEGER})")
    return value


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"number {text[:40]} is out of range")
    return value


def bad_strings(value: Any, path: str = "") -> dict[str, list[ErrorDetail]]:
    """Field paths whose strings (or object keys) hold NUL characters or lone surrogates."""
    found: dict[str, list[ErrorDetail]] = {}

    def check(text: str, where: str) -> None:
        if "\x00" in text:
            found.setdefault(where or "body", []).append(
                ErrorDetail("NUL characters are not allowed.", code="nul_character")
            )
        else:
            try:
                text.encode("utf-8")
            except UnicodeEncodeError:
                found.setdefault(where or "body", []).append(
                    ErrorDetail("Lone surrogates are not valid text.", code="invalid_unicode")
                )

    def walk(node: Any, where: str) -> None:
        if isinstance(node, str):
            check(node, where)
        elif isinstance(node, dict):
            for key, child in node.items():
                child_path = f"{where}.{key}" if where else str(key)
                check(key, child_path)
                walk(child, child_path)
        elif isinstance(node, list):
            for index, child in enumerate(node):
                walk(child, f"{where}.{index}" if where else str(index))

    walk(value, path)
    return found


# No request needs more (a batch of drafts with metadata five levels deep needs about ten).
MAX_NESTING = 32


def _nesting(value: Any) -> int:
    """Levels of nesting, counted without recursion: {} is 1, [[1]] is 2."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        node, level = stack.pop()
        if isinstance(node, dict | list):
            deepest = max(deepest, level)
            children = node.values() if isinstance(node, dict) else node
            stack.extend((child, level + 1) for child in children if isinstance(child, dict | list))
    return deepest


# Objects and arrays a body may hold. A body within its byte limit can still be millions of
# tiny ones ("[{},{},…]": some 20 times its size in memory once decoded), so they are counted
# in the raw bytes before decoding; braces inside strings count too, which no real request
# comes near (500 drafts with 50 sources each need about 26,000).
MAX_CONTAINERS = 250_000


class StrictJSONParser(JSONParser):
    def parse(self, stream, media_type=None, parser_context=None) -> Any:
        raw = stream.read()
        if raw.count(b"{") + raw.count(b"[") > MAX_CONTAINERS:
            raise ValidationError(
                {
                    "body": [
                        ErrorDetail(
                            f"The body holds more than {MAX_CONTAINERS:,} objects and arrays.",
                            code="too_many_items",
                        )
                    ]
                }
            )
        try:
            text = raw.decode("utf-8")
            data = json.loads(
                text,
                object_pairs_hook=_no_duplicate_keys,
                parse_constant=_refuse_constant,
                parse_float=_finite_float,
                parse_int=_exact_int,
            )
        except UnicodeDecodeError as exc:
            raise ParseError("The body is not valid UTF-8.") from exc
        except RecursionError as exc:
            raise ParseError("The JSON is nested too deeply.") from exc
        except ValueError as exc:
            raise ParseError(f"Malformed JSON: {exc}") from exc
        if _nesting(data) > MAX_NESTING:
            # Before anything walks the value recursively (string checks, metadata depth).
            raise ParseError(f"The JSON is nested too deeply (more than {MAX_NESTING} levels).")
        problems = bad_strings(data)
        if problems:
            raise ValidationError(problems)
        return data
