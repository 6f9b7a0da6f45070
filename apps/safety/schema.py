"""OpenAPI for the safety endpoints.

* Our JWT authentication is SimpleJWT's bearer scheme (the same `jwtAuth` component).
* The error responses each safety operation can give, in the contract's shape. (drf-standardized-
  errors adds them only for views that use its own exception handler, and ours wraps it, so
  they are declared here explicitly.)
"""

from typing import Any

from drf_spectacular.contrib.rest_framework_simplejwt import SimpleJWTScheme
from drf_spectacular.utils import OpenApiResponse
from rest_framework import serializers


class SafetyJWTScheme(SimpleJWTScheme):
    target_class = "apps.safety.authentication.JWTAuthentication"


class ContractError(serializers.Serializer):
    code = serializers.CharField(help_text="Stable machine-readable code.")
    detail = serializers.CharField(help_text="For people.")
    attr = serializers.CharField(allow_null=True, help_text="The field concerned, or null.")


class ContractValidationErrorResponse(serializers.Serializer):
    type = serializers.ChoiceField(choices=[("validation_error", "validation_error")])
    errors = ContractError(many=True)


class ContractClientErrorResponse(serializers.Serializer):
    type = serializers.ChoiceField(choices=[("client_error", "client_error")])
    errors = ContractError(many=True)


ERROR_DESCRIPTIONS = {
    400: "Invalid input (`validation_error`); each error names its field in `attr`.",
    401: "No or invalid credentials (`not_authenticated`, `authentication_failed`, "
    "`token_not_valid`).",
    403: "The account is suspended or banned (`account_suspended`, `account_banned`).",
    404: "Not found (`not_found`).",
    429: "Too many requests (`throttled`); retry after the `Retry-After` header's seconds.",
}


def error_responses(*statuses: int, **descriptions: str) -> dict[int, Any]:
    """`{status: OpenApiResponse}` for the given error statuses; `descriptions` (keyed like
    `e404=`) replace the default wording."""
    return {
        status: OpenApiResponse(
            ContractValidationErrorResponse if status == 400 else ContractClientErrorResponse,
            description=descriptions.get(f"e{status}", ERROR_DESCRIPTIONS[status]),
        )
        for status in statuses
    }
