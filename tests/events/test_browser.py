"""Issue 4's "done when", in a real browser: a visitor opens "near me", sees real venues'
events on the list and the map, signs in, RSVPs, adds the event to a calendar; a full event
waitlists, and a cancellation promotes the next person."""

from datetime import timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from pytest_django import Settings
from pytest_django.live_server_helper import LiveServer

from apps.events import services
from apps.events.models import Rsvp
from apps.notifications.models import Message
from tests.factories.accounts import PASSWORD, ProfileFactory
from tests.factories.events import EventFactory, next_evening
from tests.factories.venues import VenueFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_visitor_browses_signs_in_rsvps_downloads_and_gets_promoted_from_the_waitlist(
    browser_page: Page, live_server: LiveServer, settings: Settings, tmp_path: Path
) -> None:
    settings.RATE_LIMITS_ENABLED = False
    settings.MAP_TILES_URL = live_server.url + "/static/tiles/{z}/{x}/{y}.png"  # no network
    start = next_evening(2, 16)
    luitpold = VenueFactory(
        name="Café Luitpold", lat=48.1430, lng=11.5760, address="Brienner Str. 11, München"
    )
    hugendubel = VenueFactory(name="Hugendubel", kind="bookstore", lat=48.1370, lng=11.5750)
    swap = EventFactory(
        venue=hugendubel,
        title="Book swap",
        starts_at=start,
        ends_at=start + timedelta(hours=2),
        capacity=6,
    )
    full = EventFactory(
        venue=luitpold,
        title="Chess evening",
        starts_at=start + timedelta(days=1),
        ends_at=start + timedelta(days=1, hours=2),
        capacity=2,
    )  # its organizer + one seat
    holder = ProfileFactory(display_name="Holder").user
    services.rsvp_join(event=full, user=holder)
    ProfileFactory(display_name="Nia", user__email="nia@example.com")
    page = browser_page

    # A visitor types a place and sees both events on the list and two pins on the map.
    page.goto(live_server.url + "/")
    page.get_by_role("link", name="Events near me").click()
    page.get_by_label("Place").fill("München")
    page.get_by_role("button", name="Show events").click()
    expect(page.get_by_role("heading", name="2 upcoming events")).to_be_visible()
    expect(page.get_by_role("link", name="Book swap")).to_be_visible()
    expect(page.locator(".leaflet-marker-icon")).to_have_count(2)
    page.locator('.leaflet-marker-icon[title^="Hugendubel"]').click()
    expect(page.locator(".leaflet-popup-content")).to_contain_text("Book swap")

    # They open the event, sign in from there and come back to it, then RSVP.
    page.get_by_role("link", name="Book swap").first.click()
    expect(page.get_by_role("heading", name="Book swap")).to_be_visible()
    page.get_by_role("link", name="Log in to join").click()
    page.get_by_label("Email").fill("nia@example.com")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    expect(page.get_by_role("heading", name="Book swap")).to_be_visible()
    page.get_by_role("button", name="I’m going").click()
    expect(page.get_by_text("You are going.", exact=True)).to_be_visible()
    expect(page.locator(".attendees")).to_contain_text("Nia (you)")

    # Add to calendar: an .ics file in the venue's time zone.
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Add to calendar (.ics)").click()
    saved = tmp_path / "event.ics"
    download_info.value.save_as(saved)
    text = saved.read_text()
    assert "BEGIN:VEVENT" in text
    assert "SUMMARY:Book swap" in text
    assert "DTSTART;TZID=Europe/Berlin:" in text

    # The full event waitlists them; when the holder cancels, they move up.
    page.goto(f"{live_server.url}/events/{full.pk}/")
    page.get_by_role("button", name="Join the waitlist").click()
    expect(page.get_by_text("You are number 1 on the waitlist.", exact=True)).to_be_visible()
    services.rsvp_cancel(event=full, user=holder)
    page.reload()
    expect(page.get_by_text("You are going.", exact=True)).to_be_visible()
    assert Rsvp.objects.get(event=full, user__email="nia@example.com").status == "going"
    # Told once (delivered by the notification workers, which this test does not run).
    assert (
        Message.objects.filter(user__email="nia@example.com", kind="waitlist_promoted").count() == 1
    )
    page.get_by_role("link", name="My events").first.click()
    expect(page.get_by_role("link", name="Chess evening")).to_be_visible()
    expect(page.get_by_role("link", name="Book swap")).to_be_visible()
    assert swap.pk
