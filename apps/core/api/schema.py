"""OpenAPI generation.

* drf-standardized-errors' AutoSchema adds the error responses an operation can give (400 for
  bodies and filters, 401 with authentication, 404 with path parameters or pagination, 429 with
  throttles, …). Our exception handler wraps its handler (for DomainError), so we tell it the
  handler is still its own, and describe every error with one serializer whose `code` is free
  text: services raise their own stable codes (`under_18`, `event_full`, …), which the
  library's fixed enums would wrongly exclude.
* Component names stay unique for the `Input`/`Output` serializers nested in views.
* `error_responses(409, 422, …)` declares the statuses an operation adds by hand.
"""

from typing import Any

from drf_spectacular.utils import OpenApiResponse
from drf_standardized_errors.openapi import AutoSchema as StandardizedErrorsAutoSchema
from rest_framework import serializers

from apps.core.api import exceptions


class ErrorItem(serializers.Serializer):
    code = serializers.CharField(help_text="Stable, machine-readable; clients switch on it.")
    detail = serializers.CharField(help_text="For people.")
    attr = serializers.CharField(
        allow_null=True, help_text="The field or parameter at fault (dotted path), or null."
    )


ERROR_TYPES = ["validation_error", "client_error", "server_error"]


class ErrorResponse(serializers.Serializer):
    """The contract's one error shape."""

    type = serializers.ChoiceField(choices=ERROR_TYPES)
    errors = ErrorItem(many=True)


ERROR_DESCRIPTIONS = {
    400: "Invalid input (`validation_error`, each error naming its field in `attr`) or an "
    "unreadable body (`parse_error`).",
    401: "No or invalid credentials (`not_authenticated`, `authentication_failed`, "
    "`token_not_valid`).",
    403: "Not allowed (`permission_denied`, or a stable code saying why).",
    404: "Not found, or not yours (`not_found`).",
    409: "Conflicts with the current state (a stable code says which).",
    413: "Body too large (`request_too_large`).",
    422: "An `Idempotency-Key` reused for a different request (`idempotency_key_reused`).",
    429: "Too many requests (`throttled`); retry after the `Retry-After` header's seconds.",
    503: "A service we depend on is unavailable; try again later.",
}


def error_responses(*statuses: int, **descriptions: str) -> dict[int, OpenApiResponse]:
    """`{status: OpenApiResponse}` in the contract's error shape for `extend_schema(responses=)`;
    `descriptions` keyed like `e404="…"` replace the default wording."""
    return {
        status: OpenApiResponse(
            ErrorResponse, description=descriptions.get(f"e{status}", ERROR_DESCRIPTIONS[status])
        )
        for status in statuses
    }


class AutoSchema(StandardizedErrorsAutoSchema):
    def get_serializer_name(self, serializer: Any, direction: str) -> str:
        cls = serializer if isinstance(serializer, type) else serializer.__class__
        outer, _, inner = cls.__qualname__.rpartition(".")
        if outer:
            # "RegisterApi.Input" → "RegisterInput"; "EventListApi.Output" → "EventListOutput".
            return outer.split(".")[-1].removesuffix("Api") + inner
        return super().get_serializer_name(serializer, direction)

    def _should_add_error_response(self, responses: dict[str, Any], status_code: str) -> bool:
        if self.view.get_exception_handler() is exceptions.exception_handler:
            original = self.view.get_exception_handler
            self.view.get_exception_handler = lambda: exceptions.standardized_handler
            try:
                return super()._should_add_error_response(responses, status_code)
            finally:
                self.view.get_exception_handler = original
        return super()._should_add_error_response(responses, status_code)

    def _get_error_response_serializer(self, status_code: str) -> Any:
        return ErrorResponse
