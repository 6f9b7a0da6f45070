"""Reads for the time-driven messages: which reminders come due in a window, which events ended.

`reminders_due_between` is one statement whatever the number of people: for every reminder
lead time (1 to MAX_REMINDER_HOURS hours) it range-scans the events' (status, starts_at) index
for the events whose reminder at that lead time falls in the window, then joins the people
going and keeps those whose profile asks for that lead time. Written in SQL because the ORM
cannot join a `generate_series` (each lead time is a narrow index range, not a scan of every
upcoming event).
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import connection

from apps.accounts.models import Profile, User
from apps.accounts.validation import MAX_REMINDER_HOURS
from apps.events.models import Event, Rsvp
from apps.venues.models import Venue


@dataclass(frozen=True)
class DueReminder:
    rsvp_id: int
    user_id: int
    event_id: int
    hours: int
    starts_at: datetime
    joined_at: datetime
    event_title: str
    venue_id: int
    venue_name: str
    venue_address: str
    venue_timezone: str
    person_timezone: str

    @property
    def due_at(self) -> datetime:
        return self.starts_at - timedelta(hours=self.hours)


def reminders_due_between(*, after: datetime, until: datetime, now: datetime) -> list[DueReminder]:
    """Every reminder with `after < due_at <= until` that someone going should get: the event is
    scheduled and has not started at `now`, the person is active, their profile lists that lead
    time, and the reminder falls after they got their seat (who joins two hours before gets no
    "tomorrow" reminder). Ordered by due time."""
    sql = f"""
        SELECT r.id, r.user_id, e.id, h.hours, e.starts_at,
               COALESCE(r.joined_at, r.created_at), e.title,
               v.id, v.name, v.address, v.timezone, p.timezone
          FROM generate_series(1, %(max_hours)s) AS h(hours)
          JOIN {Event._meta.db_table} e
            ON e.status = %(scheduled)s
           AND e.starts_at > %(after)s + make_interval(hours => h.hours)
           AND e.starts_at <= %(until)s + make_interval(hours => h.hours)
          JOIN {Rsvp._meta.db_table} r ON r.event_id = e.id AND r.status = %(going)s
          JOIN {Profile._meta.db_table} p
            ON p.user_id = r.user_id AND h.hours = ANY(p.reminder_hours)
          JOIN {User._meta.db_table} u ON u.id = r.user_id AND u.is_active
          JOIN {Venue._meta.db_table} v ON v.id = e.venue_id
         WHERE e.starts_at > %(now)s
           AND e.starts_at - make_interval(hours => h.hours) > COALESCE(r.joined_at, r.created_at)
         ORDER BY e.starts_at - make_interval(hours => h.hours), r.id, h.hours
    """  # noqa: S608 - table names are ours; values are parameters
    params = {
        "max_hours": MAX_REMINDER_HOURS,
        "scheduled": Event.Status.SCHEDULED,
        "going": Rsvp.Status.GOING,
        "after": after,
        "until": until,
        "now": now,
    }
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [DueReminder(*row) for row in cursor.fetchall()]
