"""Object-level permissions: one person can neither read the private data of, nor change, nor
delete another person's objects — through any write endpoint of the API or any form of the web.

Every write operation in the OpenAPI schema and every web route must be classified below; a new
one fails `test_every_write_is_classified` until someone decides which kind it is and, if it
touches objects by id, adds an intruder case.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone
from pytest_django import Settings
from rest_framework.test import APIClient

from apps.accounts.models import User
from apps.events import services as event_services
from apps.events.models import Event, Rsvp
from apps.matching.models import SuggestionMember
from apps.notifications.models import Device, Notification
from apps.notifications.services import notify
from apps.safety.models import Block
from tests.factories.events import EventFactory, going
from tests.factories.matching import cafe, munich, person, suggestion
from tests.factories.notifications import DeviceFactory

pytestmark = pytest.mark.django_db


@dataclass
class World:
    owner: User
    friend: User
    intruder: User
    public_event: Event
    private_meetup: Event
    past_meetup: Event
    suggestion_id: int
    device_token: str
    notification_id: int

    def snapshot(self) -> dict[str, object]:
        """Everything the intruder might try to change, as it stands."""
        owner_profile = User.objects.get(pk=self.owner.pk).profile
        return {
            "profile": (owner_profile.display_name, owner_profile.home, owner_profile.bio),
            "events": list(
                Event.objects.filter(
                    pk__in=[self.public_event.pk, self.private_meetup.pk, self.past_meetup.pk]
                )
                .order_by("pk")
                .values_list("title", "status", "starts_at", "going_count", "capacity")
            ),
            "rsvps": list(
                Rsvp.objects.exclude(user=self.intruder)
                .order_by("pk")
                .values_list("user_id", "event_id", "status")
            ),
            "intruder_rsvps": Rsvp.objects.filter(
                user=self.intruder, event__in=[self.private_meetup, self.past_meetup]
            ).count(),
            "answers": list(
                SuggestionMember.objects.order_by("pk").values_list("user_id", "response")
            ),
            "blocks": list(Block.objects.order_by("pk").values_list("blocker_id", "blocked_id")),
            "devices": list(Device.objects.order_by("pk").values_list("user_id", "token")),
            "unread": Notification.objects.filter(
                pk=self.notification_id, read_at__isnull=True
            ).exists(),
            "feedback": self.past_meetup.feedback.count(),
        }


@pytest.fixture
def world(settings: Settings) -> World:
    settings.RATE_LIMITS_ENABLED = False
    owner = person(display_name="Owner")
    friend = person(display_name="Friend")
    intruder = person(display_name="Intruder")
    public_event = EventFactory(organizer=owner, attendees=0)
    going(public_event, friend)
    region = munich()
    venue = cafe(region)
    starts = timezone.now().replace(minute=0, second=0, microsecond=0) + timedelta(days=3)
    private_meetup = event_services.event_create_for_group(
        venue=venue,
        starts_at=starts,
        ends_at=starts + timedelta(hours=2),
        members=[owner, friend],
        title="Board games",
    )
    past_meetup = EventFactory(
        organizer=None,
        venue=venue,
        visibility=Event.Visibility.PRIVATE,
        starts_at=timezone.now() - timedelta(hours=5),
        ends_at=timezone.now() - timedelta(hours=3),
        attendees=0,
    )
    going(past_meetup, owner)
    going(past_meetup, friend)
    Block.objects.create(blocker=owner, blocked=friend)
    device = DeviceFactory(user=owner, token="owner-device-token-123")
    message = notify(
        user=owner,
        kind="event_changed",
        context={"event_title": public_event.title, "event_id": public_event.pk},
        idempotency_key="permissions-owner-notification",
    )
    notification = Notification.objects.create(
        user=owner, message=message, kind="event_changed", title="Changed"
    )
    proposal = suggestion([owner, friend], venue=venue)
    return World(
        owner=owner,
        friend=friend,
        intruder=intruder,
        public_event=public_event,
        private_meetup=private_meetup,
        past_meetup=past_meetup,
        suggestion_id=proposal.pk,
        device_token=device.token,
        notification_id=notification.pk,
    )


# --- The API --------------------------------------------------------------------------------
# Writes that act only on the caller's own account or create the caller's own objects: there
# is no other person's object to reach (tests of each live with its app).
API_SELF_OR_PUBLIC = {
    ("POST", "/api/v1/auth/logout"): "revokes the token it is given",
    ("POST", "/api/v1/auth/password-reset"): "mails whoever owns the address",
    ("POST", "/api/v1/auth/register"): "creates an account",
    ("POST", "/api/v1/auth/token"): "needs the password",
    ("POST", "/api/v1/auth/token/refresh"): "needs the refresh token",
    ("POST", "/api/v1/auth/verify-email"): "needs the emailed key",
    ("POST", "/api/v1/blocks"): "creates the caller's block",
    ("POST", "/api/v1/devices"): "registers the caller's device",
    ("POST", "/api/v1/events"): "creates the caller's event",
    ("POST", "/api/v1/reports"): "files the caller's report",
}

ApiCase = Callable[[APIClient, World], object]

API_INTRUSIONS: dict[tuple[str, str], list[tuple[ApiCase, set[int]]]] = {
    ("DELETE", "/api/v1/blocks/{user_id}"): [
        (lambda c, w: c.delete(f"/api/v1/blocks/{w.friend.pk}"), {404}),
    ],
    ("DELETE", "/api/v1/devices/{token}"): [
        (lambda c, w: c.delete(f"/api/v1/devices/{w.device_token}"), {404}),
    ],
    ("PATCH", "/api/v1/events/{event_id}"): [
        (
            lambda c, w: c.patch(
                f"/api/v1/events/{w.public_event.pk}", {"title": "Mine now"}, format="json"
            ),
            {403},
        ),
        (
            lambda c, w: c.patch(
                f"/api/v1/events/{w.private_meetup.pk}", {"title": "Mine now"}, format="json"
            ),
            {404},
        ),
    ],
    ("DELETE", "/api/v1/events/{event_id}"): [
        (lambda c, w: c.delete(f"/api/v1/events/{w.public_event.pk}"), {403}),
        (lambda c, w: c.delete(f"/api/v1/events/{w.private_meetup.pk}"), {404}),
    ],
    ("POST", "/api/v1/events/{event_id}/rsvp"): [
        (lambda c, w: c.post(f"/api/v1/events/{w.private_meetup.pk}/rsvp"), {404}),
    ],
    ("DELETE", "/api/v1/events/{event_id}/rsvp"): [
        (lambda c, w: c.delete(f"/api/v1/events/{w.public_event.pk}/rsvp"), {204, 404}),
        (lambda c, w: c.delete(f"/api/v1/events/{w.private_meetup.pk}/rsvp"), {404}),
    ],
    ("POST", "/api/v1/meetups/{event_id}/feedback"): [
        (
            lambda c, w: c.post(
                f"/api/v1/meetups/{w.past_meetup.pk}/feedback",
                {"attended": True, "venue_rating": 1, "meet_again": [], "no_show": [w.owner.pk]},
                format="json",
            ),
            {404},
        ),
    ],
    ("POST", "/api/v1/notifications/read"): [
        (
            lambda c, w: c.post(
                "/api/v1/notifications/read", {"ids": [w.notification_id]}, format="json"
            ),
            {204},
        ),
    ],
    ("POST", "/api/v1/suggestions/{suggestion_id}/accept"): [
        (lambda c, w: c.post(f"/api/v1/suggestions/{w.suggestion_id}/accept"), {404}),
    ],
    ("POST", "/api/v1/suggestions/{suggestion_id}/decline"): [
        (
            lambda c, w: c.post(
                f"/api/v1/suggestions/{w.suggestion_id}/decline", {}, format="json"
            ),
            {404},
        ),
    ],
    # The caller's own profile: no id to aim at someone else; an id in the body is ignored.
    ("PATCH", "/api/v1/me"): [
        (
            lambda c, w: c.patch(
                "/api/v1/me", {"id": w.owner.pk, "bio": "Mine now"}, format="json"
            ),
            {200},
        ),
    ],
    ("PUT", "/api/v1/me/location"): [
        (
            lambda c, w: c.put("/api/v1/me/location", {"lat": 48.2, "lng": 11.6}, format="json"),
            {200},
        ),
    ],
    ("DELETE", "/api/v1/me"): [
        (lambda c, w: c.delete("/api/v1/me", {"password": "not-the-owners"}, format="json"), {400}),
    ],
}


def schema_writes(client: APIClient) -> set[tuple[str, str]]:
    paths = client.get("/api/v1/schema", {"format": "json"}).json()["paths"]
    return {
        (method.upper(), path)
        for path, operations in paths.items()
        for method in operations
        if method in {"post", "put", "patch", "delete"}
    }


def test_every_write_is_classified(api_client: APIClient) -> None:
    writes = schema_writes(api_client)
    classified = set(API_SELF_OR_PUBLIC) | set(API_INTRUSIONS)

    assert writes - classified == set(), "classify these writes in this file"
    assert classified - writes == set(), "these classified writes no longer exist"


@pytest.mark.parametrize("operation", sorted(API_INTRUSIONS), ids=" ".join)
def test_an_intruder_cannot_touch_anothers_objects_through_the_api(
    operation: tuple[str, str], world: World, auth_client
) -> None:
    before = world.snapshot()
    client = auth_client(world.intruder)

    for attempt, allowed in API_INTRUSIONS[operation]:
        response = attempt(client, world)
        assert response.status_code in allowed, (operation, response.status_code, response.content)

    assert world.snapshot() == before


def test_the_snapshot_sees_a_change(world: World) -> None:
    """The check above would notice if an intrusion worked."""
    before = world.snapshot()

    Event.objects.filter(pk=world.public_event.pk).update(title="Changed")

    assert world.snapshot() != before


# --- The web --------------------------------------------------------------------------------
def _routes(resolver: URLResolver, prefix: str = "", namespace: str = "") -> list[tuple[str, str]]:
    found = []
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            found += _routes(entry, prefix + str(entry.pattern), entry.namespace or namespace)
        elif isinstance(entry, URLPattern) and entry.name:
            found.append((f"{namespace}:{entry.name}", prefix + str(entry.pattern)))
    return found


WEB_NOT_PEOPLES_OBJECTS = ("admin/", "api/", "accounts/")  # staff, the API (above), allauth
WEB_READ_OR_SELF = {
    ":healthz",
    "web:landing",
    "web:home",
    "web:venue-detail",
    "accounts:onboarding",
    "accounts:profile",
    "accounts:profile-edit",
    "accounts:export",
    "accounts:delete",
    "safety:blocked",
    "safety:block",
    "safety:report",
    "notifications:list",
    "events:list",
    "events:create",
    "events:mine",
    "events:calendar-reset",
    "events:detail",
    "events:ics",
    "events:connections",
    "events:calendar-feed",
    "matching:inbox",
}
WebCase = Callable[[Client, World], object]
WEB_INTRUSIONS: dict[str, list[tuple[WebCase, set[int]]]] = {
    "events:edit": [
        (
            lambda c, w: c.post(f"/events/{w.public_event.pk}/edit/", {"title": "Mine now"}),
            {403, 404},
        ),
        (lambda c, w: c.post(f"/events/{w.private_meetup.pk}/edit/", {"title": "Mine now"}), {404}),
    ],
    "events:cancel": [
        (lambda c, w: c.post(f"/events/{w.public_event.pk}/cancel/", {"reason": "x"}), {403, 404}),
        (lambda c, w: c.post(f"/events/{w.private_meetup.pk}/cancel/", {"reason": "x"}), {404}),
    ],
    "events:rsvp": [
        (lambda c, w: c.post(f"/events/{w.private_meetup.pk}/rsvp/"), {404}),
    ],
    "events:rsvp-cancel": [
        (lambda c, w: c.post(f"/events/{w.private_meetup.pk}/rsvp/cancel/"), {404}),
        (lambda c, w: c.post(f"/events/{w.public_event.pk}/rsvp/cancel/"), {302, 404}),
    ],
    "events:feedback": [
        (lambda c, w: c.get(f"/events/{w.past_meetup.pk}/feedback/"), {404}),
        (
            lambda c, w: c.post(
                f"/events/{w.past_meetup.pk}/feedback/",
                {"attended": "true", "venue_rating": "1", "no_show": [w.owner.pk]},
            ),
            {404},
        ),
    ],
    "matching:accept": [
        (lambda c, w: c.post(f"/suggestions/{w.suggestion_id}/accept/"), {404}),
    ],
    "matching:decline": [
        (lambda c, w: c.post(f"/suggestions/{w.suggestion_id}/decline/"), {404}),
    ],
    "notifications:read": [
        (lambda c, w: c.post("/notifications/read/", {"id": w.notification_id}), {302}),
    ],
    "safety:unblock": [
        (lambda c, w: c.post("/safety/unblock/", {"user_id": w.friend.pk}), {302}),
    ],
}


def test_every_web_route_is_classified() -> None:
    routes = {
        name
        for name, route in _routes(get_resolver())
        if not route.startswith(WEB_NOT_PEOPLES_OBJECTS)
    }
    classified = WEB_READ_OR_SELF | set(WEB_INTRUSIONS)

    assert routes - classified == set(), "classify these pages in this file"
    assert classified - routes == set(), "these classified pages no longer exist"


@pytest.mark.parametrize("route", sorted(WEB_INTRUSIONS))
def test_an_intruder_cannot_touch_anothers_objects_through_the_web(
    route: str, world: World, client: Client
) -> None:
    before = world.snapshot()
    client.force_login(world.intruder)

    for attempt, allowed in WEB_INTRUSIONS[route]:
        response = attempt(client, world)
        assert response.status_code in allowed, (route, response.status_code)

    assert world.snapshot() == before
