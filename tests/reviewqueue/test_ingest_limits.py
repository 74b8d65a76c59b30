"""Every ingest limit answers with its documented status and code, and stores nothing."""

from __future__ import annotations

import json

import pytest

from audit.models import AuditEntry
from reviewqueue.models import Draft
from tests.reviewqueue.helpers import draft_body, error_code, field_codes, post_json

pytestmark = pytest.mark.django_db
DRAFTS = "/api/v1/drafts"


@pytest.fixture
def nothing_stored(db):
    before = (Draft.objects.count(), AuditEntry.objects.count())
    yield
    assert (Draft.objects.count(), AuditEntry.objects.count()) == before


def deep(levels: int) -> dict:
    value: dict = {"leaf": 1}
    for _ in range(levels - 1):
        value = {"next": value}
    return value


@pytest.mark.parametrize(
    ("overrides", "field", "code"),
    [
        ({"content": "x" * 100_001}, "content", "max_length"),
        ({"content": ""}, "content", "blank"),
        ({"content": "   \n\t"}, "content", "blank"),
        ({"content": "\u200b\u00a0"}, "content", "blank"),
        ({"content": ...}, "content", "required"),
        ({"external_id": ...}, "external_id", "required"),
        ({"external_id": " padded"}, "external_id", "invalid"),
        ({"external_id": "x" * 201}, "external_id", "max_length"),
        ({"consequence": ...}, "consequence", "required"),
        ({"title": "t" * 301}, "title", "max_length"),
        ({"sources": [{"id": str(i)} for i in range(51)]}, "sources", "max_length"),
        ({"sources": [{"id": "s", "colour": "red"}]}, "sources.0.colour", "unknown_field"),
        ({"metadata": {"blob": "m" * 16_400}}, "metadata", "too_large"),
        ({"metadata": deep(6)}, "metadata", "too_deep"),
        ({"metadata": ["not", "an", "object"]}, "metadata", "not_an_object"),
        ({"consequence": "catastrophic"}, "consequence", "invalid_choice"),
        ({"consequence": ["high"]}, "consequence", "invalid_choice"),
        ({"confidence": 1.01}, "confidence", "max_value"),
        ({"confidence": -0.1}, "confidence", "min_value"),
        ({"confidence": "0.5"}, "confidence", "invalid"),
        ({"confidence": True}, "confidence", "invalid"),
        ({"cost": {"usd": "-0.01"}}, "cost.usd", "min_value"),
        ({"cost": {"usd": "cheap"}}, "cost.usd", "invalid"),
        ({"cost": {"usd": True}}, "cost.usd", "invalid"),
        ({"cost": {"input_tokens": -5}}, "cost.input_tokens", "min_value"),
        ({"cost": {"input_tokens": "12"}}, "cost.input_tokens", "invalid"),
        ({"cost": {"input_tokens": 2**52}}, "cost.input_tokens", "max_value"),
        ({"callback_url": "ftp://example.com/hook"}, "callback_url", "invalid_callback_url"),
        ({"callback_url": "javascript:alert(1)"}, "callback_url", "invalid_callback_url"),
        ({"callback_url": "https://user:pw@example.com/h"}, "callback_url", "invalid_callback_url"),
        ({"content": "nul \x00 here"}, "content", "nul_character"),
        ({"title": "nul \x00"}, "title", "nul_character"),
        ({"metadata": {"bad\x00key": 1}}, "metadata.bad\x00key", "nul_character"),
        ({"escalate": {}}, "escalate.reason", "required"),
        ({"escalate": {"reason": "   "}}, "escalate.reason", "blank"),
        ({"escalate": {"reason": "\u200b"}}, "escalate.reason", "blank"),
        ({"status": "approved"}, "status", "unknown_field"),
        ({"queue": "claims-senior"}, "queue", "unknown_field"),
        ({"claimed_by": "adjuster"}, "claimed_by", "unknown_field"),
    ],
)
def test_invalid_field_is_400_naming_it(claims_producer, nothing_stored, overrides, field, code):
    response = post_json(claims_producer, DRAFTS, draft_body(**overrides))
    assert response.status_code == 400, response.content
    assert error_code(response) == "validation_error"
    assert code in field_codes(response).get(field, []), field_codes(response)


def test_every_unknown_field_is_named(claims_producer, nothing_stored):
    response = post_json(claims_producer, DRAFTS, draft_body(status="approved", priority=1))
    assert set(field_codes(response)) == {"status", "priority"}


def test_unknown_fields_and_missing_ones_are_named_in_one_answer(claims_producer, nothing_stored):
    response = post_json(claims_producer, DRAFTS, {"foo": 1, "bar": 2, "content": "A summary."})
    assert field_codes(response) == {
        "foo": ["unknown_field"],
        "bar": ["unknown_field"],
        "external_id": ["required"],
        "consequence": ["required"],
    }


def test_lone_surrogate_is_400(claims_producer, nothing_stored):
    raw = json.dumps(draft_body()).replace('"content": "', '"content": "\\ud800', 1)
    response = post_json(claims_producer, DRAFTS, raw)
    assert response.status_code == 400
    assert field_codes(response) == {"content": ["invalid_unicode"]}


@pytest.mark.parametrize(
    "raw",
    [
        '{"external_id": "x", ',
        '\ufeff{"external_id": "x"}',
        '{"content": "a", "content": "b"}',
        '{"confidence": NaN}',
        '{"confidence": Infinity}',
        '{"confidence": 1e400}',
        '{"metadata": {"claim_amount": 9007199254740992}}',  # 2**53: not exact in JavaScript
        '{"metadata": {"claim_amount": -' + "9" * 401 + "}}",
        "[" * 10_000 + "]" * 10_000,
        '{"a":' * 10_000 + "1" + "}" * 10_000,
        # Deep enough to pass the JSON decoder, and once to overflow what walked it after.
        '{"external_id": "x", "metadata": ' + '{"a":' * 300 + "1" + "}" * 301,
        '{"external_id": "x", "metadata": ' + '{"a":' * 800 + "1" + "}" * 801,
        '{"external_id": "x", "sources": ' + "[" * 900 + "]" * 901,
    ],
    ids=[
        "truncated",
        "bom",
        "duplicate-keys",
        "nan",
        "infinity",
        "overflow",
        "integer-2-53",
        "integer-401-digits",
        "deep-list",
        "deep-object",
        "metadata-300-deep",
        "metadata-800-deep",
        "sources-900-deep",
    ],
)
def test_malformed_json_is_400(claims_producer, nothing_stored, raw):
    response = post_json(claims_producer, DRAFTS, raw)
    assert response.status_code == 400
    assert error_code(response) == "malformed_json"


def test_invalid_utf8_is_400(claims_producer, nothing_stored):
    response = post_json(claims_producer, DRAFTS, b'{"content": "\xff\xfe"}')
    assert response.status_code == 400
    assert error_code(response) == "malformed_json"


def test_a_json_array_instead_of_an_object_is_400(claims_producer, nothing_stored):
    response = post_json(claims_producer, DRAFTS, [draft_body()])
    assert response.status_code == 400


def test_empty_body_is_400_naming_the_required_fields(claims_producer, nothing_stored):
    response = claims_producer.post(DRAFTS, content_type="application/json")
    assert response.status_code == 400
    assert {"external_id", "content", "consequence"} <= set(field_codes(response))


def test_body_over_one_mebibyte_is_413(claims_producer, nothing_stored):
    response = post_json(claims_producer, DRAFTS, draft_body(content="x" * (1024 * 1024)))
    assert response.status_code == 413
    assert error_code(response) == "payload_too_large"


@pytest.mark.parametrize(
    "content_type",
    ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", ""],
)
def test_wrong_content_type_is_415(claims_producer, nothing_stored, content_type):
    response = claims_producer.generic(
        "POST", DRAFTS, json.dumps(draft_body()), content_type=content_type
    )
    assert response.status_code == 415
    assert error_code(response) == "unsupported_media_type"


@pytest.mark.parametrize(
    "content_type, length, status, code",
    [
        ("application/json", "", 411, "length_required"),
        ("application/json", "40", 411, "length_required"),  # both headers: they disagree
        ("text/plain", "", 415, "unsupported_media_type"),
    ],
)
def test_a_chunked_body_is_refused_not_read_as_empty(
    claims_producer, nothing_stored, content_type, length, status, code
):
    # As a WSGI server hands Django a chunked request: the body unread, or misread.
    response = claims_producer.generic(
        "POST",
        DRAFTS,
        json.dumps(draft_body()),
        content_type=content_type,
        CONTENT_LENGTH=length,
        HTTP_TRANSFER_ENCODING="chunked",
    )
    assert response.status_code == status
    assert error_code(response) == code


def test_json_with_charset_is_accepted(claims_producer):
    response = claims_producer.generic(
        "POST", DRAFTS, json.dumps(draft_body()), content_type="application/json; charset=utf-8"
    )
    assert response.status_code == 201


def test_text_is_stored_byte_exact(claims_producer):
    tricky = "  Ünïcödé e\u0301 \U0001f600 \u202edesrever\u202c \u200b<script>alert(1)</script>\n"
    response = post_json(claims_producer, DRAFTS, draft_body(content=tricky, title=" t "))
    assert response.status_code == 201
    draft = Draft.objects.get(pk=response.json()["id"])
    assert draft.content == tricky
    assert draft.title == " t "
    assert claims_producer.get(f"{DRAFTS}/{draft.pk}").json()["content"] == tricky


def test_limits_at_the_boundary_are_accepted(claims_producer):
    body = draft_body(
        content="x" * 100_000,
        title="t" * 300,
        sources=[{"id": str(i)} for i in range(50)],
        metadata=deep(5),
        confidence=1,
    )
    assert post_json(claims_producer, DRAFTS, body).status_code == 201


@pytest.mark.parametrize("uri", ["javascript:alert(1)", "data:text/html,x", "file:///etc/passwd"])
def test_source_links_must_be_web_links(claims_producer, nothing_stored, uri):
    response = post_json(claims_producer, DRAFTS, draft_body(sources=[{"id": "s", "uri": uri}]))
    assert field_codes(response) == {"sources.0.uri": ["invalid_uri"]}


def test_an_unknown_choice_is_told_the_choices(claims_producer, nothing_stored):
    def message(value) -> str:
        response = post_json(claims_producer, DRAFTS, draft_body(consequence=value))
        assert response.status_code == 400
        [error] = response.json()["error"]["fields"]["consequence"]
        assert error["code"] == "invalid_choice"
        return error["message"]

    assert message("catastrophic") == (
        '"catastrophic" is not a choice: use low, medium, high or critical.'
    )
    assert message(["high"]) == "Send one of low, medium, high or critical, as text."
    assert message(3) == "Send one of low, medium, high or critical, as text."
