"""Nominatim (OpenStreetMap) through geopy: production geocoding of typed addresses.

Nominatim's usage policy asks for at most one request per second per application and an
identifying User-Agent; the slot is shared through the cache (Redis) so every web and worker
process together stays under the limit.
"""

import time

from django.conf import settings
from django.core.cache import cache
from geopy.exc import GeocoderServiceError, GeopyError
from geopy.geocoders import Nominatim

from apps.core.geocoding.base import GeocodeResult, GeocoderUnavailable

SLOT_KEY = "geocoding:nominatim:slot"


class NominatimGeocoder:
    name = "nominatim"

    def __init__(self) -> None:
        self.client = Nominatim(
            user_agent=settings.NOMINATIM_USER_AGENT,
            domain=settings.NOMINATIM_DOMAIN,
            scheme=settings.NOMINATIM_SCHEME,
            timeout=settings.NOMINATIM_TIMEOUT_SECONDS,
        )

    def _wait_for_slot(self) -> None:
        delay = settings.NOMINATIM_MIN_DELAY_SECONDS
        deadline = time.monotonic() + settings.NOMINATIM_TIMEOUT_SECONDS
        while not cache.add(SLOT_KEY, 1, timeout=max(1, round(delay))):
            if time.monotonic() > deadline:
                raise GeocoderUnavailable("Address lookup is busy; try again in a moment.")
            time.sleep(0.05)

    def geocode(self, query: str) -> GeocodeResult | None:
        self._wait_for_slot()
        try:
            location = self.client.geocode(query, exactly_one=True, addressdetails=False)
        except (GeocoderServiceError, GeopyError) as exc:
            raise GeocoderUnavailable() from exc
        if location is None:
            return None
        return GeocodeResult(
            lat=float(location.latitude),
            lng=float(location.longitude),
            label=str(location.address)[:300],
        )
