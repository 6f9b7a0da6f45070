"""Matching fixtures: a fixed clock (a Monday in March, winter time in Munich), the Munich
region with a café at Marienplatz open every day 08:00-22:00, and no API rate limits."""

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
import time_machine
from pytest_django import Settings

from apps.venues.models import Region, Venue
from tests.factories.matching import cafe, munich

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _no_rate_limits(settings: Settings) -> None:
    settings.RATE_LIMITS_ENABLED = False


@pytest.fixture
def clock() -> Iterator[time_machine.Traveller]:
    """Time stands still at NOW until the test moves it (`clock.move_to(...)`)."""
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def region(db: None) -> Region:
    return munich()


@pytest.fixture
def venue(region: Region) -> Venue:
    return cafe(region, name="Café Luitpold")
