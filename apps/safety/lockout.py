"""Brute-force lockout with django-axes: failed logins are counted per (email, IP) in the cache
(`LoginLockoutBackend` first in AUTHENTICATION_BACKENDS); after AXES_FAILURE_LIMIT failures the
pair is locked for AXES_COOLOFF_TIME, even with the right password, on the web and the API alike.
The web gets a page, the API a 429 `throttled` (see `apps.safety.tokens`), both with Retry-After.
"""

from typing import Any

from axes.backends import AxesStandaloneBackend
from axes.handlers.cache import AxesCacheHandler
from axes.helpers import get_cache, get_cool_off
from django.conf import settings
from django.core.cache.backends.base import BaseCache
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from apps.core.api.exceptions import is_api_request, json_error

LOCKOUT_DETAIL = "Too many failed logins. Wait a few minutes, then try again."


def lockout_seconds() -> int:
    cool_off = get_cool_off()
    return int(cool_off.total_seconds()) if cool_off else 3600


class LoginLockoutBackend(AxesStandaloneBackend):
    """django-axes' check, first in AUTHENTICATION_BACKENDS: refuses a locked-out (email, IP)
    before any password is checked. SimpleJWT passes its DRF request, allauth and the admin a
    Django request: the count is shared by the web and the API. `authenticate()` called
    without a request (tests' `client.login`, scripts) is not a login from the network and is
    neither checked nor counted."""

    def authenticate(  # type: ignore[override]
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> None:
        if request is None:
            return None
        return super().authenticate(request, username, password, **kwargs)


class CacheHandler(AxesCacheHandler):
    """Axes' cache handler that looks the cache up on every use instead of once at start-up,
    so it follows settings changes (each test runs with its own cache key prefix)."""

    def __init__(self) -> None:
        pass

    @property  # type: ignore[override]
    def cache(self) -> BaseCache:
        return get_cache()


def lockout_username(request: Any, credentials: dict[str, Any] | None) -> str:
    """The login being tried, case-folded: allauth and SimpleJWT pass `email`, Django's admin
    form passes `username`."""
    source: Any = credentials or getattr(request, "data", None) or request.POST
    value = source.get("email") or source.get("username") or ""
    return str(value).strip().lower()


def lockout_response(
    request: HttpRequest, original_response: HttpResponse | None, credentials: Any = None
) -> HttpResponse:
    """AXES_LOCKOUT_CALLABLE: JSON 429 in the contract's shape under /api/, a page elsewhere;
    both with `Retry-After`."""
    seconds = lockout_seconds()
    if is_api_request(request):
        response: HttpResponse = json_error(status=429, code="throttled", detail=LOCKOUT_DETAIL)
    else:
        minutes = max(1, round(seconds / 60))
        response = render(
            request,
            "safety/lockout.html",
            {"minutes": minutes, "limit": settings.AXES_FAILURE_LIMIT},
            status=429,
        )
    response["Retry-After"] = str(seconds)
    return response
