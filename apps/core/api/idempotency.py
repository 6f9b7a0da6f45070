"""`Idempotency-Key` for API writes (contract: RSVP, accept/decline, feedback, event creation).

The first request with a key runs inside one transaction together with the row that records
its response; a repeat with the same key and the same request replays that response (with
`Idempotent-Replayed: true`), a repeat with a different request is a 422. A request that fails
rolls back its row too, so retrying after an error runs again. Concurrent repeats wait on the
row's unique index and then replay.
"""

import functools
import hashlib
from collections.abc import Callable
from datetime import timedelta
from typing import Any, TypeVar

from django.db import transaction
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from rest_framework.request import Request
from rest_framework.response import Response

from apps.core.errors import DomainError
from apps.core.models import IdempotencyRecord

HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 255
KEEP_FOR = timedelta(hours=24)

IDEMPOTENCY_KEY_PARAMETER = OpenApiParameter(
    name=HEADER,
    type=OpenApiTypes.STR,
    location=OpenApiParameter.HEADER,
    required=False,
    description="Any unique string (e.g. a UUID). Repeating a request with the same key "
    "replays the first response instead of acting twice. Kept for 24 hours.",
)

View = TypeVar("View", bound=Callable[..., Response])


class InvalidIdempotencyKey(DomainError):
    code = "invalid_idempotency_key"
    default_detail = f"{HEADER} must be 1 to {MAX_KEY_LENGTH} visible ASCII characters."


class IdempotencyKeyReused(DomainError):
    code = "idempotency_key_reused"
    http_status = 422
    default_detail = f"This {HEADER} was already used for a different request."


def request_fingerprint(request: Request) -> str:
    digest = hashlib.sha256()
    digest.update(request.method.encode())
    digest.update(b"\0" + request.get_full_path().encode() + b"\0")
    digest.update(request.body)
    return digest.hexdigest()


def idempotent(view_method: View) -> View:
    """Decorate an authenticated APIView write method to honour `Idempotency-Key`."""

    @functools.wraps(view_method)
    def wrapper(self: Any, request: Request, *args: Any, **kwargs: Any) -> Response:
        key = request.headers.get(HEADER)
        if key is None or not request.user.is_authenticated:
            return view_method(self, request, *args, **kwargs)
        if not key or len(key) > MAX_KEY_LENGTH or not key.isascii() or not key.isprintable():
            raise InvalidIdempotencyKey()
        fingerprint = request_fingerprint(request)
        with transaction.atomic():
            record, created = IdempotencyRecord.objects.get_or_create(
                user=request.user, key=key, defaults={"fingerprint": fingerprint}
            )
            if not created and record.created_at < timezone.now() - KEEP_FOR:
                record.delete()
                record = IdempotencyRecord.objects.create(
                    user=request.user, key=key, fingerprint=fingerprint
                )
                created = True
            if not created:
                if record.fingerprint != fingerprint:
                    raise IdempotencyKeyReused()
                replay = Response(record.response_body, status=record.response_status)
                replay["Idempotent-Replayed"] = "true"
                return replay
            response = view_method(self, request, *args, **kwargs)
            record.response_status = response.status_code
            record.response_body = response.data
            record.save(update_fields=["response_status", "response_body"])
            return response

    return wrapper  # type: ignore[return-value]


def idempotency_records_purge(*, now: Any = None) -> int:
    """Delete records older than KEEP_FOR; returns how many went."""
    cutoff = (now or timezone.now()) - KEEP_FOR
    deleted, _ = IdempotencyRecord.objects.filter(created_at__lt=cutoff).delete()
    return deleted
