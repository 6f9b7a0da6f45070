"""Selectors: who may see which event, what someone's lists hold, how cards explain relevance."""

from datetime import UTC, datetime, timedelta

import pytest

from apps.accounts.models import User
from apps.core.geo import point
from apps.events import selectors, services
from apps.events.errors import EventNotFound
from apps.events.models import Event
from apps.safety.models import Block
from apps.venues.models import Venue
from tests.factories.events import EventFactory, going

pytestmark = pytest.mark.django_db


def test_private_meetups_are_visible_only_to_their_people(
    cafe: Venue, alice: User, bob: User, carol: User, start: datetime
) -> None:
    meetup = services.event_create_for_group(
        venue=cafe,
        starts_at=start,
        ends_at=start + timedelta(hours=1),
        members=[alice, bob],
        title="Go",
    )

    assert selectors.event_get_for(user=alice, event_id=meetup.pk).pk == meetup.pk
    for viewer in (carol, None):
        with pytest.raises(EventNotFound):
            selectors.event_get_for(user=viewer, event_id=meetup.pk)
    with pytest.raises(EventNotFound):
        selectors.event_get_for(user=alice, event_id=2**63)


def test_my_rsvp_is_annotated(event: Event, bob: User) -> None:
    assert selectors.event_get_for(user=bob, event_id=event.pk).my_rsvp is None  # type: ignore[attr-defined]
    services.rsvp_join(event=event, user=bob)
    assert selectors.event_get_for(user=bob, event_id=event.pk).my_rsvp == "going"  # type: ignore[attr-defined]


def test_events_for_user_upcoming_and_past(event: Event, alice: User, bob: User) -> None:
    services.rsvp_join(event=event, user=bob)
    later = event.ends_at + timedelta(minutes=1)

    assert list(selectors.events_for_user(user=bob, when="upcoming")) == [event]
    assert list(selectors.events_for_user(user=bob, when="past", now=later)) == [event]
    services.rsvp_cancel(event=event, user=bob)
    assert list(selectors.events_for_user(user=bob, when="upcoming")) == []
    assert list(selectors.events_for_user(user=alice, when="upcoming")) == [event]


def test_attendees_hide_blocked_people_both_ways(
    event: Event, alice: User, bob: User, carol: User
) -> None:
    services.rsvp_join(event=event, user=bob)
    services.rsvp_join(event=event, user=carol)
    Block.objects.create(blocker=bob, blocked=carol)

    def names(viewer: User) -> list[str]:
        return [p["display_name"] for p in selectors.event_attendees(event=event, viewer=viewer)]

    assert names(alice) == ["Alice", "Bob", "Carol"]
    assert names(bob) == ["Alice", "Bob"]
    assert names(carol) == ["Alice", "Carol"]


def test_near_excludes_far_past_and_private(event: Event, start: datetime) -> None:
    EventFactory(venue__lat=48.30, venue__lng=11.57)  # ~18 km north
    EventFactory(visibility="private")
    rows = list(
        selectors.event_list_near(
            search=selectors.EventSearch(point=point(lat=48.1372, lng=11.5756))
        )
    )

    assert [row["id"] for row in rows] == [event.pk]
    assert rows[0]["interests"] == ["book-clubs", "poetry"]
    later = start + timedelta(hours=1)
    assert (
        list(
            selectors.event_list_near(
                search=selectors.EventSearch(point=point(lat=48.1372, lng=11.5756)), now=later
            )
        )
        == []
    )


@pytest.mark.parametrize(
    ("starts_at", "label"),
    [
        (datetime(2026, 5, 7, 17, 0, tzinfo=UTC), "today 19:00"),
        (datetime(2026, 5, 8, 17, 0, tzinfo=UTC), "tomorrow 19:00"),
        (datetime(2026, 5, 10, 17, 0, tzinfo=UTC), "Sun 19:00"),
        (datetime(2026, 5, 20, 17, 0, tzinfo=UTC), "Wed 20 May 19:00"),
        (datetime(2026, 5, 7, 22, 30, tzinfo=UTC), "tomorrow 00:30"),  # local midnight counts
    ],
)
def test_when_labels_are_in_the_venues_local_time(starts_at: datetime, label: str) -> None:
    now = datetime(2026, 5, 7, 8, 0, tzinfo=UTC)  # Thursday morning in Munich

    assert selectors.when_label(starts_at, "Europe/Berlin", now=now) == label


def test_the_relevance_explanation() -> None:
    now = datetime(2026, 5, 7, 8, 0, tzinfo=UTC)
    tomorrow = datetime(2026, 5, 8, 17, 0, tzinfo=UTC)

    assert (
        selectors.relevance_explanation(
            shared_count=3, distance_m=1234, starts_at=tomorrow, zone="Europe/Berlin", now=now
        )
        == "3 shared interests · 1.2 km · tomorrow 19:00"
    )
    assert (
        selectors.relevance_explanation(
            shared_count=0, distance_m=None, starts_at=tomorrow, zone="Europe/Berlin", now=now
        )
        == "tomorrow 19:00"
    )


def test_pairs_met_recently_are_people_who_went_to_the_same_past_event(
    alice: User, bob: User, carol: User
) -> None:
    now = datetime.now(tz=UTC)
    past = EventFactory(organizer=alice, starts_at=now - timedelta(days=10))
    going(past, bob)
    cancelled = EventFactory(
        organizer=alice, starts_at=now - timedelta(days=5), status=Event.Status.CANCELLED
    )
    going(cancelled, carol)
    long_ago = EventFactory(organizer=bob, starts_at=now - timedelta(days=80))
    going(long_ago, carol)

    pairs = selectors.pairs_met_recently(
        user_ids=[alice.pk, bob.pk, carol.pk], since=now - timedelta(weeks=8)
    )

    assert pairs == {tuple(sorted((alice.pk, bob.pk)))}
