"""The Overpass API provider: one query for a region's box and every venue kind.

Polite and defensive: an honest User-Agent, a server-side `[timeout:]`, a client-side connect
and read timeout plus an overall deadline (a server dripping bytes cannot hold a worker), a cap
on the answer's size, and a few quick retries with exponential backoff on timeouts, connection
errors, 429 and 5xx (honouring `Retry-After` up to OVERPASS_MAX_RETRY_WAIT_SECONDS; a longer
wait is handed to Celery as `SourceUnavailable.retry_after`).

Overpass answers 200 with a `remark` when the query ran out of time or memory: the elements are
then incomplete, so that is a failed download too. Nothing is written until the whole answer
has been read and parsed.
"""

import json
import logging
import random
import time
from datetime import UTC
from email.utils import parsedate_to_datetime
from typing import Any

import requests
from django.conf import settings
from django.utils import timezone

from apps.venues.providers import osm
from apps.venues.providers.files import read_overpass_json
from apps.venues.providers.records import Batch, InvalidSource, SourceUnavailable

logger = logging.getLogger(__name__)

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})


def build_query(*, bbox: tuple[float, float, float, float], timeout_seconds: int) -> str:
    """`bbox` is (south, west, north, east)."""
    box = ",".join(f"{value:.7f}" for value in bbox)
    selectors = "\n".join(f"  nwr{selector};" for selector in osm.OVERPASS_SELECTORS)
    header = f"[out:json][timeout:{timeout_seconds}][bbox:{box}];"
    return f"{header}\n(\n{selectors}\n);\nout center tags;\n"


def fetch(*, bbox: tuple[float, float, float, float]) -> Batch:
    """Download and parse every venue in `bbox`, or raise SourceError; never a partial Batch."""
    server_timeout = int(settings.OVERPASS_TIMEOUT_SECONDS)
    query = build_query(bbox=bbox, timeout_seconds=server_timeout)
    attempts = max(1, int(settings.OVERPASS_MAX_ATTEMPTS))
    failure = SourceUnavailable("Overpass was not asked.")
    for attempt in range(1, attempts + 1):
        try:
            data = _download(query, server_timeout=server_timeout)
        except SourceUnavailable as exc:
            failure = exc
            logger.warning("Overpass attempt %d/%d failed: %s", attempt, attempts, exc.detail)
            if attempt == attempts:
                break
            wait = _wait_before_retry(attempt, exc.retry_after)
            if wait is None:
                break  # the server asked for a longer pause than we hold a worker for
            time.sleep(wait)
            continue
        return read_overpass_json(data)
    raise failure


def _download(query: str, *, server_timeout: int) -> dict[str, Any]:
    url = settings.OVERPASS_URL
    # The read timeout bounds each wait for bytes; the deadline bounds the whole answer.
    read_timeout = float(settings.OVERPASS_READ_TIMEOUT_SECONDS or server_timeout + 30)
    deadline = time.monotonic() + read_timeout
    headers = {"User-Agent": settings.OVERPASS_USER_AGENT, "Accept": "application/json"}
    timeouts = (float(settings.OVERPASS_CONNECT_TIMEOUT_SECONDS), read_timeout)
    try:
        with requests.post(
            url, data={"data": query}, headers=headers, timeout=timeouts, stream=True
        ) as response:
            if response.status_code in RETRY_STATUSES:
                raise SourceUnavailable(
                    f"Overpass answered {response.status_code}.",
                    retry_after=_retry_after(response.headers.get("Retry-After")),
                )
            if response.status_code != 200:
                raise InvalidSource(
                    f"Overpass answered {response.status_code}: {response.text[:300]}"
                )
            body = _read_body(response, deadline=deadline)
    except requests.Timeout as exc:
        raise SourceUnavailable(f"Overpass timed out: {exc}") from exc
    except requests.RequestException as exc:
        raise SourceUnavailable(f"Overpass could not be reached: {exc}") from exc
    try:
        data = json.loads(body)
    except ValueError as exc:
        raise SourceUnavailable(f"Overpass sent an incomplete answer ({len(body)} bytes).") from exc
    if not isinstance(data, dict) or not isinstance(data.get("elements"), list):
        raise InvalidSource("Overpass answered JSON without an `elements` list.")
    remark = str(data.get("remark") or "")
    if "error" in remark.lower():
        raise SourceUnavailable(f"Overpass could not finish the query: {remark[:300]}")
    return data


def _read_body(response: requests.Response, *, deadline: float) -> bytes:
    limit = int(settings.OVERPASS_MAX_BYTES)
    chunks: list[bytes] = []
    size = 0
    for chunk in response.iter_content(chunk_size=64 * 1024):
        size += len(chunk)
        if size > limit:
            raise InvalidSource(f"Overpass answer exceeds {limit} bytes; split the region.")
        if time.monotonic() > deadline:
            raise SourceUnavailable("Overpass answer took longer than the overall deadline.")
        chunks.append(chunk)
    return b"".join(chunks)


def _retry_after(value: str | None) -> float | None:
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - timezone.now()).total_seconds())


def _wait_before_retry(attempt: int, retry_after: float | None) -> float | None:
    cap = float(settings.OVERPASS_MAX_RETRY_WAIT_SECONDS)
    if retry_after is not None:
        return retry_after if retry_after <= cap else None
    base = float(settings.OVERPASS_BACKOFF_SECONDS) * 2 ** (attempt - 1)
    return min(cap, base * random.uniform(1.0, 1.5))  # noqa: S311 - jitter, not security
