"""Events fixtures: a café at Marienplatz open every day 08:00-20:00 (Munich time), events
there, and the personas from tests/conftest.py."""

from collections.abc import Callable
from datetime import datetime, timedelta

import pytest
from pytest_django import Settings

from apps.accounts.models import User
from apps.events.models import Event
from apps.notifications.models import Message
from apps.venues.models import Venue
from tests.celery_worker import real_worker  # noqa: F401  (fixture for the worker tests)
from tests.factories.events import EventFactory, next_evening
from tests.factories.venues import VenueFactory


@pytest.fixture(autouse=True)
def _no_rate_limits(settings: Settings) -> None:
    settings.RATE_LIMITS_ENABLED = False
    settings.EVENTS_ANON_RATE = "100000/min"


@pytest.fixture
def cafe(db: None) -> Venue:
    return VenueFactory(name="Café Luitpold", opening_hours="Mo-Su 08:00-20:00")


@pytest.fixture
def start() -> datetime:
    """Two days from now, 16:00 UTC: 17:00 or 18:00 in Munich, inside the café's hours."""
    return next_evening(2, 16)


@pytest.fixture
def event(cafe: Venue, alice: User, start: datetime) -> Event:
    """Alice's book swap at the café: 4 places, Alice going."""
    return EventFactory(
        venue=cafe,
        organizer=alice,
        title="Book swap",
        capacity=4,
        starts_at=start,
        ends_at=start + timedelta(hours=2),
        interests=["book-clubs", "poetry"],
    )


@pytest.fixture
def messages_for() -> Callable[[User], list[Message]]:
    def read(user: User) -> list[Message]:
        return list(Message.objects.filter(user=user).order_by("pk"))

    return read
