"""Benchmark: schedule and dispatch 100,000 due meetup reminders.

    .venv/bin/python tests/bench/bench_reminders.py [--reminders 100000] [--per-event 25]
                                                     [--batch 200]

Creates its own database (`bench_reminders_<your database>`, dropped at the end) with people
(from bench_notifications' `create_people`), venues and events starting in two hours, each
with `--per-event` people going who asked for a reminder two hours before: every reminder
falls in the scan's window. A third of the people get reminders in-app only, a third also by
email, a third also by push. Then it runs exactly what beat and the workers run, in this
process (so the figures are per worker process):

1. scheduling: `reminders_schedule_due` (the `events.schedule_due_reminders` task) finds the
   due reminders in one statement and writes them with `notify_many`;
2. dispatch: at the due time, the notifications scan (`deliveries_dispatch_due`) hands out
   batches and each batch is sent by `deliveries_send` (the `notifications.send_deliveries`
   task body), including the send-time check of every reminder against its seat and event;
3. a second scan, as a double beat tick, which must write nothing.

Email goes to Django's locmem backend and push to the logging sender: the figures measure
MatchUp's own work. Prints a table.
"""

import argparse
import logging
import os
import statistics
import sys
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "matchup.settings")

import django  # noqa: E402

django.setup()

import time_machine  # noqa: E402
from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from apps.accounts.models import Profile, User  # noqa: E402
from apps.core.geo import point  # noqa: E402
from apps.events.models import Event, Rsvp  # noqa: E402
from apps.events.selectors.reminders import reminders_due_between  # noqa: E402
from apps.events.services import reminders_schedule_due  # noqa: E402
from apps.notifications.models import Delivery, Device, Message, Notification  # noqa: E402
from apps.notifications.services import deliveries_dispatch_due, deliveries_send  # noqa: E402
from apps.venues.models import Venue  # noqa: E402
from tests.bench.bench_notifications import create_people  # noqa: E402


def create_meetups(users: list[User], total: int, per_event: int) -> int:
    """Events starting in 2 h to 2 h 10 min, `per_event` people going to each; person p goes
    to several events (all distinct). Everyone wants one reminder, two hours before."""
    now = timezone.now()
    groups = len(users) // 3
    Profile.objects.filter(user__in=users[:groups]).update(
        reminder_hours=[2], notify_email=False, notify_push=False
    )
    Profile.objects.filter(user__in=users[groups : 2 * groups]).update(
        reminder_hours=[2], notify_email=True, notify_push=False
    )
    Profile.objects.filter(user__in=users[2 * groups :]).update(
        reminder_hours=[2], notify_email=False, notify_push=True
    )
    Device.objects.filter(user__in=users[: 2 * groups]).delete()
    venues = Venue.objects.bulk_create(
        Venue(
            source="bench",
            external_id=f"node/{n}",
            name=f"Café {n}",
            kind="cafe",
            location=point(lat=48.13 + n / 10_000, lng=11.57),
            address=f"Teststraße {n}, München",
            timezone="Europe/Berlin",
            content_hash="bench",
        )
        for n in range(200)
    )
    events_needed = -(-total // per_event)
    events = Event.objects.bulk_create(
        Event(
            title=f"Meetup {n}",
            venue=venues[n % len(venues)],
            starts_at=now + timedelta(hours=2, seconds=(n * 600) // events_needed + 60),
            ends_at=now + timedelta(hours=4),
            capacity=max(per_event, 2),
            going_count=per_event,
            visibility=Event.Visibility.PRIVATE,
        )
        for n in range(events_needed)
    )
    joined = now - timedelta(days=1)
    made = 0
    chunk: list[Rsvp] = []
    for n, event in enumerate(events):
        for j in range(per_event):
            if made == total:
                break
            user = users[(n * per_event + j) % len(users)]
            chunk.append(Rsvp(event=event, user=user, status=Rsvp.Status.GOING, joined_at=joined))
            made += 1
        if len(chunk) >= 10_000:
            Rsvp.objects.bulk_create(chunk)
            chunk = []
    Rsvp.objects.bulk_create(chunk)
    return made


def schedule() -> dict[str, float]:
    now = timezone.now()
    after = now - timedelta(minutes=settings.REMINDERS_LATE_MINUTES)
    until = now + timedelta(minutes=settings.REMINDERS_AHEAD_MINUTES)
    started = time.perf_counter()
    found = len(reminders_due_between(after=after, until=until, now=now))
    select_seconds = time.perf_counter() - started
    connection.queries_log.clear()
    started = time.perf_counter()
    with CaptureQueriesContext(connection) as queries:
        report = reminders_schedule_due()
    return {
        "found": found,
        "select_seconds": select_seconds,
        "written": report.written,
        "seconds": time.perf_counter() - started,
        "queries": len(queries),
    }


def dispatch(batch_size: int) -> dict[str, list[float]]:
    stats: dict[str, list[float]] = {"seconds": [], "queries": [], "sent": [], "scan": []}
    stats["scan_queries"] = []
    while True:
        connection.queries_log.clear()
        started = time.perf_counter()
        with CaptureQueriesContext(connection) as scan_queries:
            report = deliveries_dispatch_due(batch_size=batch_size)
        stats["scan"].append(time.perf_counter() - started)
        stats["scan_queries"].append(len(scan_queries))
        if not report.count:
            return stats
        for batch in report.batches:
            connection.queries_log.clear()
            started = time.perf_counter()
            with CaptureQueriesContext(connection) as queries:
                result = deliveries_send(delivery_ids=batch)
            stats["seconds"].append(time.perf_counter() - started)
            stats["queries"].append(len(queries))
            stats["sent"].append(result.sent + result.skipped)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--reminders", type=int, default=100_000)
    parser.add_argument("--per-event", type=int, default=25)
    parser.add_argument("--people", type=int, default=20_000)
    parser.add_argument("--batch", type=int, default=settings.NOTIFICATIONS_BATCH_SIZE)
    args = parser.parse_args()

    logging.getLogger("apps.notifications").setLevel(logging.WARNING)
    settings.NOTIFICATIONS_PUSH_SENDER = "apps.notifications.channels.push.LoggingPushSender"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.DEBUG = False

    database = connection.settings_dict["NAME"]
    connection.settings_dict.setdefault("TEST", {})["NAME"] = f"bench_reminders_{database}"
    bench_db = connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
    try:
        started = time.perf_counter()
        users = create_people(args.people)
        made = create_meetups(users, args.reminders, args.per_event)
        print(
            f"set-up: {args.people} people, {made} seats going to "
            f"{Event.objects.count()} meetups in 2 h, in {time.perf_counter() - started:.1f} s "
            f"(database {bench_db})"
        )
        from django.core import mail

        mail.outbox = []
        scheduled = schedule()
        deliveries = Delivery.objects.count()
        with time_machine.travel(timezone.now() + timedelta(minutes=12), tick=True):
            sent = dispatch(args.batch)
            again = schedule()
        statuses = Counter(Delivery.objects.values_list("status", flat=True))
        print_table(args, scheduled, deliveries, sent, again, statuses)
    finally:
        connection.creation.destroy_test_db(database, verbosity=0)


def print_table(
    args: argparse.Namespace,
    scheduled: dict[str, float],
    deliveries: int,
    sent: dict[str, list[float]],
    again: dict[str, float],
    statuses: Counter[str],
) -> None:
    messages = Message.objects.count()
    chunks = -(-scheduled["written"] // 1000)
    send_seconds = sum(sent["seconds"]) + sum(sent["scan"])
    header = f"{'phase':<34}{'items':>9}{'seconds':>9}{'per s':>9}{'SQL':>8}{'SQL/batch':>13}"
    print(f"\nReminders: {args.reminders} due, batch size {args.batch}, one process")
    print("(SQL/batch: per 1000 reminders written when scheduling, per batch when sending)")
    print(header)
    print("-" * len(header))
    print(
        f"{'schedule: find due (1 statement)':<34}{scheduled['found']:>9.0f}"
        f"{scheduled['select_seconds']:>9.2f}"
        f"{scheduled['found'] / scheduled['select_seconds']:>9.0f}{1:>8}{'':>13}"
    )
    print(
        f"{'schedule: find + write messages':<34}{scheduled['written']:>9.0f}"
        f"{scheduled['seconds']:>9.1f}{scheduled['written'] / scheduled['seconds']:>9.0f}"
        f"{scheduled['queries']:>8}{scheduled['queries'] / chunks:>13.1f}"
    )
    print(f"{'  (deliveries written)':<34}{deliveries:>9}")
    batches = len(sent["queries"])
    most = f"max {max(sent['queries']):.0f}"
    batch_count = f"{batches} batches"
    print(
        f"{'dispatch: send (per message)':<34}{messages:>9}{send_seconds:>9.1f}"
        f"{messages / send_seconds:>9.0f}{sum(sent['queries']):>8}"
        f"{statistics.mean(sent['queries']):>13.1f}"
    )
    print(
        f"{'dispatch: send (per delivery)':<34}{sum(sent['sent']):>9.0f}{send_seconds:>9.1f}"
        f"{sum(sent['sent']) / send_seconds:>9.0f}{'':>8}"
        f"{most:>13}"
    )
    print(
        f"{'dispatch: scans':<34}{len(sent['scan']):>9}{sum(sent['scan']):>9.1f}{'':>9}"
        f"{sum(sent['scan_queries']):>8}{batch_count:>13}"
    )
    print(
        f"{'schedule again (double tick)':<34}{again['written']:>9.0f}{again['seconds']:>9.1f}"
        f"{'':>9}{again['queries']:>8}"
    )
    print("-" * len(header))
    total = scheduled["seconds"] + send_seconds
    print(
        f"end to end: {messages} reminders in {total:.1f} s = {messages / total:.0f} reminders/s; "
        f"deliveries by status {dict(statuses)}; in-app rows {Notification.objects.count()}"
    )


if __name__ == "__main__":
    main()
