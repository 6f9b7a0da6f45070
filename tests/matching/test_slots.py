"""A round's slots and who is free for them: wall-clock availability in each person's own zone,
across time zones, daylight saving time, midnight and the end of the week."""

from datetime import UTC, datetime, timedelta

from apps.matching.slots import FreeSlots, next_window_start, round_slots, week_stretches

HOUR = timedelta(hours=1)
TWO_HOURS = timedelta(hours=2)
EVERY_EVENING = [{"weekday": d, "start": "18:00", "end": "20:00"} for d in range(7)]


def slots_from(start: datetime, days: int = 7) -> list[tuple[datetime, datetime]]:
    return round_slots(
        window_start=start, window_end=start + timedelta(days=days), step=HOUR, length=TWO_HOURS
    )


def free_starts(
    start: datetime, availability: list[dict[str, object]], zone: str, days: int = 7
) -> list[datetime]:
    slots = slots_from(start, days)
    free = FreeSlots(slots).free(timezone=zone, availability=availability)
    return [slots[k][0] for k in sorted(free)]


def test_slots_start_every_step_and_all_fit_inside_the_window() -> None:
    start = datetime(2026, 3, 2, 0, 0, tzinfo=UTC)

    slots = slots_from(start, days=1)

    assert len(slots) == 23  # 00-02 … 22-24
    assert slots[0] == (start, start + TWO_HOURS)
    assert slots[-1] == (start + timedelta(hours=22), start + timedelta(hours=24))


def test_an_evening_in_munich_is_an_evening_there_not_in_utc() -> None:
    monday = datetime(2026, 3, 2, 0, 0, tzinfo=UTC)  # winter: Munich is UTC+1

    starts = free_starts(monday, EVERY_EVENING, "Europe/Berlin", days=1)

    assert starts == [datetime(2026, 3, 2, 17, 0, tzinfo=UTC)]  # 18:00-20:00 in Munich


def test_the_same_availability_in_new_york_is_other_utc_slots() -> None:
    monday = datetime(2026, 3, 2, 0, 0, tzinfo=UTC)  # New York is UTC-5 in early March

    munich = free_starts(monday, EVERY_EVENING, "Europe/Berlin", days=2)
    new_york = free_starts(monday, EVERY_EVENING, "America/New_York", days=2)

    assert datetime(2026, 3, 2, 23, 0, tzinfo=UTC) in new_york  # 18:00 in New York
    assert not set(munich) & set(new_york)


def test_daylight_saving_time_moves_the_utc_slot_not_the_local_one() -> None:
    # Europe springs forward on Sunday 29 March 2026 at 01:00 UTC.
    saturday = datetime(2026, 3, 28, 0, 0, tzinfo=UTC)

    starts = free_starts(saturday, EVERY_EVENING, "Europe/Berlin", days=2)

    assert starts == [
        datetime(2026, 3, 28, 17, 0, tzinfo=UTC),  # 18:00 CET
        datetime(2026, 3, 29, 16, 0, tzinfo=UTC),  # 18:00 CEST
    ]


def test_a_slot_through_the_night_of_the_clock_change_uses_both_offsets() -> None:
    # Autumn: 25 October 2026, 01:00 UTC, clocks go back from 03:00 CEST to 02:00 CET.
    night = [{"weekday": 6, "start": "01:00", "end": "04:00"}]  # Sunday 01:00-04:00 local
    saturday = datetime(2026, 10, 24, 0, 0, tzinfo=UTC)

    starts = free_starts(saturday, night, "Europe/Berlin", days=2)

    # 23:00 UTC = 01:00 CEST … 03:00 UTC = 04:00 CET: four UTC hours fit in three local ones.
    assert datetime(2026, 10, 24, 23, 0, tzinfo=UTC) in starts
    assert datetime(2026, 10, 25, 1, 0, tzinfo=UTC) in starts
    assert datetime(2026, 10, 25, 2, 0, tzinfo=UTC) not in starts  # would end 05:00 CET


def test_stretches_touching_at_midnight_are_one_evening() -> None:
    late = [
        {"weekday": 0, "start": "22:00", "end": "24:00"},
        {"weekday": 1, "start": "00:00", "end": "02:00"},
    ]
    monday = datetime(2026, 3, 2, 0, 0, tzinfo=UTC)

    starts = free_starts(monday, late, "UTC", days=2)
    only_monday = free_starts(monday, late[:1], "UTC", days=2)

    assert datetime(2026, 3, 2, 23, 0, tzinfo=UTC) in starts  # Mon 23:00 - Tue 01:00
    assert datetime(2026, 3, 2, 23, 0, tzinfo=UTC) not in only_monday


def test_sunday_night_runs_into_monday_morning() -> None:
    week_end = [
        {"weekday": 6, "start": "23:00", "end": "24:00"},
        {"weekday": 0, "start": "00:00", "end": "01:00"},
    ]
    assert week_stretches(week_end)[0] == (-60, 60)
    sunday = datetime(2026, 3, 8, 12, 0, tzinfo=UTC)

    starts = free_starts(sunday, week_end, "UTC", days=1)

    assert starts == [datetime(2026, 3, 8, 23, 0, tzinfo=UTC)]


def test_half_hour_zones_get_windows_on_their_own_full_hours() -> None:
    now = datetime(2026, 3, 2, 9, 10, tzinfo=UTC)
    start = next_window_start(now=now, lead=timedelta(hours=26), zone_name="Asia/Kolkata")

    starts = free_starts(start, EVERY_EVENING, "Asia/Kolkata", days=1)

    assert start == datetime(2026, 3, 3, 11, 30, tzinfo=UTC)  # 17:00 in India
    assert starts == [datetime(2026, 3, 3, 12, 30, tzinfo=UTC)]  # 18:00-20:00 in India


def test_the_window_starts_at_the_first_full_hour_after_the_lead() -> None:
    now = datetime(2026, 3, 2, 9, 10, tzinfo=UTC)

    start = next_window_start(now=now, lead=timedelta(hours=26), zone_name="Europe/Berlin")
    on_the_hour = next_window_start(
        now=datetime(2026, 3, 2, 9, 0, tzinfo=UTC),
        lead=timedelta(hours=26),
        zone_name="Europe/Berlin",
    )

    assert start == datetime(2026, 3, 3, 12, 0, tzinfo=UTC)
    assert on_the_hour == datetime(2026, 3, 3, 11, 0, tzinfo=UTC)


def test_an_unknown_zone_is_read_as_utc_and_bad_entries_are_skipped() -> None:
    monday = datetime(2026, 3, 2, 0, 0, tzinfo=UTC)
    availability = [
        {"weekday": 0, "start": "18:00", "end": "20:00"},
        {"weekday": 9, "start": "18:00", "end": "20:00"},
        {"weekday": 1, "start": "late", "end": "20:00"},
        "nonsense",
    ]

    starts = free_starts(monday, availability, "Mars/Olympus_Mons", days=2)  # type: ignore[arg-type]

    assert starts == [datetime(2026, 3, 2, 18, 0, tzinfo=UTC)]


def test_nobody_is_free_without_availability() -> None:
    monday = datetime(2026, 3, 2, 0, 0, tzinfo=UTC)

    assert free_starts(monday, [], "Europe/Berlin") == []
