"""The admin lists events with their RSVPs, and never shows a calendar feed's secret."""

import pytest
from django.test import Client

from apps.events import services
from apps.events.models import Event
from tests.factories.accounts import UserFactory

pytestmark = pytest.mark.django_db


def test_staff_see_events_with_rsvps_but_no_feed_tokens(client: Client, event: Event) -> None:
    feed = services.calendar_feed_get_or_create(user=event.organizer)
    client.force_login(UserFactory(is_staff=True, is_superuser=True))

    listing = client.get("/admin/events/event/").content.decode()
    detail = client.get(f"/admin/events/event/{event.pk}/change/").content.decode()
    feed_page = client.get(f"/admin/events/calendarfeed/{feed.pk}/change/").content.decode()

    assert "Book swap" in listing
    assert "Going" in detail or "going" in detail
    assert feed.token not in feed_page
