"""The venue page: public, server-rendered, with a local Leaflet map and OSM attribution."""

from datetime import UTC, datetime

import pytest
import time_machine
from django.test import Client
from playwright.sync_api import Page
from pytest_django import DjangoAssertNumQueries
from pytest_django.live_server_helper import LiveServer

from apps.venues.models import Venue
from tests.factories.venues import VenueFactory

pytestmark = pytest.mark.django_db

# Saturday 9 May 2026, 23:30 in Munich (21:30 UTC).
SATURDAY_NIGHT = datetime(2026, 5, 9, 21, 30, tzinfo=UTC)


@pytest.fixture
def bar() -> Venue:
    return VenueFactory(
        name="Schumann's",
        kind="bar",
        address="Odeonsplatz 6, 80539 München",
        opening_hours="Mo-Sa 18:00-02:00",
        wheelchair="limited",
        website="https://schumanns.example",
        external_id="node/42",
    )


def test_the_page_tells_where_the_venue_is_and_whether_it_is_open_locally(
    client: Client, bar: Venue, django_assert_num_queries: DjangoAssertNumQueries
) -> None:
    # The venue, and its upcoming public events (the events app's block).
    with time_machine.travel(SATURDAY_NIGHT, tick=False), django_assert_num_queries(2):
        response = client.get(f"/venues/{bar.pk}/")

    html = response.content.decode()
    assert response.status_code == 200
    assert "Schumann&#x27;s" in html
    assert "Odeonsplatz 6, 80539 München" in html
    assert "Open now" in html
    assert "closes Sun 02:00" in html  # the venue's local time, not UTC
    assert "Local time Sat 23:30 (Europe/Berlin)" in html
    assert "Mo-Sa 18:00-02:00" in html
    assert "Partly wheelchair accessible" in html


def test_the_map_is_leaflet_from_our_static_files_with_osm_attribution(
    client: Client, bar: Venue
) -> None:
    html = client.get(f"/venues/{bar.pk}/").content.decode()

    assert "/static/leaflet/leaflet" in html
    assert 'id="venue-map"' in html
    assert "https://www.openstreetmap.org/copyright" in html
    assert "OpenStreetMap contributors" in html
    assert "https://www.openstreetmap.org/node/42" in html
    assert "tile.openstreetmap.org" in html  # tiles from settings (MAP_TILES_URL)


def test_upcoming_events_has_an_empty_state_until_events_exist(client: Client, bar: Venue) -> None:
    html = client.get(f"/venues/{bar.pk}/").content.decode()

    assert "Upcoming events" in html
    assert "No public events planned here yet." in html


def test_unknown_hours_say_so(client: Client) -> None:
    venue = VenueFactory(opening_hours="")

    assert "Opening hours unknown" in client.get(f"/venues/{venue.pk}/").content.decode()


def test_a_retired_venue_keeps_its_page_with_a_notice(client: Client) -> None:
    venue = VenueFactory(is_active=False)

    html = client.get(f"/venues/{venue.pk}/").content.decode()

    assert "no longer listed on OpenStreetMap" in html


def test_an_unknown_venue_is_a_404(client: Client) -> None:
    assert client.get("/venues/999999/").status_code == 404


@pytest.mark.django_db(transaction=True)
def test_the_map_pins_the_venue_in_a_browser(live_server: LiveServer, browser_page: Page) -> None:
    venue = VenueFactory(name="Café Kosmos")
    page = browser_page
    # No tile server offline: answer tile requests with nothing, as a blocked network would.
    page.route("https://tile.openstreetmap.org/**", lambda route: route.abort())
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))

    page.goto(f"{live_server.url}/venues/{venue.pk}/")

    marker = page.locator(".leaflet-marker-icon")
    marker.wait_for()
    assert marker.get_attribute("title") == "Café Kosmos"
    assert "OpenStreetMap contributors" in page.locator(".leaflet-control-attribution").inner_text()
    assert errors == []
