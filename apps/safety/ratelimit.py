"""Abuse limits: who the client is, and how often it may do what.

* `client_ip(request)`: the caller's address, trusting `X-Forwarded-For` only from the
  `TRUSTED_PROXY_COUNT` proxies in front of us (a client cannot spoof it to dodge a limit).
  DRF's throttles, django-axes and django-allauth all use this same rule.
* `ScopedThrottle`: the rate of the view's `throttle_scope` ("auth_token", "auth_register" …);
  `WriteThrottle`: every POST/PUT/PATCH/DELETE on the API, per person (per IP when anonymous).
  Rates come from `settings.API_RATE_LIMITS` when a request is checked (not at import), so they
  can be changed per deployment (env) and per test; `RATE_LIMITS_ENABLED=false` turns them off.
* `web_rate_limit(request, scope)`: the same limits for our own web forms (reports, blocks).

Over the limit, the API answers 429 `throttled` in the contract's error shape with
`Retry-After`; web pages answer a 429 page with `Retry-After`.
"""

import math
import re
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from rest_framework.permissions import SAFE_METHODS
from rest_framework.request import Request
from rest_framework.throttling import ScopedRateThrottle, SimpleRateThrottle

RATE_PATTERN = re.compile(r"^\s*(\d+)\s*/\s*(\d*)\s*([smhd])[a-z]*\s*$")
UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def client_ip(request: HttpRequest | Request) -> str:
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies > 0:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
        if hops:
            return hops[-min(proxies, len(hops))]
    return str(request.META.get("REMOTE_ADDR", ""))


def parse_rate(rate: str | None) -> tuple[int | None, int | None]:
    """ "20/min", "5/15m", "100/day" → (requests, seconds); None → no limit."""
    if not rate:
        return None, None
    match = RATE_PATTERN.match(rate)
    if match is None:
        raise ValueError(f"Bad rate {rate!r}: use e.g. '20/min', '5/15m' or '100/day'.")
    count, multiplier, unit = match.groups()
    return int(count), int(multiplier or 1) * UNIT_SECONDS[unit]


def rate_for(scope: str) -> str | None:
    if not settings.RATE_LIMITS_ENABLED:
        return None
    rate: str | None = settings.API_RATE_LIMITS.get(scope)
    return rate


class _SettingsRateMixin:
    scope: Any

    def get_rate(self) -> str | None:
        return rate_for(self.scope)

    def parse_rate(self, rate: str | None) -> tuple[int | None, int | None]:
        return parse_rate(rate)

    def get_ident(self, request: Request) -> str:
        return client_ip(request)

    def wait(self) -> float:
        # Whole seconds, rounded up: `Retry-After: 0` would invite an immediate retry.
        waited = super().wait()  # type: ignore[misc]
        return float(math.ceil(waited)) if waited is not None else 1.0


class ScopedThrottle(_SettingsRateMixin, ScopedRateThrottle):
    """The limit named by the view's `throttle_scope`; per person, or per IP when anonymous."""


class WriteThrottle(_SettingsRateMixin, SimpleRateThrottle):
    """Every write (POST/PUT/PATCH/DELETE) counts, per person, or per IP when anonymous."""

    scope = "writes"

    def __init__(self) -> None:
        # The rate is read per request (see allow_request), not once at start-up.
        pass

    def allow_request(self, request: Request, view: Any) -> bool:
        if request.method in SAFE_METHODS:
            return True
        self.rate = self.get_rate()
        self.num_requests, self.duration = self.parse_rate(self.rate)
        return super().allow_request(request, view)

    def get_cache_key(self, request: Request, view: Any) -> str:
        if request.user and request.user.is_authenticated:
            ident = f"user-{request.user.pk}"
        else:
            ident = f"ip-{self.get_ident(request)}"
        return self.cache_format % {"scope": self.scope, "ident": ident}


class _WebView:
    def __init__(self, scope: str) -> None:
        self.throttle_scope = scope


def web_rate_limit(request: HttpRequest, scope: str) -> int | None:
    """Count one use of `scope` by this person (or IP) from a web form. Returns the seconds to
    wait when over the limit, else None."""
    throttle = ScopedThrottle()
    if throttle.allow_request(request, _WebView(scope)):  # type: ignore[arg-type]
        return None
    return int(throttle.wait())
