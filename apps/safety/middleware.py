"""Request-level protections: restricted accounts lose their sessions, every page carries a
Content Security Policy, and every 429 says when to retry."""

from collections.abc import Callable

from csp.middleware import CSPMiddleware, PolicyParts
from django.conf import settings
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import render

from apps.core.api.exceptions import is_api_request, json_error
from apps.safety.selectors import restriction_of


class AccountRestrictionMiddleware:
    """A suspended or banned person's session ends at their next request, with a page (or,
    under /api/, a 403 `account_suspended`/`account_banned`) that says why. Costs no query: our
    authentication backends load the user with the account state joined in. (Banned accounts
    are inactive, so Django already drops their sessions; this also covers suspensions.)"""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            restriction = restriction_of(user)
            if restriction is not None:
                logout(request)
                if is_api_request(request):
                    return json_error(status=403, code=restriction.code, detail=restriction.detail)
                return render(
                    request,
                    "safety/account_restricted.html",
                    {"restriction": restriction},
                    status=403,
                )
        return self.get_response(request)


class ContentSecurityPolicyMiddleware(CSPMiddleware):
    """django-csp with per-path policies (`CONTENT_SECURITY_POLICY_PATH_OVERRIDES`): the
    site's strict policy everywhere, relaxed only where a third-party page needs inline code
    (Swagger UI)."""

    def get_policy_parts(
        self, request: HttpRequest, response: HttpResponseBase, report_only: bool = False
    ) -> PolicyParts:
        parts = super().get_policy_parts(request, response, report_only)
        if not report_only:
            for prefix, directives in settings.CONTENT_SECURITY_POLICY_PATH_OVERRIDES.items():
                if request.path_info.startswith(prefix):
                    parts.replace = {**(parts.replace or {}), **directives}
                    break
        return parts


class RetryAfterMiddleware:
    """Every 429 carries `Retry-After`: DRF and the lockout set their exact wait; allauth's form
    limits do not, so they get `WEB_RATE_LIMIT_RETRY_AFTER` seconds."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if response.status_code == 429 and "Retry-After" not in response:
            response["Retry-After"] = str(settings.WEB_RATE_LIMIT_RETRY_AFTER)
        return response
