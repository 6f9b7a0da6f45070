"""The demo step: Munich's real venues, loaded offline, idempotently."""

import pytest

from apps.venues.demo import seed_venues
from apps.venues.models import Region, Venue

pytestmark = pytest.mark.django_db


def test_the_demo_loads_munich_once() -> None:
    first = seed_venues()
    second = seed_venues()

    assert first == {"regions": 1, "venues created": 1475, "venues unchanged": 0}
    assert second == {"regions": 1, "venues created": 0, "venues unchanged": 1475}
    region = Region.objects.get(slug="munich")
    assert region.provider == Region.Provider.FILE
    assert Venue.objects.filter(region=region, is_active=True).count() == 1475
    assert set(Venue.objects.values_list("kind", flat=True)) == {"cafe", "bar"}
