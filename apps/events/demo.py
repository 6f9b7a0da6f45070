"""Demo events for `manage.py seed_demo`: a few dozen public meetups at real Munich venues over
the next two weeks, always inside the venue's opening hours, with demo people going (the demo
account goes to some, waits for one, and organises one). Made through the services, like real
use; deterministic for a given seed. Runs after the people and venues steps."""

import random
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db import transaction
from django.utils import timezone

from apps.accounts.demo import DEMO_EMAIL
from apps.accounts.models import Interest, User
from apps.core.errors import DomainError
from apps.core.geo import point
from apps.events import services
from apps.events.models import Event
from apps.venues.models import Venue
from apps.venues.selectors import venue_list_near, venue_slots_open

CENTRE = point(lat=48.1420, lng=11.5750)
# (title, description, interest slugs, venue kinds, local start hours to try, hours long, places)
IDEAS = [
    ("Book swap", "Bring a book you loved, leave with one someone else loved.",
     ["book-clubs", "literary-fiction"], ["cafe", "bookstore"], [18, 17, 11], 2, 10),
    ("Language exchange: German ⇄ English", "Half the time in German, half in English. All levels.",
     ["language-exchange", "learning-german"], ["cafe", "bar"], [19, 18], 2, 12),
    ("Board games evening", "Catan, Azul, Codenames. Beginners very welcome.",
     ["board-games", "card-games"], ["board_game_cafe", "cafe", "bar"], [19, 18], 3, 8),
    ("Chess and coffee", "Casual games, a clock if you want one.",
     ["chess", "coffee"], ["cafe", "tea_house"], [10, 15, 17], 2, 6),
    ("Poetry reading", "Read one of yours or someone else's — or just listen.",
     ["poetry", "creative-writing"], ["bookstore", "cafe"], [19, 18], 2, 15),
    ("Pub quiz team wanted", "We need four more brains for the quiz.",
     ["trivia-and-pub-quizzes"], ["bar"], [20, 19], 3, 6),
    ("Jazz listening night", "Records from the 50s and 60s, a drink, some talk.",
     ["jazz", "vinyl-collecting"], ["bar", "cafe"], [20, 19], 2, 8),
    ("Sketching together", "Bring a sketchbook; we draw the room and the people in it.",
     ["drawing-and-sketching", "urban-sketching"], ["cafe"], [10, 14, 16], 2, 8),
    ("Knitting & coffee", "Any craft is welcome. Stuck on a pattern? Someone will know.",
     ["knitting-and-crochet", "coffee"], ["cafe", "tea_house"], [15, 10, 17], 2, 8),
    ("Philosophy café: is free will real?", "A short text in advance, then we talk.",
     ["philosophy", "debating"], ["cafe", "bar", "bookstore"], [19, 18], 2, 12),
    ("Newcomers' coffee", "New in Munich? Meet others who are, and some who know the city.",
     ["newcomers-to-the-city", "coffee"], ["cafe"], [11, 17, 18], 2, 10),
    ("Craft beer tasting", "Three local breweries, small glasses, good company.",
     ["craft-beer"], ["bar"], [19, 20], 2, 8),
]  # fmt: skip
EVENT_COUNT = 36


def _slot(venue: Venue, day: datetime, hours: list[int], length: int) -> datetime | None:
    zone = ZoneInfo(venue.timezone)
    for hour in hours:
        start = datetime.combine(day.date(), time(hour, 0), tzinfo=zone)
        if start <= timezone.now() + timedelta(hours=2):
            continue
        if venue_slots_open(venue, [(start, start + timedelta(hours=length))])[0] is True:
            return start
    return None


@transaction.atomic
def seed_events(*, seed: int = 2026) -> dict[str, int]:
    rng = random.Random(seed)
    demo = User.objects.get(email=DEMO_EMAIL)
    people = list(
        User.objects.filter(email__endswith="@demo.matchup.example", is_active=True)
        .select_related("profile")
        .order_by("pk")
    )
    known = set(Interest.objects.values_list("slug", flat=True))
    venues = [v for v in venue_list_near(point=CENTRE, radius_km=4) if v.opening_hours][:400]
    by_kind: dict[str, list[Venue]] = {}
    for venue in venues:
        by_kind.setdefault(venue.kind, []).append(venue)
    today = timezone.localtime(timezone.now(), ZoneInfo("Europe/Berlin"))
    events: list[Event] = []
    attempts = 0
    while len(events) < EVENT_COUNT and attempts < EVENT_COUNT * 10:
        attempts += 1
        title, description, interests, kinds, hours, length, places = IDEAS[
            len(events) % len(IDEAS)
        ]
        choices = [venue for kind in kinds for venue in by_kind.get(kind, [])]
        if not choices:
            continue
        venue = rng.choice(choices[:60])
        day = today + timedelta(days=1 + rng.randrange(14))
        start = _slot(venue, day, hours, length)
        if start is None:
            continue
        organizer = demo if not events else rng.choice(people)
        events.append(
            services.event_create(
                organizer=organizer,
                venue=venue,
                title=title,
                description=description,
                starts_at=start,
                ends_at=start + timedelta(hours=length),
                capacity=3 if len(events) == 1 else places,
                interests=[slug for slug in interests if slug in known],
            )
        )
    rsvps = 0
    for index, event in enumerate(events):
        # Event 1 is small and full, so the demo account waits for it; a few others have seats
        # taken by demo people, some of them full with a waitlist.
        crowd = rng.sample(people, k=min(len(people), rng.randint(1, event.capacity + 2)))
        if index == 1:
            crowd = people[:4]
        if index in (1, 2, 5, 9):
            crowd.append(demo)
        for person in crowd:
            try:
                services.rsvp_join(event=event, user=person)
            except DomainError:  # blocked by the organizer, say: like real life, skip them
                continue
            rsvps += 1
    return {"events": len(events), "rsvps": rsvps}


@transaction.atomic
def seed_after_meetups() -> dict[str, int]:
    """Two matched meetups the demo account already went to: ten days ago (the demo account and
    one of the others both said "meet again": a connection with a contact to see), and
    yesterday (a feedback form still waiting for the demo account's answer)."""
    demo = User.objects.get(email=DEMO_EMAIL)
    people = list(
        User.objects.filter(email__endswith="@demo.matchup.example", is_active=True)
        .select_related("profile")
        .order_by("pk")[:4]
    )
    cafes = list(venue_list_near(point=CENTRE, radius_km=2, kinds=["cafe"])[:2])
    if len(people) < 4 or len(cafes) < 2:
        return {"past_meetups": 0, "connections": 0}
    zone = ZoneInfo("Europe/Berlin")
    today = timezone.localtime(timezone.now(), zone).date()
    meetups = []
    for days_ago, venue, members, title in (
        (10, cafes[0], [demo, people[0], people[1]], "Coffee and books"),
        (1, cafes[1], [demo, people[2], people[3]], "Board games and tea"),
    ):
        start = datetime.combine(today - timedelta(days=days_ago), time(17, 0), tzinfo=zone)
        meetups.append(
            services.event_create_for_group(
                venue=venue,
                starts_at=start,
                ends_at=start + timedelta(hours=2),
                members=members,
                title=title,
            )
        )
    first, second = meetups
    people[0].profile.contact = "Signal: +49 151 0000 0000 (demo)"
    people[0].profile.save(update_fields=["contact", "updated_at"])
    services.feedback_submit(event=first, user=people[0], attended=True, meet_again=[demo.pk])
    services.feedback_submit(event=first, user=people[1], attended=True, venue_rating=4)
    services.feedback_submit(
        event=first, user=demo, attended=True, venue_rating=5, meet_again=[people[0].pk]
    )
    services.feedback_submit(event=second, user=people[2], attended=True, meet_again=[demo.pk])
    services.events_complete_ended()
    return {"past_meetups": len(meetups), "connections": 1}
