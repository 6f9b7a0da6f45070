"""The demo step: realistic public events at real Munich venues, inside their opening hours."""

from datetime import timedelta

import pytest
from django.utils import timezone

from apps.accounts.demo import DEMO_EMAIL, seed_people
from apps.accounts.models import User
from apps.events.demo import EVENT_COUNT, seed_after_meetups, seed_events
from apps.events.models import Event, Rsvp
from apps.events.selectors.feedback import connection_list_for, feedback_status_for
from apps.venues.demo import seed_venues
from apps.venues.selectors import venue_slots_open

pytestmark = pytest.mark.django_db


def test_the_demo_makes_events_people_can_go_to() -> None:
    seed_people(count=60)
    seed_venues()

    counts = seed_events()

    events = list(Event.objects.select_related("venue"))
    assert counts["events"] == len(events) == EVENT_COUNT
    now = timezone.now()
    for event in events:
        assert now < event.starts_at < now + timedelta(days=16)
        assert venue_slots_open(event.venue, [(event.starts_at, event.ends_at)]) == [True]
        assert event.visibility == "public"
        assert event.going_count == Rsvp.objects.filter(event=event, status="going").count()
        assert event.going_count <= event.capacity
    demo = User.objects.get(email=DEMO_EMAIL)
    mine = dict(Rsvp.objects.filter(user=demo).values_list("event__title", "status"))
    assert "waitlisted" in mine.values()
    assert list(mine.values()).count("going") >= 2
    assert Event.objects.filter(organizer=demo).count() == 1
    assert len({event.venue_id for event in events}) > 20


def test_the_demo_account_has_a_connection_and_a_meetup_waiting_for_feedback() -> None:
    seed_people(count=60)
    seed_venues()
    seed_events()

    counts = seed_after_meetups()

    demo = User.objects.get(email=DEMO_EMAIL)
    assert counts == {"past_meetups": 2, "connections": 1}
    (connection,) = connection_list_for(user=demo)
    assert connection.contact == "Signal: +49 151 0000 0000 (demo)"
    states = feedback_status_for(
        user=demo,
        event_ids=list(Event.objects.filter(status="completed").values_list("pk", flat=True)),
    )
    assert sorted(states.values()) == ["given", "open"]
