"""Connections: people who both said "meet again" see each other's contact, there and nowhere
else; blocks hide them both ways; and the matching engine may put them together again."""

import threading
from collections.abc import Callable
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import connection as db_connection
from django.test import Client as WebClient
from django.utils import timezone
from rest_framework.test import APIClient

from apps.accounts.models import User
from apps.events import services
from apps.events.models import Connection, Event
from apps.events.selectors import pairs_met_recently
from apps.events.services import events_complete_ended
from apps.notifications.models import Kind
from apps.safety.services import block_create, user_suspend
from tests.events.followup import beat_tick
from tests.factories.accounts import ProfileFactory
from tests.factories.events import EventFactory, going

Client = Callable[[User], APIClient]

BERLIN = ZoneInfo("Europe/Berlin")
BOB_CONTACT = "bob on Signal: +49 151 0000 0000"


def meetup_of(*people: User, title: str = "Chess and coffee", days_ago: float = 1) -> Event:
    start = timezone.now() - timedelta(days=days_ago)
    event = EventFactory(
        organizer=people[0], title=title, starts_at=start, ends_at=start + timedelta(hours=2)
    )
    for person in people[1:]:
        going(event, person)
    return event


def connect(event: Event, a: User, b: User) -> None:
    services.feedback_submit(event=event, user=a, attended=True, meet_again=[b.pk])
    services.feedback_submit(event=event, user=b, attended=True, meet_again=[a.pk])


@pytest.fixture
def bob_shares_signal(bob: User) -> User:
    bob.profile.contact = BOB_CONTACT
    bob.profile.save()
    return bob


# --- The connections list -------------------------------------------------------------------------
@pytest.mark.django_db
def test_each_sees_the_other_with_contact_and_where_they_met(
    auth_client: Client, alice: User, bob_shares_signal: User, carol: User
) -> None:
    bob = bob_shares_signal
    event = meetup_of(alice, bob, carol)
    connect(event, alice, bob)

    alice_view = auth_client(alice).get("/api/v1/connections").json()
    bob_view = auth_client(bob).get("/api/v1/connections").json()
    carol_view = auth_client(carol).get("/api/v1/connections").json()

    assert alice_view["count"] == 1
    assert alice_view["results"] == [
        {
            "id": bob.pk,
            "display_name": "Bob",
            "met_at": {
                "event_id": event.pk,
                "venue": event.venue.name,
                "date": event.starts_at.astimezone(BERLIN).date().isoformat(),
            },
            "contact": BOB_CONTACT,
        }
    ]
    # Alice left her contact empty: her email is what she shares.
    assert bob_view["results"][0]["contact"] == "alice@example.com"
    assert carol_view["results"] == []


@pytest.mark.django_db
def test_the_list_is_paginated_newest_first(auth_client: Client, alice: User) -> None:
    others = [ProfileFactory(display_name=f"Person {n}").user for n in range(3)]
    for n, other in enumerate(others):
        connect(meetup_of(alice, other, days_ago=10 - n), alice, other)

    page = auth_client(alice).get("/api/v1/connections?page_size=2").json()

    assert page["count"] == 3
    assert [p["display_name"] for p in page["results"]] == ["Person 2", "Person 1"]
    assert page["next"] is not None


@pytest.mark.django_db
def test_anonymous_callers_see_no_connections(api_client: APIClient) -> None:
    assert api_client.get("/api/v1/connections").status_code == 401


@pytest.mark.django_db
@pytest.mark.parametrize("who_blocks", ["alice", "bob"])
def test_a_block_either_way_hides_the_connection_from_both(
    auth_client: Client, alice: User, bob: User, who_blocks: str
) -> None:
    connect(meetup_of(alice, bob), alice, bob)
    assert auth_client(alice).get("/api/v1/connections").json()["count"] == 1

    blocker, blocked = (alice, bob) if who_blocks == "alice" else (bob, alice)
    block_create(blocker=blocker, blocked_id=blocked.pk)

    assert auth_client(alice).get("/api/v1/connections").json()["count"] == 0
    assert auth_client(bob).get("/api/v1/connections").json()["count"] == 0


@pytest.mark.django_db
def test_blocked_people_get_no_connection_at_all(alice: User, bob: User) -> None:
    event = meetup_of(alice, bob)
    block_create(blocker=alice, blocked_id=bob.pk)

    connect(event, alice, bob)

    assert not Connection.objects.exists()


@pytest.mark.django_db
def test_a_suspended_person_disappears_from_connections(
    auth_client: Client, alice: User, bob: User
) -> None:
    connect(meetup_of(alice, bob), alice, bob)

    user_suspend(user=bob, until=timezone.now() + timedelta(days=7), moderator=None)

    assert auth_client(alice).get("/api/v1/connections").json()["count"] == 0


# --- Contact details nowhere else -----------------------------------------------------------------
@pytest.mark.django_db
def test_contact_details_appear_on_no_other_endpoint_or_page(
    auth_client: Client, alice: User, bob_shares_signal: User, carol: User
) -> None:
    bob = bob_shares_signal
    event = meetup_of(alice, bob, carol)
    connect(event, alice, bob)
    beat_tick()  # completes the meetup, writes and sends what is due (connection messages)
    upcoming = EventFactory(organizer=bob)
    going(upcoming, alice)
    client = auth_client(alice)
    web = WebClient()
    web.force_login(alice)

    api_paths = [
        f"/api/v1/events/{event.pk}",
        f"/api/v1/events/{event.pk}/attendees",
        f"/api/v1/events/{upcoming.pk}",
        f"/api/v1/events/{upcoming.pk}/attendees",
        "/api/v1/me/events?when=past",
        "/api/v1/me/events?when=upcoming",
        "/api/v1/notifications",
        f"/api/v1/meetups/{event.pk}/feedback",
    ]
    pages = [
        f"/events/{event.pk}/",
        f"/events/{event.pk}/feedback/",
        f"/events/{upcoming.pk}/",
        "/events/mine/",
        "/notifications/",
        "/home/",
    ]
    assert auth_client(alice).get("/api/v1/notifications").json()["count"] >= 1
    for path in api_paths:
        response = client.get(path)
        assert response.status_code == 200, path
        text = response.content.decode()
        assert BOB_CONTACT not in text, path
        assert "bob@example.com" not in text, path
    for path in pages:
        response = web.get(path)
        assert response.status_code == 200, path
        text = response.content.decode()
        assert BOB_CONTACT not in text, path
        assert "bob@example.com" not in text, path
    connections_page = web.get("/connections/").content.decode()
    assert BOB_CONTACT in connections_page
    assert BOB_CONTACT in client.get("/api/v1/connections").content.decode()


@pytest.mark.django_db
def test_the_connection_notification_names_the_person_but_not_their_contact(
    auth_client: Client, alice: User, bob_shares_signal: User
) -> None:
    connect(meetup_of(alice, bob_shares_signal), alice, bob_shares_signal)
    beat_tick()

    (notification,) = auth_client(alice).get("/api/v1/notifications").json()["results"]

    assert notification["kind"] == Kind.CONNECTION_MADE
    assert notification["title"] == "You and Bob want to meet again"
    assert BOB_CONTACT not in str(notification)


# --- The matching engine's 8-week rule ------------------------------------------------------------
@pytest.mark.django_db
def test_pairs_who_both_said_meet_again_may_be_matched_again(
    alice: User, bob: User, carol: User
) -> None:
    event = meetup_of(alice, bob, carol)
    connect(event, alice, bob)
    events_complete_ended()  # completed meetups still count as met
    since = timezone.now() - timedelta(weeks=8)

    pairs = pairs_met_recently(user_ids=[alice.pk, bob.pk, carol.pk], since=since)

    assert pairs == {
        tuple(sorted((alice.pk, carol.pk))),
        tuple(sorted((bob.pk, carol.pk))),
    }


# --- Two answers at the same moment ---------------------------------------------------------------
@pytest.mark.django_db(transaction=True)
def test_two_people_answering_at_the_same_moment_still_connect(alice: User, bob: User) -> None:
    event = meetup_of(alice, bob)
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def answer(me: User, other: User) -> None:
        try:
            barrier.wait()
            services.feedback_submit(event=event, user=me, attended=True, meet_again=[other.pk])
        except BaseException as exc:
            errors.append(exc)
        finally:
            db_connection.close()

    threads = [
        threading.Thread(target=answer, args=(alice, bob)),
        threading.Thread(target=answer, args=(bob, alice)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert errors == []
    assert Connection.objects.count() == 1


@pytest.mark.django_db
def test_the_list_costs_the_same_few_queries_however_many_connections(
    auth_client: Client, alice: User, django_assert_max_num_queries: Callable
) -> None:
    for n in range(12):
        other = ProfileFactory(display_name=f"Person {n}").user
        connect(meetup_of(alice, other, days_ago=20 - n), alice, other)
    client = auth_client(alice)

    # auth, blocks, the connections with people, venues and events, and the count
    with django_assert_max_num_queries(6):
        page = client.get("/api/v1/connections").json()

    assert page["count"] == 12
