"""Benchmark: dispatch 100,000 due notification deliveries (in-app, email, push).

    .venv/bin/python tests/bench/bench_notifications.py [--deliveries 100000] [--batch 200]
                                                         [--email locmem|file]

Creates its own database (`bench_<your database>`, dropped at the end), inserts ~1/3 in-app,
~1/3 email and ~1/3 push deliveries that are all due, then runs exactly what the workers run:
the periodic scan (`deliveries_dispatch_due`) hands out batches and each batch is sent by
`deliveries_send` (the body of the `notifications.send_deliveries` task), in this process,
so the figures are per worker process. Email goes to Django's locmem (or file) backend and
push to the logging sender, so the numbers measure MatchUp's own work: claiming, rendering
templates, writing in-app rows and marking each delivery sent. Prints a table.
"""

import argparse
import logging
import os
import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "matchup.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from apps.accounts.models import Profile, User  # noqa: E402
from apps.core.geo import point  # noqa: E402
from apps.notifications.models import Channel, Delivery, Device, Kind, Message  # noqa: E402
from apps.notifications.services import deliveries_dispatch_due, deliveries_send  # noqa: E402

CONTEXT = {
    "event_title": "Board games night",
    "venue_name": "Café Kosmos",
    "address": "Dachauer Str. 7",
    "starts_at_local": "Friday 14 March, 19:00",
    "hours_before": 24,
}


def create_people(count: int) -> list[User]:
    users = User.objects.bulk_create(
        User(email=f"bench{n}@example.com", password="!") for n in range(count)
    )
    Profile.objects.bulk_create(
        Profile(
            user=user,
            display_name=f"Person {n}",
            home=point(lat=48.137, lng=11.575),
            timezone="Europe/Berlin",
        )
        for n, user in enumerate(users)
    )
    Device.objects.bulk_create(
        Device(user=user, platform=Device.Platform.ANDROID, token=f"bench-token-{user.pk}")
        for user in users
    )
    return users


def create_due_deliveries(users: list[User], total: int, batch: int) -> dict[str, int]:
    """One channel per message, in channel order and in whole batches, so that every batch
    holds a single channel (100,000 at 200 per batch: 33,400 + 33,400 + 33,200)."""
    now = timezone.now()
    batches = -(-total // batch)
    in_app = -(-batches // 3) * batch
    email = min(in_app, total - in_app)
    per_channel = {
        Channel.IN_APP: in_app,
        Channel.EMAIL: email,
        Channel.PUSH: total - in_app - email,
    }
    chunk = 5000
    serial = 0
    for channel, count in per_channel.items():
        for start in range(0, count, chunk):
            size = min(chunk, count - start)
            messages = Message.objects.bulk_create(
                Message(
                    user=users[(serial + i) % len(users)],
                    kind=Kind.REMINDER,
                    idempotency_key=f"bench-{serial + i}",
                    context=CONTEXT,
                    url="/events/1/",
                    due_at=now,
                )
                for i in range(size)
            )
            serial += size
            Delivery.objects.bulk_create(
                Delivery(message=message, channel=channel, due_at=now) for message in messages
            )
    return {str(channel): count for channel, count in per_channel.items()}


def run(batch_size: int) -> dict[str, dict[str, list[float]]]:
    stats: dict[str, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    channel_of = dict(Delivery.objects.values_list("pk", "channel"))
    while True:
        connection.queries_log.clear()  # the log is bounded: counts need room
        started = time.perf_counter()
        with CaptureQueriesContext(connection) as scan_queries:
            report = deliveries_dispatch_due(batch_size=batch_size)
        stats["scan"]["seconds"].append(time.perf_counter() - started)
        stats["scan"]["queries"].append(len(scan_queries))
        stats["scan"]["deliveries"].append(report.count)
        if not report.count:
            break
        for batch in report.batches:
            channel = channel_of[batch[0]]
            connection.queries_log.clear()
            started = time.perf_counter()
            with CaptureQueriesContext(connection) as queries:
                result = deliveries_send(delivery_ids=batch)
            stats[channel]["seconds"].append(time.perf_counter() - started)
            stats[channel]["queries"].append(len(queries))
            stats[channel]["deliveries"].append(result.sent)
    return stats


def print_table(stats: dict[str, dict[str, list[float]]], batch_size: int, email: str) -> None:
    labels = {
        "in_app": "in-app",
        "email": f"email ({email})",
        "push": "push (logging)",
    }
    header = (
        f"{'channel':<16}{'sent':>9}{'batches':>9}{'seconds':>9}{'msg/s':>9}"
        f"{'SQL/batch':>11}{'SQL/msg':>9}"
    )
    print(f"\nDispatch of due notification deliveries, batch size {batch_size}, one process")
    print(header)
    print("-" * len(header))
    total_sent = total_seconds = total_queries = total_batches = 0.0
    for key in ("in_app", "email", "push"):
        row = stats.get(key)
        if not row:
            continue
        sent = sum(row["deliveries"])
        seconds = sum(row["seconds"])
        batches = len(row["queries"])
        queries = sum(row["queries"])
        total_sent += sent
        total_seconds += seconds
        total_queries += queries
        total_batches += batches
        print(
            f"{labels[key]:<16}{sent:>9.0f}{batches:>9}{seconds:>9.1f}{sent / seconds:>9.0f}"
            f"{statistics.mean(row['queries']):>11.1f}{queries / sent:>9.2f}"
        )
    scan = stats["scan"]
    total_seconds += sum(scan["seconds"])
    print("-" * len(header))
    print(
        f"{'all (with scans)':<16}{total_sent:>9.0f}{total_batches:>9.0f}{total_seconds:>9.1f}"
        f"{total_sent / total_seconds:>9.0f}{total_queries / total_batches:>11.1f}"
        f"{(total_queries + sum(scan['queries'])) / total_sent:>9.2f}"
    )
    print(
        f"scan: {len(scan['queries'])} calls, {max(scan['queries']):.0f} SQL queries each, "
        f"{1000 * statistics.mean(scan['seconds']):.0f} ms on average"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--deliveries", type=int, default=100_000)
    parser.add_argument("--batch", type=int, default=settings.NOTIFICATIONS_BATCH_SIZE)
    parser.add_argument("--people", type=int, default=2_000)
    parser.add_argument("--email", choices=["locmem", "file"], default="locmem")
    args = parser.parse_args()

    logging.getLogger("apps.notifications").setLevel(logging.WARNING)
    settings.NOTIFICATIONS_PUSH_SENDER = "apps.notifications.channels.push.LoggingPushSender"
    if args.email == "locmem":
        settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    else:
        settings.EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
        settings.EMAIL_FILE_PATH = str(ROOT / "var" / "bench-mail")
    settings.DEBUG = False

    database = connection.settings_dict["NAME"]
    connection.settings_dict.setdefault("TEST", {})["NAME"] = f"bench_{database}"
    bench_db = connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
    try:
        started = time.perf_counter()
        users = create_people(args.people)
        counts = create_due_deliveries(users, args.deliveries, args.batch)
        print(
            f"set-up: {args.people} people, {sum(counts.values())} due deliveries {counts} "
            f"in {time.perf_counter() - started:.1f} s (database {bench_db})"
        )
        if args.email == "locmem":
            from django.core import mail

            mail.outbox = []
        stats = run(args.batch)
        print_table(stats, args.batch, args.email)
        left = Delivery.objects.exclude(status=Delivery.Status.SENT).count()
        print(f"not sent afterwards: {left}")
    finally:
        connection.creation.destroy_test_db(database, verbosity=0)


if __name__ == "__main__":
    main()
