from collections.abc import Callable
from http import HTTPStatus

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from apps.core.api.exceptions import is_api_request, json_error


class ApiJsonErrorsMiddleware:
    """Under /api/, every error is JSON in the contract's shape, never an HTML page.

    * Oversized bodies are refused up front with a 413 (Django would raise RequestDataTooBig
      deep inside the parser and answer with HTML). Chunked bodies without a length are refused:
      no client of ours sends them.
    * Errors produced outside DRF (unknown URL, Django's CSRF or 500 pages, DEBUG's technical
      pages) are replaced by the same JSON shape.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not is_api_request(request):
            return self.get_response(request)
        too_large = self._refuse_oversized(request)
        if too_large is not None:
            return too_large
        response = self.get_response(request)
        content_type = response.get("Content-Type", "")
        if response.status_code >= 400 and not content_type.startswith("application/json"):
            status = response.status_code
            code = (
                "not_found"
                if status == 404
                else HTTPStatus(status).phrase.lower().replace(" ", "_")
            )
            replaced = json_error(status=status, code=code, detail=HTTPStatus(status).phrase + ".")
            for header in ("Retry-After", "Allow", "WWW-Authenticate"):
                if header in response:
                    replaced[header] = response[header]
            return replaced
        return response

    @staticmethod
    def _refuse_oversized(request: HttpRequest) -> HttpResponse | None:
        if request.method not in {"POST", "PUT", "PATCH", "DELETE"}:
            return None
        limit = settings.API_MAX_BODY_BYTES
        try:
            length = int(request.META.get("CONTENT_LENGTH") or "0")
        except ValueError:
            return json_error(
                status=400, code="invalid_content_length", detail="Bad Content-Length."
            )
        chunked = "chunked" in request.META.get("HTTP_TRANSFER_ENCODING", "").lower()
        if length > limit or (chunked and not length):
            return json_error(
                status=413,
                code="request_too_large",
                detail=f"Request bodies are limited to {limit} bytes.",
            )
        return None
