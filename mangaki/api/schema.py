"""OpenAPI schema: every operation documents the error answers it can give, in the one error shape.

Clients (and schemathesis, which checks every response against the schema) can rely on
the listed status codes: 400 for bad input, 401 without valid credentials, 403 for a
refused action, 404 for an unknown object or page, 415 for a body that is not JSON or a
form, 429 when throttled (with Retry-After).
"""

from __future__ import annotations

from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema
from drf_spectacular.utils import OpenApiResponse
from rest_framework.permissions import SAFE_METHODS

from .serializers import ErrorSerializer

ERROR_DESCRIPTIONS = {
    "400": "Invalid input: each error names the field and the reason.",
    "401": "Missing or invalid credentials.",
    "403": "Not allowed for this user (or a session request without its CSRF token).",
    "404": "No such object, page or public profile.",
    "413": "The body is larger than the server accepts (2.5 MB).",
    "415": "The body is neither JSON nor a form.",
    "429": "Too many requests: retry after the number of seconds in the Retry-After header.",
}


class AutoSchema(SpectacularAutoSchema):
    def get_operation(self, path, path_regex, path_prefix, method, registry):
        operation = super().get_operation(path, path_regex, path_prefix, method, registry)
        if operation is None:
            return None
        has_body = "requestBody" in operation
        parameters = operation.get("parameters", [])
        in_path = any(parameter["in"] == "path" for parameter in parameters)
        paginated = any(parameter["name"] == "page" for parameter in parameters)
        codes = ["401", "429"]
        if has_body or parameters:
            codes.append("400")
        restricted_reads = any(
            getattr(permission, "restricts_reads", False) for permission in self.view.get_permissions()
        )
        if self.method not in SAFE_METHODS or restricted_reads:
            # Staff-only actions and reads (the registry), session requests without their CSRF token.
            codes.append("403")
        if in_path or paginated:
            codes.append("404")
        if has_body:
            codes.extend(["413", "415"])
        responses = operation.setdefault("responses", {})
        for code in codes:
            if code not in responses:
                responses[code] = self._error_response(code)
        operation["responses"] = dict(sorted(responses.items()))
        return operation

    def _error_response(self, code: str) -> dict:
        response = OpenApiResponse(response=ErrorSerializer, description=ERROR_DESCRIPTIONS[code])
        schema = self._get_response_for_code(response, code)
        if code == "429":
            schema["headers"] = {
                "Retry-After": {"schema": {"type": "integer"}, "description": "Seconds to wait."}
            }
        return schema
