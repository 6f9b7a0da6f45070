"""A round's time slots, and which of them a person is free for.

A round covers a window (e.g. the next 7 days) cut into slots: slot k starts at
`window_start + k * step` and lasts `length` (two hours, starting every hour by default, so a
person free 18:00-21:00 fits 18-20 and 19-21). Slots are UTC instants; a person's weekly
availability is wall-clock time in *their* zone, so each slot is converted to that zone (DST
included: zoneinfo knows the offset at each instant) and is free when some stretch of their
week covers it from start to end. Stretches that touch across midnight (Mon 22:00-24:00 and
Tue 00:00-02:00) count as one, and Sunday night runs into Monday.

Pure functions, no ORM. Thousands of people share a few zones and a few availability
patterns, so `FreeSlots` converts the slots once per zone and answers once per pattern.
"""

from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np

Slot = tuple[datetime, datetime]
DAY = 24 * 60
WEEK = 7 * DAY


def round_slots(
    *, window_start: datetime, window_end: datetime, step: timedelta, length: timedelta
) -> list[Slot]:
    """`[start, end)` of every slot that fits in the window, in order."""
    if step <= timedelta(0) or length <= timedelta(0):
        raise ValueError("step and length must be positive")
    slots: list[Slot] = []
    start = window_start
    while start + length <= window_end:
        slots.append((start, start + length))
        start += step
    return slots


@lru_cache(maxsize=256)
def zone(name: str) -> ZoneInfo:
    """The IANA zone, UTC when this system does not know the name."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def _minutes(text: str) -> int:
    hours, minutes = text.split(":")
    return int(hours) * 60 + int(minutes)


def week_stretches(availability: Iterable[Mapping[str, Any]]) -> tuple[tuple[int, int], ...]:
    """Availability as merged `(from, to)` minutes since Monday 00:00, plus the same shifted by
    one week (so a slot on Sunday night can run into Monday morning). Malformed entries are
    skipped (profiles are validated on the way in; this is a reader, not a judge)."""
    spans: list[tuple[int, int]] = []
    for entry in availability:
        try:
            day = int(entry["weekday"])
            start, end = _minutes(str(entry["start"])), _minutes(str(entry["end"]))
        except (KeyError, TypeError, ValueError):
            continue
        if 0 <= day <= 6 and 0 <= start < end <= DAY:
            spans.append((day * DAY + start, day * DAY + end))
    spans.sort()
    merged: list[tuple[int, int]] = []
    for start, end in spans:
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    if len(merged) > 1 and merged[0][0] == 0 and merged[-1][1] == WEEK:
        # Sunday until midnight continues on Monday from midnight.
        merged[0] = (merged[-1][0] - WEEK, merged[0][1])
        merged.pop()
    return tuple(merged) + tuple((a + WEEK, b + WEEK) for a, b in merged)


def _availability_key(availability: Any) -> tuple[tuple[Any, Any, Any], ...]:
    if not isinstance(availability, list):
        return ()
    return tuple(
        (e.get("weekday"), e.get("start"), e.get("end"))
        for e in availability
        if isinstance(e, dict)
    )


class FreeSlots:
    """`free(timezone=…, availability=…)` → the indices of `slots` the person is free for."""

    def __init__(self, slots: Sequence[Slot]) -> None:
        self.slots = list(slots)
        self._local: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        self._answers: dict[tuple[str, tuple[tuple[Any, Any, Any], ...]], frozenset[int]] = {}

    def _local_minutes(self, zone_name: str) -> tuple[np.ndarray, np.ndarray]:
        found = self._local.get(zone_name)
        if found is None:
            tz = zone(zone_name)
            starts, ends = [], []
            for start, end in self.slots:
                ls, le = start.astimezone(tz), end.astimezone(tz)
                a = ls.weekday() * DAY + ls.hour * 60 + ls.minute
                b = le.weekday() * DAY + le.hour * 60 + le.minute
                if b <= a:  # the slot crosses Sunday midnight
                    b += WEEK
                starts.append(a)
                ends.append(b)
            found = (np.array(starts, dtype=np.int64), np.array(ends, dtype=np.int64))
            self._local[zone_name] = found
        return found

    def free(self, *, timezone: str, availability: Any) -> frozenset[int]:
        key = (timezone, _availability_key(availability))
        answer = self._answers.get(key)
        if answer is None:
            starts, ends = self._local_minutes(timezone)
            fits = np.zeros(len(self.slots), dtype=bool)
            for a, b in week_stretches(
                [dict(zip(("weekday", "start", "end"), entry, strict=True)) for entry in key[1]]
            ):
                fits |= (starts >= a) & (ends <= b)
            answer = frozenset(int(k) for k in np.flatnonzero(fits))
            self._answers[key] = answer
        return answer


def next_window_start(*, now: datetime, lead: timedelta, zone_name: str) -> datetime:
    """The first full hour of `zone_name`'s clock at least `lead` after `now` (UTC): rounds
    started within the same hour share their window (and so their row)."""
    earliest = (now + lead).astimezone(UTC)
    start = earliest.astimezone(zone(zone_name)).replace(minute=0, second=0, microsecond=0)
    start_utc = start.astimezone(UTC)
    if start_utc < earliest:
        start_utc += timedelta(hours=1)  # in UTC: local wall-clock arithmetic breaks at DST
    return start_utc
