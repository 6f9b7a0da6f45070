"""Geocoding behind one interface: the offline gazetteer, and Nominatim against a local fake."""

import pytest
from pytest_django import Settings

from apps.core.geo import timezone_at
from apps.core.geocoding import AddressNotFound, GeocoderUnavailable, geocode, get_geocoder
from apps.core.geocoding.service import _geocoder
from apps.core.models import GeocodeCacheEntry
from tests.support.http_fake import CannedResponse, fake_http_server

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("query", "label"),
    [
        ("München", "Munich, Bavaria, DE"),
        ("Leopoldstraße 10, 80802 Muenchen", "Munich, Bavaria, DE"),
        ("Pasing, München", "Pasing, Bavaria, DE"),
        ("Paris, France", "Paris, Ile-de-France, FR"),
        ("helsinki", "Helsinki, Uusimaa, FI"),
        ("48.1500, 11.5800", "Munich, Bavaria, DE"),
    ],
)
def test_offline_geocoder_finds_real_places(query: str, label: str) -> None:
    assert geocode(query).label == label


def test_offline_geocoder_says_not_found_for_nonsense() -> None:
    with pytest.raises(AddressNotFound):
        geocode("qwxzzy plorp")


def test_answers_are_cached_in_the_database() -> None:
    geocode("Pasing")
    geocode("  pasing ")

    assert GeocodeCacheEntry.objects.filter(provider="offline").count() == 1


def test_time_zone_comes_from_the_point_offline() -> None:
    assert timezone_at(lat=48.137, lng=11.575) == "Europe/Berlin"
    assert timezone_at(lat=40.71, lng=-74.0) == "America/New_York"
    assert timezone_at(lat=0.0, lng=-30.0) == "Etc/GMT+2"  # open Atlantic


@pytest.fixture
def nominatim(settings: Settings):
    def configure(url: str) -> None:
        settings.GEOCODER = "nominatim"
        settings.NOMINATIM_SCHEME = "http"
        settings.NOMINATIM_DOMAIN = url.removeprefix("http://")
        settings.NOMINATIM_MIN_DELAY_SECONDS = 0
        settings.NOMINATIM_TIMEOUT_SECONDS = 1
        _geocoder.cache_clear()

    yield configure
    _geocoder.cache_clear()


def test_nominatim_geocodes_through_geopy_with_our_user_agent(
    nominatim, settings: Settings
) -> None:
    answer = [{"lat": "48.1500", "lon": "11.5800", "display_name": "Maxvorstadt, München, Bayern"}]
    with fake_http_server([CannedResponse(body=answer)]) as server:
        nominatim(server.url)

        result = geocode("Maxvorstadt")

    assert (result.lat, result.lng, result.label) == (48.15, 11.58, "Maxvorstadt, München, Bayern")
    assert server.requests[0]["path"].startswith("/search?")
    assert server.requests[0]["headers"]["User-Agent"] == settings.NOMINATIM_USER_AGENT
    assert get_geocoder().name == "nominatim"


def test_nominatim_empty_answer_is_not_found_and_remembered(nominatim) -> None:
    with fake_http_server([CannedResponse(body=[])]) as server:
        nominatim(server.url)
        for _ in range(2):
            with pytest.raises(AddressNotFound):
                geocode("Nowhere at all")

    assert len(server.requests) == 1


@pytest.mark.parametrize(
    "response",
    [CannedResponse(status=500, body="oops"), CannedResponse(body=[], delay_seconds=2.5)],
    ids=["server-error", "timeout"],
)
def test_nominatim_failure_is_unavailable_and_not_cached(nominatim, response) -> None:
    with fake_http_server([response]) as server:
        nominatim(server.url)
        with pytest.raises(GeocoderUnavailable):
            geocode("Maxvorstadt")

    assert not GeocodeCacheEntry.objects.exists()
