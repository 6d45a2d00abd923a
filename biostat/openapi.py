"""The OpenAPI schema class: drf-spectacular's, plus the error answers every operation can give.

Views document their own successes and the errors particular to them. The errors the framework
itself answers are added here from the shape of each operation, so no view has to repeat them and
a new view cannot forget them: 400 for any input (a body or query parameters), 401/403 for
operations that need a login, 404 for anything addressed by a path parameter or a page number,
413 for request bodies (``datasets.uploads.UploadLimitMiddleware`` refuses any body over the
limit), 415 for a body of a media type the operation does not read, and 429 for throttled views.
All of them answer in ``biostat.api``'s JSON error format.
"""

from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema
from drf_spectacular.utils import OpenApiResponse
from rest_framework import serializers


class ApiErrorSerializer(serializers.Serializer):
    detail = serializers.CharField(help_text="What went wrong, in words; names the fields at fault.")
    errors = serializers.DictField(
        required=False, help_text="Validation errors only: field name -> messages (nested for nested input)."
    )


STANDARD_ERRORS = {
    "400": "The input is invalid; `detail` names each field at fault and `errors` lists them.",
    "401": "No valid credentials (a session or an `Authorization: Token <key>` header).",
    "403": "Logged in, but not allowed to do this (or, with a session, the CSRF check failed).",
    "404": "No such object, or one the caller may not see; or a page number past the end.",
    "413": "The request body is over BIOSTAT_MAX_UPLOAD_MB.",
    "415": "The body's Content-Type is not one this operation reads.",
    "429": "Too many requests; `Retry-After` says when to try again.",
}


class AutoSchema(SpectacularAutoSchema):
    def get_operation(self, path, path_regex, path_prefix, method, registry):
        operation = super().get_operation(path, path_regex, path_prefix, method, registry)
        if operation is None:
            return None
        responses = operation.setdefault("responses", {})
        for code in self._standard_error_codes(operation):
            if code not in responses:
                error = OpenApiResponse(ApiErrorSerializer, description=STANDARD_ERRORS[code])
                responses[code] = self._get_response_for_code(error, code)
        return operation

    def _standard_error_codes(self, operation):
        parameters = operation.get("parameters", [])
        located = {parameter["in"] for parameter in parameters}
        has_body = "requestBody" in operation
        needs_login = operation.get("security") and {} not in operation["security"]
        paginated = any(param["name"] == "page" and param["in"] == "query" for param in parameters)
        codes = []
        if has_body or "query" in located:
            codes.append("400")
        if needs_login:
            codes += ["401", "403"]
        if "path" in located or paginated:
            codes.append("404")
        if has_body:
            codes += ["413", "415"]
        if self.view.get_throttles():
            codes.append("429")
        return codes
