"""Geo helpers. Points are WGS 84; build them only through `point()` so latitude and longitude
are never swapped (GEOS takes x=lng, y=lat)."""

import math
from functools import lru_cache

from django.contrib.gis.geos import Point
from timezonefinder import TimezoneFinder

from apps.core.errors import DomainError

EARTH_RADIUS_KM = 6371.0088


class InvalidCoordinates(DomainError):
    code = "invalid_coordinates"
    default_detail = "Coordinates must be numbers: lat in [-90, 90], lng in [-180, 180]."


def validate_lat_lng(*, lat: object, lng: object) -> tuple[float, float]:
    """Return (lat, lng) as floats or raise InvalidCoordinates naming the bad one."""
    values = {}
    for name, value, bound in (("lat", lat, 90.0), ("lng", lng, 180.0)):
        if isinstance(value, bool) or value is None or value == "":
            raise InvalidCoordinates(f"{name} is required and must be a number.", attr=name)
        try:
            number = float(value)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            raise InvalidCoordinates(f"{name} must be a number.", attr=name) from None
        if not math.isfinite(number) or not -bound <= number <= bound:
            raise InvalidCoordinates(f"{name} must be between -{bound:g} and {bound:g}.", attr=name)
        values[name] = number
    return values["lat"], values["lng"]


def point(*, lat: float, lng: float) -> Point:
    lat, lng = validate_lat_lng(lat=lat, lng=lng)
    return Point(lng, lat, srid=4326)


def lat_lng(p: Point) -> tuple[float, float]:
    return p.y, p.x


@lru_cache(maxsize=1)
def _timezone_finder() -> TimezoneFinder:
    return TimezoneFinder(in_memory=True)


def timezone_at(*, lat: float, lng: float) -> str:
    """The IANA time zone at a point, offline. Open sea falls back to the Etc/GMT zone."""
    name = _timezone_finder().timezone_at(lat=lat, lng=lng)
    if name:
        return name
    offset = round(lng / 15)
    return "UTC" if offset == 0 else f"Etc/GMT{-offset:+d}"


def haversine_km(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi = phi2 - phi1
    dlmb = math.radians(lng2 - lng1)
    a = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlmb / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))
