"""OpenAPI additions: our bearer authentication, and the errors every operation may answer."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension


class BearerTokenScheme(OpenApiAuthenticationExtension):
    target_class = "reviewqueue.api.authentication.BearerTokenAuthentication"
    name = "bearer"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "A workflow API key (`rqp_…`) for producers or a personal token "
            "(`rqt_…`) for people.",
        }


_ERRORS = {
    "400": "Invalid input: `error.fields` names each problem.",
    "401": "No credentials, or unknown ones.",
    "403": "The caller may not do this.",
    "404": "No such object, or one the caller may not see (the same answer).",
    "411": "The body was sent chunked: send it with `Content-Length`.",
    "413": "The request body is too large.",
    "415": "The body is not `application/json`.",
    "429": "Throttled, or over the workflow's daily quota or monthly budget.",
    "503": "The database is not reachable right now: nothing was stored; retry (`Retry-After`).",
}


def document_errors(result, generator, request, public):
    """Postprocessing hook: each operation lists the errors any operation of its kind may give,
    all in the one error shape, besides those its view documents itself."""
    error = {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorOut"}}}
    for path, operations in result.get("paths", {}).items():
        for method, operation in operations.items():
            codes = ["400", "401", "403", "429", "503"]
            if "{" in path:
                codes.append("404")
            if method in ("post", "put", "patch"):
                codes += ["411", "413", "415"]
            responses = operation.setdefault("responses", {})
            for code in codes:
                responses.setdefault(code, {"description": _ERRORS[code], "content": error})
    return result
