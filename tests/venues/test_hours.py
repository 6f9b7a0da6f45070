"""Opening hours, answered in the venue's local time: open, closed, or honestly unknown."""

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from apps.venues import hours

BERLIN = ZoneInfo("Europe/Berlin")
MUNICH: dict[str, Any] = {"timezone": "Europe/Berlin", "lat": 48.137, "lng": 11.575}
HELSINKI: dict[str, Any] = {"timezone": "Europe/Helsinki", "lat": 60.17, "lng": 24.94}


def berlin(year: int, month: int, day: int, hour: int, minute: int) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=BERLIN)


def open_at(opening_hours: str, when: datetime, place: dict[str, Any] = MUNICH) -> bool | None:
    return hours.is_open_at(opening_hours=opening_hours, when=when, **place)


def test_hours_are_read_in_the_venues_local_time_not_utc() -> None:
    # 2026-05-04 is a Monday; Berlin is UTC+2 in summer.
    assert open_at("Mo-Fr 09:00-18:00", datetime(2026, 5, 4, 7, 30, tzinfo=UTC)) is True
    assert open_at("Mo-Fr 09:00-18:00", datetime(2026, 5, 4, 6, 30, tzinfo=UTC)) is False
    assert open_at("Mo-Fr 09:00-18:00", datetime(2026, 5, 4, 16, 30, tzinfo=UTC)) is False


def test_the_same_instant_differs_between_zones() -> None:
    instant = datetime(2026, 5, 4, 15, 30, tzinfo=UTC)  # 17:30 in Munich, 18:30 in Helsinki

    assert open_at("Mo-Fr 09:00-18:00", instant, MUNICH) is True
    assert open_at("Mo-Fr 09:00-18:00", instant, HELSINKI) is False


def test_a_bar_open_past_midnight_is_open_early_next_morning() -> None:
    late = "Mo-Sa 18:00-02:00"

    assert open_at(late, berlin(2026, 5, 8, 23, 30)) is True  # Friday night
    assert open_at(late, berlin(2026, 5, 9, 1, 30)) is True  # still Friday's evening
    assert open_at(late, berlin(2026, 5, 9, 2, 30)) is False
    assert (
        open_at(late, berlin(2026, 5, 11, 1, 30)) is False
    )  # Sunday night: closed since Sat 02:00


def test_public_holidays_of_the_venues_country_apply() -> None:
    hours_ph_off = "Mo-Su 10:00-18:00; PH off"

    assert open_at(hours_ph_off, berlin(2026, 12, 25, 12, 0)) is False  # Christmas Day
    assert open_at(hours_ph_off, berlin(2026, 12, 23, 12, 0)) is True
    # 6 December is Finnish Independence Day, not a German holiday.
    assert open_at(hours_ph_off, datetime(2026, 12, 7, 12, 0, tzinfo=BERLIN), HELSINKI) is True
    assert open_at(hours_ph_off, datetime(2026, 12, 6, 12, 0, tzinfo=UTC), HELSINKI) is False


@pytest.mark.parametrize(
    "unknowable",
    [
        "",
        "   ",
        "bei schönem Wetter",
        "Mo-Fr 10-18",  # not the OSM syntax
        "Mo-Fr 10:00-18:00 || unknown",  # fallback: unknown outside the stated hours
        "Mo-Su unknown",
    ],
)
def test_missing_or_unreadable_hours_are_unknown_never_closed(unknowable: str) -> None:
    assert open_at(unknowable, berlin(2026, 5, 9, 12, 0)) is None  # a Saturday noon


def test_a_closed_rule_is_closed() -> None:
    assert open_at("Mo-Fr 10:00-18:00; Sa,Su off", berlin(2026, 5, 9, 12, 0)) is False
    assert open_at("closed", berlin(2026, 5, 9, 12, 0)) is False


def test_24_7_is_always_open() -> None:
    assert open_at("24/7", berlin(2026, 5, 9, 3, 0)) is True


def test_an_unknown_time_zone_is_unknown() -> None:
    when = berlin(2026, 5, 9, 3, 0)

    assert hours.is_open_at(opening_hours="24/7", timezone="Mars/Olympus", when=when) is None


def test_a_naive_time_is_refused() -> None:
    with pytest.raises(ValueError, match="aware"):
        open_at("24/7", datetime(2026, 5, 9, 3, 0))  # noqa: DTZ001 - the point of the test


def test_status_tells_when_the_state_changes_in_local_time() -> None:
    status = hours.status_at(
        opening_hours="Mo-Sa 15:00-01:00", when=berlin(2026, 5, 6, 23, 8), **MUNICH
    )

    assert status.is_open is True
    assert status.next_change == berlin(2026, 5, 7, 1, 0)


def test_slots_are_open_only_when_open_the_whole_time() -> None:
    saturday = berlin(2026, 5, 9, 0, 0)
    slots = [
        (saturday + timedelta(hours=10), saturday + timedelta(hours=12)),  # inside
        (saturday + timedelta(hours=17), saturday + timedelta(hours=19)),  # closes at 18:00
        (saturday + timedelta(hours=20), saturday + timedelta(hours=22)),  # closed
        (saturday + timedelta(hours=23), saturday + timedelta(hours=22)),  # empty slot
    ]

    answers = hours.slots_open(opening_hours="Mo-Sa 09:00-18:00", slots=slots, **MUNICH)

    assert answers == [True, False, False, None]


def test_slots_of_unreadable_hours_are_all_unknown() -> None:
    slot = (berlin(2026, 5, 9, 10, 0), berlin(2026, 5, 9, 12, 0))

    assert hours.slots_open(opening_hours="ask at the bar", slots=[slot, slot], **MUNICH) == [
        None,
        None,
    ]


def test_slots_across_midnight_in_utc_are_evaluated_locally() -> None:
    # 22:00-00:30 UTC on a Friday in May is 00:00-02:30 local Saturday: closes at 02:00.
    slot = (datetime(2026, 5, 8, 22, 0, tzinfo=UTC), datetime(2026, 5, 9, 0, 30, tzinfo=UTC))
    inside = (datetime(2026, 5, 8, 22, 0, tzinfo=UTC), datetime(2026, 5, 8, 23, 30, tzinfo=UTC))

    answers = hours.slots_open(opening_hours="Mo-Sa 18:00-02:00", slots=[slot, inside], **MUNICH)

    assert answers == [False, True]


def test_validity_check() -> None:
    assert hours.is_valid("Mo-Fr 08:00-18:00; PH off")
    assert not hours.is_valid("Montag bis Freitag")
