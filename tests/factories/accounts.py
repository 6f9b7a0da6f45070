from typing import Any

import factory
from allauth.account.models import EmailAddress
from django.utils import timezone as django_timezone

from apps.accounts.models import Interest, Profile, User
from apps.core.geo import point

PASSWORD = "correct-horse-battery-9"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.com")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def verified(obj: User, create: bool, extracted: bool | None, **kwargs: Any) -> None:
        if create:
            EmailAddress.objects.create(
                user=obj,
                email=obj.email,
                primary=True,
                verified=extracted if extracted is not None else True,
            )
            obj.save()


class ProfileFactory(factory.django.DjangoModelFactory):
    """A complete, onboarded profile near Munich's centre, open to meet."""

    class Meta:
        model = Profile
        skip_postgeneration_save = True

    user = factory.SubFactory(UserFactory)
    display_name = factory.Faker("first_name")
    birth_year = 1990
    home = factory.LazyFunction(lambda: point(lat=48.1372, lng=11.5756))
    area_label = "Munich, Bavaria, DE"
    timezone = "Europe/Berlin"
    max_travel_km = 5.0
    venue_kinds = factory.LazyFunction(lambda: ["cafe", "bar", "bookstore"])
    group_size = Profile.GroupSize.ANY
    availability = factory.LazyFunction(
        lambda: [{"weekday": d, "start": "18:00", "end": "22:00"} for d in range(7)]
    )
    languages = factory.LazyFunction(lambda: ["en", "de"])
    open_to_meet = True
    onboarded_at = factory.LazyFunction(django_timezone.now)

    @factory.post_generation
    def interests(obj: Profile, create: bool, extracted: list[str] | None, **kwargs: Any) -> None:
        if create and extracted:
            obj.interests.set(Interest.objects.filter(slug__in=extracted))
