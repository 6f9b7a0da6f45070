"""Capacity under concurrency, over real HTTP connections: 50 people press "join" at the same
moment on a 10-place event. The event row lock serialises them; the database's
`going_count <= capacity` check would refuse an overbooking even if it did not."""

import http.client
import json
import threading
from collections.abc import Iterator
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from pytest_django import Settings
from pytest_django.live_server_helper import LiveServer
from rest_framework_simplejwt.tokens import RefreshToken

from apps.accounts.models import User
from apps.events.models import Event, Rsvp
from tests.factories.accounts import ProfileFactory
from tests.factories.events import EventFactory, next_evening

pytestmark = pytest.mark.django_db(transaction=True)

PEOPLE = 50
CAPACITY = 10


@pytest.fixture
def crowd(settings: Settings) -> Iterator[list[tuple[User, str]]]:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    people = [ProfileFactory().user for _ in range(PEOPLE)]
    return [(person, str(RefreshToken.for_user(person).access_token)) for person in people]


def call(server: LiveServer, method: str, path: str, token: str) -> tuple[int, dict]:
    parts = urlsplit(server.url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
    try:
        connection.request(method, path, headers={"Authorization": f"Bearer {token}"})
        response = connection.getresponse()
        raw = response.read()
        return response.status, json.loads(raw) if raw else {}
    finally:
        connection.close()


def test_fifty_simultaneous_rsvps_never_overbook_and_the_waitlist_is_fifo(
    live_server: LiveServer, crowd: list[tuple[User, str]]
) -> None:
    start = next_evening(3, 16)
    # No organizer (as after an organizer's account is gone): all ten places are up for grabs.
    event = EventFactory(
        organizer=None, capacity=CAPACITY, starts_at=start, ends_at=start + timedelta(hours=2)
    )
    path = f"/api/v1/events/{event.pk}/rsvp"
    barrier = threading.Barrier(PEOPLE)
    answers: dict[int, tuple[int, dict]] = {}

    def join(user: User, token: str) -> None:
        barrier.wait()
        answers[user.pk] = call(live_server, "POST", path, token)

    threads = [threading.Thread(target=join, args=person) for person in crowd]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert len(answers) == PEOPLE
    assert {status for status, _ in answers.values()} == {201}
    going = [body for _, body in answers.values() if body["status"] == "going"]
    waiting = sorted(
        (body["position"], user_id)
        for user_id, (_, body) in answers.items()
        if body["status"] == "waitlisted"
    )
    assert len(going) == CAPACITY
    assert [position for position, _ in waiting] == list(range(1, PEOPLE - CAPACITY + 1))
    event.refresh_from_db()
    assert event.going_count == CAPACITY
    assert Rsvp.objects.filter(event=event, status="going").count() == CAPACITY

    # One person going drops out: the first on the waitlist gets the place and is told.
    leaver_id = next(uid for uid, (_, body) in answers.items() if body["status"] == "going")
    token = {user.pk: token for user, token in crowd}[leaver_id]
    status, _ = call(live_server, "DELETE", path, token)

    assert status == 204
    first_waiting = waiting[0][1]
    assert Rsvp.objects.get(event=event, user_id=first_waiting).status == "going"
    assert Rsvp.objects.filter(event=event, status="going").count() == CAPACITY
    assert User.objects.get(pk=first_waiting).messages.filter(kind="waitlist_promoted").exists()
    second_status, second = call(
        live_server, "POST", path, {u.pk: t for u, t in crowd}[waiting[1][1]]
    )
    assert (second_status, second["status"], second["position"]) == (201, "waitlisted", 1)
    assert Event.objects.get(pk=event.pk).going_count == CAPACITY
