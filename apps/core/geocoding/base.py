from dataclasses import dataclass
from typing import Protocol

from apps.core.errors import DomainError


@dataclass(frozen=True)
class GeocodeResult:
    lat: float
    lng: float
    label: str


class Geocoder(Protocol):
    name: str

    def geocode(self, query: str) -> GeocodeResult | None:
        """The best match for `query`, None when nothing matches; raises GeocoderUnavailable."""
        ...


class AddressNotFound(DomainError):
    code = "address_not_found"
    default_detail = "We could not find that place. Try a town or district name."


class GeocoderUnavailable(DomainError):
    code = "geocoder_unavailable"
    http_status = 503
    default_detail = "Address lookup is unavailable right now; try again or use your location."
