"""Privacy by construction: signed in as one person, walk every GET operation of the OpenAPI
schema and every web page, and fail if any response carries another person's email, home
coordinates, birth year or distance — or shows another person in any shape but the public one.

The walk is driven by the schema and the URL resolver, so a new endpoint or page is walked
automatically; one whose path parameters this file does not know how to fill fails the test
until it is taught (PATH_VALUES / PAGE_ARGS), rather than being skipped silently.
"""

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from pytest_django import Settings
from rest_framework.test import APIClient

from apps.accounts.models import Interest, User
from apps.core.geo import point
from apps.events import services as event_services
from apps.events.models import Event
from apps.notifications.services import notify
from apps.safety import services as safety_services
from tests.factories.accounts import ProfileFactory
from tests.factories.events import EventFactory, going, next_evening
from tests.factories.matching import suggestion as matching_suggestion
from tests.factories.venues import VenueFactory

pytestmark = pytest.mark.django_db

# A person's own view may show their own private data; these keys may appear on other people
# only in the public shape below.
PUBLIC_PERSON_KEYS = {"id", "display_name", "shared_interests", "bio"}
# Extra keys some listings add about a person, none of them private.
PERSON_CONTEXT_KEYS = {"blocked_at", "met_at", "contact", "rsvp", "status", "response", "role"}
# The one place contact details appear (contract: "the only place contact details are shown").
CONTACT_ENDPOINTS = {"/api/v1/connections"}
PRIVATE_KEYS = {"email", "birth_year", "home", "lat", "lng", "location", "distance_km", "age"}


@dataclass
class World:
    viewer: User
    others: list[User]
    public_event: Event
    private_meetup: Event
    venue_id: int
    suggestion_id: int = 0

    def forbidden_numbers(self) -> list[float]:
        return [n for person in self.others for n in (person.profile.home.y, person.profile.home.x)]

    def forbidden_strings(self) -> list[str]:
        strings = []
        for person in self.others:
            strings.append(person.email)
            lat, lng = person.profile.home.y, person.profile.home.x
            strings += [f"{lat:.4f}", f"{lng:.4f}"]
        return strings


def _person(name: str, email: str, lat: float, lng: float, birth_year: int) -> User:
    profile = ProfileFactory(
        display_name=name,
        user__email=email,
        home=point(lat=lat, lng=lng),
        birth_year=birth_year,
        contact=f"{name.lower()}-on-signal",
        interests=["chess", "jazz", "board-games"],
    )
    return profile.user


@pytest.fixture
def world(settings: Settings) -> World:
    settings.RATE_LIMITS_ENABLED = False
    viewer = _person("Viewer", "viewer.private@example.com", 48.1111, 11.5111, 1990)
    bob = _person("Bob", "bob.private@example.com", 48.1234567, 11.5678901, 1937)
    carol = _person("Carol", "carol.private@example.com", 48.1456789, 11.5987654, 1941)
    dave = _person("Dave", "dave.private@example.com", 48.1567891, 11.5345678, 1944)
    safety_services.block_create(blocker=viewer, blocked_id=dave.pk)
    venue = VenueFactory(lat=48.1400, lng=11.5800)
    public_event = EventFactory(organizer=bob, venue=venue, interests=["chess"], attendees=0)
    for person in (viewer, carol):
        going(public_event, person)
    starts = next_evening(3, 17)
    private_meetup = event_services.event_create_for_group(
        venue=venue,
        starts_at=starts,
        ends_at=starts + timedelta(hours=2),
        members=[viewer, bob, carol],
        title="Board games at the café",
        interests=list(Interest.objects.filter(slug="board-games")),
    )
    # A past meetup where the viewer and Bob both said "meet again": Bob's contact may show on
    # /connections (and only there).
    met_start = next_evening(-3, 17)
    met = EventFactory(
        organizer=bob, venue=venue, starts_at=met_start, ends_at=met_start + timedelta(hours=2)
    )
    going(met, viewer)
    event_services.feedback_submit(event=met, user=viewer, attended=True, meet_again=[bob.pk])
    event_services.feedback_submit(event=met, user=bob, attended=True, meet_again=[viewer.pk])
    # A matching proposal for the viewer, Bob and Carol (members shown to each other).
    proposal = matching_suggestion([viewer, bob, carol], venue=venue)
    notify(
        user=viewer,
        kind="event_changed",
        context={"event_title": public_event.title, "event_id": public_event.pk},
        idempotency_key="privacy-walk-notification",
    )
    return World(
        viewer=viewer,
        others=[bob, carol, dave],
        public_event=public_event,
        private_meetup=private_meetup,
        venue_id=venue.pk,
        suggestion_id=proposal.pk,
    )


# --- JSON checks ----------------------------------------------------------------------------
def _walk_json(value: Any, path: str = "$") -> Iterator[tuple[str, dict[str, Any]]]:
    if isinstance(value, dict):
        yield path, value
        for key, child in value.items():
            yield from _walk_json(child, f"{path}.{key}")
    elif isinstance(value, list):
        for index, child in enumerate(value):
            yield from _walk_json(child, f"{path}[{index}]")


def _numbers(value: Any) -> Iterator[float]:
    if isinstance(value, bool):
        return
    if isinstance(value, int | float):
        yield float(value)
    elif isinstance(value, dict):
        for child in value.values():
            yield from _numbers(child)
    elif isinstance(value, list):
        for child in value:
            yield from _numbers(child)


def privacy_problems(body: Any, *, world: World, endpoint: str) -> list[str]:
    problems = []
    other_ids = {person.pk for person in world.others}
    text = json.dumps(body, ensure_ascii=False)
    for secret in world.forbidden_strings():
        if secret in text:
            problems.append(f"{endpoint}: contains {secret!r}")
    for number in _numbers(body):
        if any(abs(number - secret) < 5e-5 for secret in world.forbidden_numbers()):
            problems.append(f"{endpoint}: contains another person's coordinate {number}")
    for path, obj in _walk_json(body):
        is_person = "display_name" in obj
        if not is_person:
            continue
        is_other = obj.get("id") in other_ids
        if not is_other:
            continue
        allowed = PUBLIC_PERSON_KEYS | PERSON_CONTEXT_KEYS
        extra = set(obj) - allowed
        if extra:
            problems.append(f"{endpoint} {path}: another person shows {sorted(extra)}")
        if "contact" in obj and endpoint not in CONTACT_ENDPOINTS:
            problems.append(f"{endpoint} {path}: contact details outside /connections")
        leaked = PRIVATE_KEYS & set(obj)
        if leaked:
            problems.append(f"{endpoint} {path}: another person's {sorted(leaked)}")
    return problems


# --- The API walk ---------------------------------------------------------------------------
def schema_get_operations(client: APIClient) -> list[str]:
    schema = client.get("/api/v1/schema", {"format": "json"}).json()
    return sorted(path for path, ops in schema["paths"].items() if "get" in ops)


def path_values(world: World) -> dict[str, list[Any]]:
    """How to fill each path parameter: every value is walked."""
    return {
        "event_id": [world.public_event.pk, world.private_meetup.pk],
        "venue_id": [world.venue_id],
    }


def expand(path: str, values: dict[str, list[Any]]) -> list[str]:
    names = re.findall(r"{(\w+)}", path)
    unknown = [name for name in names if name not in values]
    assert not unknown, f"Teach the privacy walk how to fill {unknown} in {path}"
    urls = [path]
    for name in names:
        urls = [url.replace("{" + name + "}", str(value)) for url in urls for value in values[name]]
    return urls


def contact_problems(text: str, world: World, where: str) -> list[str]:
    """Contact details (`profile.contact`) anywhere but on the connections endpoint and page."""
    contacts = [person.profile.contact for person in world.others if person.profile.contact]
    return [f"{where}: shows the contact {contact!r}" for contact in contacts if contact in text]


def people_shown(body: Any, *, world: World) -> int:
    other_ids = {person.pk for person in world.others}
    return sum(
        1 for _, obj in _walk_json(body) if "display_name" in obj and obj.get("id") in other_ids
    )


def test_no_api_response_leaks_another_persons_private_data(world: World, auth_client) -> None:
    client = auth_client(world.viewer)
    operations = schema_get_operations(client)
    walked: list[str] = []
    problems: list[str] = []
    seen = 0

    for operation in operations:
        for url in expand(operation, path_values(world)):
            response = client.get(url, {"lat": 48.14, "lng": 11.58, "radius_km": 10})
            walked.append(url)
            assert response.status_code < 500, (url, response.status_code)
            if operation not in CONTACT_ENDPOINTS:
                problems += contact_problems(response.content.decode(), world, operation)
            if response.get("Content-Type", "").startswith(
                ("application/json", "application/geo+json")
            ):
                problems += privacy_problems(response.json(), world=world, endpoint=operation)
                seen += people_shown(response.json(), world=world)
            else:
                body = response.content.decode(errors="replace")
                problems += [
                    f"{operation}: contains {secret!r}"
                    for secret in world.forbidden_strings()
                    if secret in body
                ]

    assert len(walked) >= len(operations)
    assert seen >= 4  # the walk did meet other people (attendees of both events, at least)
    assert {
        "/api/v1/events/{event_id}/attendees",
        "/api/v1/me/export",
        "/api/v1/suggestions",
    } <= set(operations)
    assert "bob-on-signal" in client.get("/api/v1/connections").content.decode()
    assert problems == []


def test_the_walk_catches_a_leak() -> None:
    """The checker itself must fail on what it is meant to catch."""

    class Someone:
        pk = 7
        email = "x@example.com"

        class profile:
            class home:
                y, x = 48.5, 11.5

    fake = World(
        viewer=None, others=[Someone()], public_event=None, private_meetup=None, venue_id=0
    )  # type: ignore[arg-type, list-item]

    leaks = [
        {"attendees": [{"id": 7, "display_name": "S", "shared_interests": [], "email": "hidden"}]},
        {"members": [{"id": 7, "display_name": "S", "distance_km": 1.2}]},
        {"note": "write to x@example.com"},
        {"where": {"lat": 48.5, "lng": 11.5}},
    ]

    for body in leaks:
        assert privacy_problems(body, world=fake, endpoint="/api/v1/x"), body


# --- The web walk ---------------------------------------------------------------------------
# Pages behind these prefixes are not people-facing pages (admin is staff-only; allauth's
# pages are about the viewer's own account; the API is walked above).
NOT_PAGES = ("admin/", "api/", "accounts/", "healthz", "calendar/")


def page_args(world: World) -> dict[str, list[Any]]:
    return {
        "event_id": [world.public_event.pk, world.private_meetup.pk],
        "venue_id": [world.venue_id],
        "suggestion_id": [world.suggestion_id],
    }


def _patterns(resolver: URLResolver, prefix: str = "") -> Iterator[tuple[str, URLPattern]]:
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            yield from _patterns(entry, prefix + str(entry.pattern))
        else:
            yield prefix + str(entry.pattern), entry


def page_urls(world: World) -> list[str]:
    urls = []
    values = page_args(world)
    for route, _pattern in _patterns(get_resolver()):
        if route.startswith(NOT_PAGES) or "(?P" in route or route.startswith("^"):
            continue
        names = re.findall(r"<(?:\w+:)?(\w+)>", route)
        unknown = [name for name in names if name not in values]
        assert not unknown, f"Teach the privacy walk how to fill {unknown} in /{route}"
        expanded = ["/" + route]
        for name in names:
            expanded = [
                re.sub(r"<(?:\w+:)?" + name + ">", str(value), url)
                for url in expanded
                for value in values[name]
            ]
        urls += expanded
    return urls


def test_no_web_page_leaks_another_persons_private_data(world: World, client: Client) -> None:
    client.force_login(world.viewer)
    problems = []
    walked = 0

    for url in page_urls(world):
        response = client.get(url, {"q": "München"})
        if response.status_code in (301, 302, 405):
            continue
        walked += 1
        assert response.status_code < 500, (url, response.status_code)
        body = response.content.decode(errors="replace")
        problems += [f"{url}: contains {s!r}" for s in world.forbidden_strings() if s in body]
        if url != "/connections/":
            problems += contact_problems(body, world, url)
        for person in world.others:
            birth = str(person.profile.birth_year)
            if re.search(rf"(?i)(born|birth|age)[^<]{{0,40}}{birth}", body):
                problems.append(f"{url}: shows {person.profile.display_name}'s birth year")

    assert walked >= 10
    assert problems == []
