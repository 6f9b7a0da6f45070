"""Geocoding behind one interface.

* `geocode(query)`: typed address → point + label, through the configured provider
  (settings.GEOCODER: "offline" gazetteer or "nominatim"), cached in the database.
* `area_label_at(lat=, lng=)`: a coarse area name for a point, always offline, so a person's
  home coordinates are never sent to a third party.
"""

from apps.core.geocoding.base import (
    AddressNotFound,
    Geocoder,
    GeocodeResult,
    GeocoderUnavailable,
)
from apps.core.geocoding.service import area_label_at, geocode, get_geocoder

__all__ = [
    "AddressNotFound",
    "GeocodeResult",
    "Geocoder",
    "GeocoderUnavailable",
    "area_label_at",
    "geocode",
    "get_geocoder",
]
