"""Feedback after a meetup (contract: POST /meetups/{event_id}/feedback): once per person per
event, only by someone who was going, only once it started, naming only people who were going
and never oneself; a mutual "meet again" makes a connection; no-shows pause matching."""

from collections.abc import Callable
from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone
from rest_framework.test import APIClient

from apps.accounts.models import User
from apps.events import services
from apps.events.models import Connection, Event, Feedback, NoShowReport, Rsvp
from apps.notifications.models import Kind, Message
from tests.factories.accounts import ProfileFactory
from tests.factories.events import EventFactory, going

pytestmark = pytest.mark.django_db

Client = Callable[[User], APIClient]


@pytest.fixture
def meetup(alice: User, bob: User, carol: User) -> Event:
    """Yesterday's meetup, over: Alice organised it, Bob and Carol were going."""
    start = timezone.now() - timedelta(days=1)
    event = EventFactory(
        organizer=alice,
        title="Chess and coffee",
        starts_at=start,
        ends_at=start + timedelta(hours=2),
    )
    going(event, bob)
    going(event, carol)
    return event


def url(event: Event | int) -> str:
    return f"/api/v1/meetups/{getattr(event, 'pk', event)}/feedback"


def post(client: APIClient, event: Event | int, **body: object) -> tuple[int, dict]:
    response = client.post(url(event), {"attended": True, **body}, format="json")
    return response.status_code, response.json()


def error(body: dict) -> tuple[str, str | None]:
    (first,) = body["errors"]
    return first["code"], first["attr"]


# --- Giving feedback ------------------------------------------------------------------------------
def test_someone_who_was_going_gives_feedback_once(
    auth_client: Client, meetup: Event, bob: User, carol: User
) -> None:
    status, body = post(auth_client(bob), meetup, venue_rating=4, meet_again=[carol.pk])

    assert status == 201
    assert body["event_id"] == meetup.pk
    assert body["attended"] is True
    assert body["venue_rating"] == 4
    assert body["meet_again"] == [carol.pk]
    assert body["no_show"] == []
    assert body["connections_made"] == []
    assert auth_client(bob).get(url(meetup)).json()["meet_again"] == [carol.pk]


def test_a_second_feedback_is_a_conflict_with_a_clear_code(
    auth_client: Client, meetup: Event, bob: User
) -> None:
    post(auth_client(bob), meetup)

    status, body = post(auth_client(bob), meetup, venue_rating=1)

    assert status == 409
    assert error(body) == ("feedback_already_given", None)
    assert Feedback.objects.get(user=bob).venue_rating is None


def test_the_same_idempotency_key_replays_the_first_answer(
    auth_client: Client, meetup: Event, bob: User, carol: User
) -> None:
    client = auth_client(bob)
    body = {"attended": True, "meet_again": [carol.pk]}
    first = client.post(url(meetup), body, format="json", HTTP_IDEMPOTENCY_KEY="fb-1")
    again = client.post(url(meetup), body, format="json", HTTP_IDEMPOTENCY_KEY="fb-1")

    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert Feedback.objects.filter(user=bob).count() == 1


def test_before_the_start_feedback_is_too_early(
    auth_client: Client, alice: User, bob: User
) -> None:
    event = EventFactory(organizer=alice)  # two days ahead
    going(event, bob)

    status, body = post(auth_client(bob), event)

    assert status == 409
    assert error(body) == ("feedback_too_early", None)


def test_feedback_opens_as_soon_as_the_meetup_starts(alice: User, bob: User) -> None:
    event = EventFactory(organizer=alice)
    going(event, bob)

    with time_machine.travel(event.starts_at, tick=False):
        result = services.feedback_submit(event=event, user=bob, attended=True)

    assert result.feedback.pk is not None


def test_someone_who_was_not_going_to_a_public_event_is_refused(
    auth_client: Client, meetup: Event
) -> None:
    stranger = ProfileFactory().user
    status, body = post(auth_client(stranger), meetup)

    assert status == 403
    assert error(body) == ("not_attendee", None)


def test_someone_who_gave_up_their_seat_is_refused(
    auth_client: Client, meetup: Event, carol: User
) -> None:
    Rsvp.objects.filter(event=meetup, user=carol).update(status=Rsvp.Status.CANCELLED)

    status, body = post(auth_client(carol), meetup)

    assert status == 403
    assert error(body) == ("not_attendee", None)


def test_a_private_meetup_of_others_does_not_exist_for_you(
    auth_client: Client, alice: User, bob: User
) -> None:
    start = timezone.now() - timedelta(days=1)
    with time_machine.travel(start - timedelta(days=3)):
        private = services.event_create_for_group(
            venue=EventFactory().venue,
            starts_at=start,
            ends_at=start + timedelta(hours=2),
            members=[alice, bob],
            title="Matched",
        )
    stranger = ProfileFactory().user

    mine_status, _ = post(auth_client(bob), private)
    status, body = post(auth_client(stranger), private)
    missing_status, missing = post(auth_client(stranger), 2**40)

    assert mine_status == 201
    assert (status, error(body)) == (404, ("event_not_found", None))
    assert (missing_status, error(missing)) == (404, ("event_not_found", None))


def test_a_cancelled_event_takes_no_feedback(auth_client: Client, meetup: Event, bob: User) -> None:
    Event.objects.filter(pk=meetup.pk).update(status=Event.Status.CANCELLED)

    status, body = post(auth_client(bob), meetup)

    assert (status, error(body)) == (409, ("event_cancelled", None))


def test_anonymous_callers_must_sign_in(api_client: APIClient, meetup: Event) -> None:
    assert api_client.post(url(meetup), {"attended": True}, format="json").status_code == 401


# --- Whom one may name ----------------------------------------------------------------------------
def test_naming_people_who_were_not_going_is_a_400_naming_them(
    auth_client: Client, meetup: Event, bob: User, carol: User
) -> None:
    outsider = ProfileFactory().user
    status, body = post(auth_client(bob), meetup, meet_again=[carol.pk, outsider.pk, 999999])

    assert status == 400
    assert error(body) == ("not_attendees", "meet_again")
    assert body["errors"][0]["detail"] == f"Not going to this event: {outsider.pk}, 999999."
    assert not Feedback.objects.filter(user=bob).exists()


def test_no_show_may_only_name_people_who_were_going(
    auth_client: Client, meetup: Event, bob: User
) -> None:
    outsider = ProfileFactory().user

    status, body = post(auth_client(bob), meetup, no_show=[outsider.pk])

    assert (status, error(body)) == (400, ("not_attendees", "no_show"))


def test_nobody_names_themselves(auth_client: Client, meetup: Event, bob: User) -> None:
    again_status, again = post(auth_client(bob), meetup, meet_again=[bob.pk])
    missing_status, missing = post(auth_client(bob), meetup, no_show=[bob.pk])

    assert (again_status, error(again)) == (400, ("self_named", "meet_again"))
    assert (missing_status, error(missing)) == (400, ("self_named", "no_show"))


def test_the_same_person_cannot_be_both_met_and_missing(
    auth_client: Client, meetup: Event, bob: User, carol: User
) -> None:
    status, body = post(auth_client(bob), meetup, meet_again=[carol.pk], no_show=[carol.pk])

    assert (status, error(body)) == (400, ("contradictory", "no_show"))


def test_who_did_not_go_names_nobody(
    auth_client: Client, meetup: Event, bob: User, carol: User
) -> None:
    refused_status, refused = post(auth_client(bob), meetup, attended=False, no_show=[carol.pk])
    status, _ = post(auth_client(bob), meetup, attended=False)

    assert (refused_status, error(refused)) == (400, ("not_attended", "attended"))
    assert status == 201


@pytest.mark.parametrize(
    ("body", "attr"),
    [
        ({"venue_rating": 6}, "venue_rating"),
        ({"venue_rating": 0}, "venue_rating"),
        ({"meet_again": "everyone"}, "meet_again"),
        ({"attended": "maybe"}, "attended"),
        ({"meet_again": [2**70]}, "meet_again"),
        ({"no_show": [None]}, "no_show"),
        ({"meet_again": list(range(1, 60))}, "meet_again"),
    ],
)
def test_malformed_bodies_are_400s_naming_the_field(
    auth_client: Client, meetup: Event, bob: User, body: dict, attr: str
) -> None:
    status, answer = post(auth_client(bob), meetup, **body)

    assert status == 400
    assert answer["errors"][0]["attr"].split(".")[0] == attr


# --- Connections ----------------------------------------------------------------------------------
def test_both_saying_meet_again_connects_them_and_tells_each_once(
    auth_client: Client, meetup: Event, bob: User, carol: User
) -> None:
    _, first = post(auth_client(bob), meetup, meet_again=[carol.pk])
    _, second = post(auth_client(carol), meetup, meet_again=[bob.pk])

    assert first["connections_made"] == []
    assert second["connections_made"] == [bob.pk]
    (connection,) = Connection.objects.all()
    assert {connection.user_low_id, connection.user_high_id} == {bob.pk, carol.pk}
    assert connection.event_id == meetup.pk
    for person, other in ((bob, "Carol"), (carol, "Bob")):
        (message,) = Message.objects.filter(user=person, kind=Kind.CONNECTION_MADE)
        assert message.context["other_name"] == other
        assert message.url == "/connections/"


def test_saying_it_alone_makes_no_connection(
    auth_client: Client, meetup: Event, bob: User, carol: User, alice: User
) -> None:
    post(auth_client(bob), meetup, meet_again=[carol.pk])
    post(auth_client(carol), meetup, meet_again=[alice.pk])

    assert not Connection.objects.exists()


def test_meeting_again_later_keeps_the_one_connection_and_its_first_meetup(
    meetup: Event, alice: User, bob: User, carol: User
) -> None:
    services.feedback_submit(event=meetup, user=bob, attended=True, meet_again=[carol.pk])
    services.feedback_submit(event=meetup, user=carol, attended=True, meet_again=[bob.pk])
    start = timezone.now() - timedelta(hours=5)
    later = EventFactory(organizer=alice, starts_at=start, ends_at=start + timedelta(hours=2))
    going(later, bob)
    going(later, carol)

    services.feedback_submit(event=later, user=bob, attended=True, meet_again=[carol.pk])
    result = services.feedback_submit(event=later, user=carol, attended=True, meet_again=[bob.pk])

    assert result.connections_made == []
    assert Connection.objects.get().event_id == meetup.pk
    assert Message.objects.filter(kind=Kind.CONNECTION_MADE).count() == 2


# --- No-shows -------------------------------------------------------------------------------------
def past_meetup(*people: User, days_ago: float) -> Event:
    start = timezone.now() - timedelta(days=days_ago)
    event = EventFactory(organizer=people[0], starts_at=start, ends_at=start + timedelta(hours=2))
    for person in people[1:]:
        going(event, person)
    return event


def test_a_no_show_reported_by_several_people_counts_once(
    alice: User, bob: User, carol: User
) -> None:
    dave = ProfileFactory().user
    event = past_meetup(alice, bob, carol, dave, days_ago=1)

    for reporter in (alice, bob, carol):
        services.feedback_submit(event=event, user=reporter, attended=True, no_show=[dave.pk])

    assert NoShowReport.objects.filter(reported=dave).count() == 3
    dave.profile.refresh_from_db()
    assert dave.profile.matching_paused_until is None


def test_three_no_shows_in_90_days_pause_matching_for_30_days_and_say_so(
    alice: User, bob: User
) -> None:
    now = timezone.now()
    for days_ago in (80, 30):
        event = past_meetup(alice, bob, days_ago=days_ago)
        services.feedback_submit(event=event, user=alice, attended=True, no_show=[bob.pk])
    bob.profile.refresh_from_db()
    assert bob.profile.matching_paused_until is None

    third = past_meetup(alice, bob, days_ago=1)
    result = services.feedback_submit(event=third, user=alice, attended=True, no_show=[bob.pk])

    assert result.paused == [bob.pk]
    bob.profile.refresh_from_db()
    paused = bob.profile.matching_paused_until
    assert paused is not None
    assert timedelta(days=30) <= paused - now < timedelta(days=30, minutes=5)
    (message,) = Message.objects.filter(user=bob, kind=Kind.MATCHING_PAUSED)
    assert message.context["no_shows"] == 3
    assert "did not come" in message.context["reason"]


def test_no_shows_older_than_90_days_do_not_count(alice: User, bob: User) -> None:
    for days_ago in (120, 95, 1):
        event = past_meetup(alice, bob, days_ago=days_ago)
        services.feedback_submit(event=event, user=alice, attended=True, no_show=[bob.pk])

    bob.profile.refresh_from_db()
    assert bob.profile.matching_paused_until is None


def test_a_pause_counts_afresh_and_does_not_stack(alice: User, bob: User) -> None:
    events = [past_meetup(alice, bob, days_ago=d) for d in (60, 50, 40)]
    for event in events:
        with time_machine.travel(event.ends_at + timedelta(hours=1), tick=False):
            services.feedback_submit(event=event, user=alice, attended=True, no_show=[bob.pk])
    bob.profile.refresh_from_db()
    first_pause = bob.profile.matching_paused_until
    assert first_pause is not None

    fourth = past_meetup(alice, bob, days_ago=1)  # after the pause ended
    services.feedback_submit(event=fourth, user=alice, attended=True, no_show=[bob.pk])

    bob.profile.refresh_from_db()
    assert bob.profile.matching_paused_until == first_pause
    assert Message.objects.filter(user=bob, kind=Kind.MATCHING_PAUSED).count() == 1


def test_a_body_that_is_not_an_object_is_a_400(
    auth_client: Client, meetup: Event, bob: User
) -> None:
    response = auth_client(bob).post(url(meetup), [1, 2], format="json")

    assert response.status_code == 400
    assert response.json()["type"] == "validation_error"
