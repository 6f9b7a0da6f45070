"""Demo people for `manage.py seed_demo`: made-up Munich residents with realistic profiles.

Homes cluster around real neighbourhoods, interests follow a Zipf-like popularity, and most
people are free on weekday evenings and weekend afternoons. Deterministic for a given seed.
"""

import random
from typing import Any

from allauth.account.models import EmailAddress
from django.db import transaction
from django.utils import timezone

from apps.accounts.models import Interest, Profile, User
from apps.core.geo import point, timezone_at
from apps.core.kinds import VenueKind

DEMO_EMAIL = "demo@matchup.example"
ADMIN_EMAIL = "admin@matchup.example"
DEMO_PASSWORD = "meet-people-2026"  # noqa: S105 - published demo credentials, dev data only

# (name, lat, lng, weight): Munich neighbourhood centres; weight ≈ how many people live there.
NEIGHBOURHOODS = [
    ("Altstadt-Lehel", 48.1372, 11.5787, 1),
    ("Maxvorstadt", 48.1505, 11.5680, 3),
    ("Schwabing", 48.1625, 11.5850, 3),
    ("Haidhausen", 48.1305, 11.5995, 3),
    ("Au", 48.1255, 11.5850, 2),
    ("Sendling", 48.1180, 11.5400, 2),
    ("Neuhausen", 48.1550, 11.5350, 2),
    ("Westend", 48.1350, 11.5350, 2),
    ("Giesing", 48.1100, 11.5850, 2),
    ("Bogenhausen", 48.1520, 11.6160, 1),
    ("Milbertshofen", 48.1850, 11.5700, 1),
    ("Laim", 48.1370, 11.5030, 1),
    ("Pasing", 48.1415, 11.4560, 1),
    ("Berg am Laim", 48.1250, 11.6300, 1),
]
FIRST_NAMES = (
    "Anna Ben Clara David Emma Felix Greta Hannah Ilyas Jonas Klara Leon Lea Mia Noah Omar "
    "Paula Quentin Rosa Sami Sofia Theo Uma Valentin Wiebke Xaver Yara Zeynep Luca Marie Elif "
    "Jan Ida Moritz Nora Oskar Pia Rafael Selin Tobias Vera Aylin Bruno Carla Deniz Erik "
    "Frieda Georg Helena Isabel Jakob Katharina Lukas Magdalena Niklas Olivia Philipp Ronja "
    "Simon Tamara Ugo"
).split()
LANGUAGE_MIX = [
    (["de", "en"], 45),
    (["de"], 25),
    (["en"], 12),
    (["de", "en", "fr"], 6),
    (["de", "en", "es"], 6),
    (["de", "tr"], 3),
    (["en", "it"], 3),
]


def _weighted(rng: random.Random, pairs: list[tuple[Any, int]]) -> Any:
    return rng.choices([p[0] for p in pairs], weights=[p[1] for p in pairs])[0]


def _home(rng: random.Random) -> tuple[str, float, float]:
    name, lat, lng, _ = rng.choices(NEIGHBOURHOODS, weights=[n[3] for n in NEIGHBOURHOODS])[0]
    # About 700 m of spread around the centre (1° lat ≈ 111 km, 1° lng ≈ 74 km here).
    return name, lat + rng.gauss(0, 0.0065), lng + rng.gauss(0, 0.0095)


def _interests(rng: random.Random, ranked: list[Interest]) -> list[Interest]:
    weights = [1 / (rank + 1) ** 0.9 for rank in range(len(ranked))]
    chosen: set[Interest] = set()
    target = rng.randint(4, 10)
    while len(chosen) < target:
        chosen.add(rng.choices(ranked, weights=weights)[0])
    return sorted(chosen, key=lambda i: i.slug)


def _availability(rng: random.Random) -> list[dict[str, Any]]:
    slots = []
    for weekday in range(5):
        if rng.random() < 0.6:
            slots.append(
                {
                    "weekday": weekday,
                    "start": "18:00",
                    "end": rng.choice(["21:00", "22:00", "23:00"]),
                }
            )
    for weekday in (5, 6):
        if rng.random() < 0.7:
            slots.append(
                {
                    "weekday": weekday,
                    "start": rng.choice(["10:00", "13:00", "14:00"]),
                    "end": "19:00",
                }
            )
    if not slots:
        slots.append({"weekday": 3, "start": "18:00", "end": "22:00"})
    return slots


def _make_person(
    *,
    email: str,
    display_name: str,
    password: str | None,
    rng: random.Random,
    ranked: list[Interest],
    home: tuple[str, float, float],
) -> User:
    user = User.objects.create_user(email=email, password=password)
    EmailAddress.objects.create(user=user, email=email, primary=True, verified=True)
    area, lat, lng = home
    kinds = rng.sample([VenueKind.CAFE, VenueKind.BAR, VenueKind.BOOKSTORE], k=rng.randint(1, 3))
    profile = Profile.objects.create(
        user=user,
        display_name=display_name,
        bio="",
        birth_year=rng.randint(1962, 2004),
        home=point(lat=lat, lng=lng),
        area_label=f"{area}, Munich, Bavaria, DE",
        timezone=timezone_at(lat=lat, lng=lng),
        max_travel_km=rng.choice([2.0, 3.0, 4.0, 5.0, 5.0, 8.0, 10.0]),
        venue_kinds=[k.value for k in kinds],
        group_size=_weighted(rng, [("any", 5), ("pair", 3), ("group", 3)]),
        availability=_availability(rng),
        languages=_weighted(rng, LANGUAGE_MIX),
        open_to_meet=rng.random() < 0.92,
        onboarded_at=timezone.now(),
    )
    profile.interests.set(_interests(rng, ranked))
    return user


@transaction.atomic
def seed_people(*, count: int = 300, seed: int = 2026) -> dict[str, int]:
    rng = random.Random(seed)
    ranked = list(Interest.objects.order_by("slug"))
    rng.shuffle(ranked)
    demo = _make_person(
        email=DEMO_EMAIL,
        display_name="Dana (demo)",
        password=DEMO_PASSWORD,
        rng=rng,
        ranked=ranked,
        home=("Maxvorstadt", 48.1505, 11.5680),
    )
    demo.profile.group_size = Profile.GroupSize.ANY
    demo.profile.open_to_meet = True
    demo.profile.bio = "The demo account. Likes board games, jazz and a good flat white."
    demo.profile.save()
    User.objects.create_superuser(email=ADMIN_EMAIL, password=DEMO_PASSWORD)
    for index in range(count):
        name = rng.choice(FIRST_NAMES)
        _make_person(
            email=f"person{index:04d}@demo.matchup.example",
            display_name=name,
            password=None,
            rng=rng,
            ranked=ranked,
            home=_home(rng),
        )
    return {"people": count + 1}
