"""What every API view shares: strict JSON bodies with a size cap, throttles, the error shape."""

from __future__ import annotations

from django.conf import settings
from drf_spectacular.utils import inline_serializer
from rest_framework import exceptions, serializers
from rest_framework.views import APIView

from reviewqueue.api.errors import APIError, PayloadTooLarge
from reviewqueue.api.fields import StrictSerializer
from reviewqueue.api.parsers import bad_strings
from reviewqueue.api.throttles import PersonRateThrottle, ProducerRateThrottle

_BODY_METHODS = {"POST", "PUT", "PATCH"}


class ErrorOut(serializers.Serializer):
    """Documented shape of every error (see reviewqueue/api/errors.py)."""

    class Detail(serializers.Serializer):
        code = serializers.CharField()
        message = serializers.CharField()
        fields = serializers.DictField(required=False)

    error = Detail()


def page_of(item: serializers.Serializer, name: str, *, cursor: bool = True):
    """The documented shape of a list answer: `results`, with cursor links where it pages."""
    links = (
        {
            "next": serializers.URLField(allow_null=True, help_text="the next page, or null"),
            "previous": serializers.URLField(allow_null=True),
        }
        if cursor
        else {}
    )
    return inline_serializer(name=name, fields={**links, "results": item})


PAGES = ("cursor", "page_size")  # what every cursor-paginated list takes besides its filters


def refuse_unknown_parameters(
    request, allowed: tuple[str, ...], repeatable: tuple[str, ...] = ()
) -> None:
    """A parameter an endpoint does not know is refused: ignored, a misspelt `stauts=` or the
    dashboard's `start=` would quietly answer as if it were not there. So is a second value of
    one that takes a single value: one of the two would be dropped without a word."""
    params = request.query_params
    takes = f"this endpoint takes {', '.join(allowed)}" if allowed else "this endpoint takes none"
    problems = {
        name: [exceptions.ErrorDetail(f"Unknown parameter; {takes}.", code="unknown_parameter")]
        for name in sorted(set(params) - set(allowed))
    }
    for name in sorted(set(params) & set(allowed) - set(repeatable)):
        if len(params.getlist(name)) > 1:
            problems[name] = [
                exceptions.ErrorDetail("Give this parameter once: it takes one value.", "repeated")
            ]
    if problems:
        raise exceptions.ValidationError(problems)


class _NoBody(StrictSerializer):
    pass


def refuse_any_body(request) -> None:
    """Endpoints that take no body accept none, or `{}`: a field sent to them (`{"seconds": 3600}`
    to a lease) would be ignored while the caller believes it did something."""
    _NoBody(data={} if request.data is None else request.data).is_valid(raise_exception=True)


class APIBase(APIView):
    throttle_classes = [ProducerRateThrottle, PersonRateThrottle]
    max_body_bytes: int | None = None  # None: settings.RQ_MAX_DRAFT_BODY_BYTES
    # The query parameters each method understands (HEAD as GET); any other is a 400. The
    # OpenAPI schema lists the same names (tests/test_query_parameters.py holds them together).
    query_parameters: dict[str, tuple[str, ...]] = {}
    repeatable_parameters: tuple[str, ...] = ()  # of those, the ones that may come more than once

    _throttled = False

    def check_permissions(self, request):
        # DRF checks permissions before throttles; the other way round, refusals count against
        # the caller's rate too (each refusal also writes an audit entry).
        super().check_throttles(request)
        self._throttled = True
        super().check_permissions(request)

    def check_throttles(self, request):
        if not self._throttled:
            super().check_throttles(request)

    # No OPTIONS: the OpenAPI schema describes every endpoint, and a 405 names the methods.
    http_method_names = ["get", "post", "put", "patch", "delete", "head"]

    def initial(self, request, *args, **kwargs):
        # A method the endpoint does not offer is a 405 for anyone, before the permissions of
        # its other methods can answer 403 (and log a refusal) for a request that means nothing.
        handler = request.method.lower()
        if handler not in self.http_method_names or not hasattr(self, handler):
            raise exceptions.MethodNotAllowed(request.method)
        super().initial(request, *args, **kwargs)
        # A NUL in a filter would reach PostgreSQL (which cannot store or compare it) or the log.
        if problems := bad_strings(dict(request.query_params.lists())):
            raise exceptions.ValidationError(problems)
        method = "GET" if request.method == "HEAD" else request.method
        refuse_unknown_parameters(
            request, self.query_parameters.get(method, ()), self.repeatable_parameters
        )
        if request.method in _BODY_METHODS:
            self._check_body(request)

    def _check_body(self, request) -> None:
        limit = self.max_body_bytes or settings.RQ_MAX_DRAFT_BODY_BYTES
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        # Refuse by the declared size before reading a byte of the body.
        if length > limit:
            raise PayloadTooLarge(limit)
        # Django reads a body only as far as Content-Length says: a chunked body without one
        # would arrive empty and be judged as missing every field.
        chunked = "chunked" in request.META.get("HTTP_TRANSFER_ENCODING", "").lower()
        media_type = (request.content_type or "").split(";")[0].strip().lower()
        if (length or chunked) and media_type != "application/json":
            raise APIError(
                415,
                "unsupported_media_type",
                f"Send JSON with `Content-Type: application/json` (got {media_type or 'none'!r}).",
            )
        if chunked:
            # With a Content-Length too, the two disagree on where the body ends (RFC 9112
            # 6.1): the chunk framing would be read as JSON and the rest as a next request.
            raise APIError(
                411,
                "length_required",
                "Send the body with a Content-Length header and no Transfer-Encoding; "
                "chunked bodies are not read.",
            )
