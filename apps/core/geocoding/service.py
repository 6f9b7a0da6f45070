from datetime import timedelta
from functools import lru_cache

from django.conf import settings
from django.utils import timezone

from apps.core.geocoding.base import AddressNotFound, Geocoder, GeocodeResult
from apps.core.geocoding.offline import OfflineGeocoder, normalize
from apps.core.models import GeocodeCacheEntry

MAX_QUERY_LENGTH = 300


@lru_cache(maxsize=4)
def _geocoder(name: str) -> Geocoder:
    if name == "nominatim":
        from apps.core.geocoding.nominatim import NominatimGeocoder

        return NominatimGeocoder()
    if name == "offline":
        return OfflineGeocoder()
    raise ValueError(f"Unknown GEOCODER {name!r}: use 'offline' or 'nominatim'.")


def get_geocoder() -> Geocoder:
    return _geocoder(settings.GEOCODER)


def geocode(query: str) -> GeocodeResult:
    """Geocode a typed address through the configured provider, with a database cache.

    Raises AddressNotFound (nothing matches) or GeocoderUnavailable (provider down).
    """
    query = " ".join(query.split())
    if not query or len(query) > MAX_QUERY_LENGTH:
        raise AddressNotFound("Type a place of at most 300 characters.", attr="address")
    geocoder = get_geocoder()
    key = normalize(query) or query.casefold()
    fresh_after = timezone.now() - timedelta(days=settings.GEOCODE_CACHE_DAYS)
    cached = GeocodeCacheEntry.objects.filter(
        provider=geocoder.name, query=key, updated_at__gte=fresh_after
    ).first()
    if cached is not None:
        if not cached.found or cached.lat is None or cached.lng is None:
            raise AddressNotFound(attr="address")
        return GeocodeResult(lat=cached.lat, lng=cached.lng, label=cached.label)
    result = geocoder.geocode(query)
    GeocodeCacheEntry.objects.update_or_create(
        provider=geocoder.name,
        query=key,
        defaults={
            "found": result is not None,
            "lat": result.lat if result else None,
            "lng": result.lng if result else None,
            "label": result.label if result else "",
        },
    )
    if result is None:
        raise AddressNotFound(attr="address")
    return result


def area_label_at(*, lat: float, lng: float) -> str:
    return OfflineGeocoder().label_at(lat=lat, lng=lng)
