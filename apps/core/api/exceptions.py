"""One error shape for every 4xx: `{"type", "errors": [{"code", "detail", "attr"}]}`.

drf-standardized-errors renders DRF's exceptions in that shape; this module teaches it our
DomainError (stable `code`, HTTP status chosen by the error class) and gives Django-level
failures under /api/ (404, 500, body too large) the same JSON instead of an HTML page.
"""

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import HttpRequest, JsonResponse
from drf_standardized_errors.handler import exception_handler as standardized_handler
from rest_framework import serializers
from rest_framework.response import Response

from apps.core.errors import DomainError


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, DjangoValidationError):
        # Services validate with Django's ValidationError (shared with the web forms).
        exc = serializers.ValidationError(serializers.as_serializer_error(exc))
    if isinstance(exc, DomainError):
        body = error_body(status=exc.http_status, code=exc.code, detail=exc.detail, attr=exc.attr)
        return Response(body, status=exc.http_status)
    return standardized_handler(exc, context)


def error_body(*, status: int, code: str, detail: str, attr: str | None = None) -> dict[str, Any]:
    if status >= 500:
        kind = "server_error"
    elif status == 400:
        kind = "validation_error"
    else:
        kind = "client_error"
    return {"type": kind, "errors": [{"code": code, "detail": detail, "attr": attr}]}


def json_error(*, status: int, code: str, detail: str, attr: str | None = None) -> JsonResponse:
    return JsonResponse(
        error_body(status=status, code=code, detail=detail, attr=attr), status=status
    )


def is_api_request(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")
