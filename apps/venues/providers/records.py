"""The shape every provider produces, and the errors a provider may raise."""

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from apps.core.errors import DomainError


@dataclass(frozen=True, slots=True)
class VenueRecord:
    """One venue as read from a source, already validated and normalised."""

    source: str
    external_id: str
    name: str
    kind: str
    lat: float
    lng: float
    address: str = ""
    opening_hours: str = ""
    wheelchair: str = ""
    outdoor_seating: bool | None = None
    wifi: bool | None = None
    website: str = ""
    phone: str = ""
    tags: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)


@dataclass
class Batch:
    """Everything read from one download or file: the usable records, and what was skipped why."""

    records: list[VenueRecord] = field(default_factory=list)
    skipped: Counter[str] = field(default_factory=Counter)
    received: int = 0

    def skip(self, reason: str) -> None:
        self.skipped[reason] += 1


class SkipFeature(Exception):
    """A feature that cannot become a venue; `reason` is the counter it is recorded under."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class SourceError(DomainError):
    """The source could not be read: nothing is written."""

    code = "venue_source_error"
    default_detail = "The venue source could not be read."


class SourceUnavailable(SourceError):
    """A transient failure (network, timeout, 429/5xx, truncated answer): worth retrying later."""

    code = "venue_source_unavailable"
    http_status = 503
    default_detail = "The venue source is unavailable; try again later."

    def __init__(self, detail: str | None = None, *, retry_after: float | None = None) -> None:
        super().__init__(detail)
        self.retry_after = retry_after


class InvalidSource(SourceError):
    """The data is malformed or of an unknown format: retrying will not help."""

    code = "venue_source_invalid"
    default_detail = "The venue source is not a format MatchUp can read."


class EmptySource(SourceError):
    """The source had no usable venue. Taken as a failed download, never as "all venues closed"."""

    code = "venue_source_empty"
    default_detail = "The venue source contained no usable venue; nothing was changed."
