from datetime import UTC, datetime, timedelta
from typing import Any

import factory
from django.utils import timezone

from apps.accounts.models import Interest, User
from apps.events.models import Event, Rsvp
from tests.factories.accounts import ProfileFactory
from tests.factories.venues import VenueFactory


def next_evening(days: int = 2, hour: int = 17) -> datetime:
    """`days` from now at `hour`:00 UTC (19:00 in Munich in summer): inside the factory venue's
    default hours, Mo-Su 08:00-20:00 local."""
    day = (timezone.now() + timedelta(days=days)).date()
    return datetime(day.year, day.month, day.day, hour, 0, tzinfo=UTC)


class EventFactory(factory.django.DjangoModelFactory):
    """A public event at a Marienplatz café two days from now, organised by someone who is
    going. `attendees=N` adds N more people going (counted in going_count)."""

    class Meta:
        model = Event
        skip_postgeneration_save = True

    title = factory.Sequence(lambda n: f"Book swap {n}")
    description = "Bring a book, take a book."
    venue = factory.SubFactory(VenueFactory)
    organizer = factory.LazyFunction(lambda: ProfileFactory().user)
    starts_at = factory.LazyFunction(lambda: next_evening(2, 16))
    ends_at = factory.LazyAttribute(lambda o: o.starts_at + timedelta(hours=2))
    capacity = 8
    going_count = 0

    @factory.post_generation
    def interests(obj: Event, create: bool, extracted: list[str] | None, **kwargs: Any) -> None:
        if create and extracted:
            obj.interests.set(Interest.objects.filter(slug__in=extracted))

    @factory.post_generation
    def attendees(obj: Event, create: bool, extracted: int | None, **kwargs: Any) -> None:
        if not create:
            return
        people: list[User] = []
        if obj.organizer is not None:
            people.append(obj.organizer)
        people += [ProfileFactory().user for _ in range(extracted or 0)]
        now = timezone.now()
        for person in people:
            Rsvp.objects.create(event=obj, user=person, status=Rsvp.Status.GOING, joined_at=now)
        obj.going_count = len(people)
        obj.save(update_fields=["going_count"])


def going(event: Event, user: User) -> Rsvp:
    """Seat `user` directly (test set-up; the services are what the tests exercise)."""
    rsvp = Rsvp.objects.create(
        event=event, user=user, status=Rsvp.Status.GOING, joined_at=timezone.now()
    )
    Event.objects.filter(pk=event.pk).update(going_count=event.going_count + 1)
    event.refresh_from_db()
    return rsvp
