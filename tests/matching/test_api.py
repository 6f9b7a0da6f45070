"""The suggestions API as the contract describes it, with the privacy rule: other members are
`{id, display_name, shared_interests}` and nothing else."""

import json
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import time_machine
from django.core.management import call_command
from django.utils import timezone
from rest_framework.test import APIClient

from apps.accounts.models import User
from apps.core.geo import haversine_km
from apps.matching.models import Suggestion
from apps.matching.services import suggestion_accept, suggestion_decline
from apps.venues.models import Venue
from tests.factories.matching import HAIDHAUSEN, person, suggestion

pytestmark = pytest.mark.django_db

Client = Callable[[User], APIClient]
LIST = "/api/v1/suggestions"
# Homes nobody could mistake for anything else in a response.
BOB_HOME = (48.14567, 11.56789)
CAROL_HOME = (48.12345, 11.59876)


def accept_url(pk: int) -> str:
    return f"/api/v1/suggestions/{pk}/accept"


def decline_url(pk: int) -> str:
    return f"/api/v1/suggestions/{pk}/decline"


@pytest.fixture
def group(venue: Venue) -> tuple[Suggestion, User, User, User]:
    alice = person(interests=["board-games", "jazz", "chess"], birth_year=1985)
    bob = person(
        at=BOB_HOME, interests=["board-games", "jazz"], birth_year=1977, display_name="Bob"
    )
    carol = person(at=CAROL_HOME, interests=["chess"], birth_year=1966, display_name="Carol")
    return suggestion([alice, bob, carol], venue=venue), alice, bob, carol


def test_the_list_shows_proposals_in_the_contract_shape(
    clock: time_machine.Traveller,
    auth_client: Client,
    venue: Venue,
    group: tuple[Suggestion, User, User, User],
) -> None:
    made, alice, bob, carol = group

    response = auth_client(alice).get(LIST)

    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 1
    assert body["next"] is None
    [item] = body["results"]
    local = "+01:00"  # Munich in March
    assert item == {
        "id": made.pk,
        "starts_at": made.starts_at.astimezone(timezone.get_fixed_timezone(60)).isoformat(),
        "ends_at": made.ends_at.astimezone(timezone.get_fixed_timezone(60)).isoformat(),
        "venue": {
            "id": venue.pk,
            "name": venue.name,
            "kind": "cafe",
            "location": {"lat": 48.1372, "lng": 11.5756},
            "address": venue.address,
            "distance_km": 0.0,
            "timezone": "Europe/Berlin",
        },
        "members": [
            {"id": bob.pk, "display_name": "Bob", "shared_interests": ["board-games", "jazz"]},
            {"id": carol.pk, "display_name": "Carol", "shared_interests": ["chess"]},
        ],
        "why": "You all like board games",
        "respond_by": made.respond_by.astimezone(timezone.get_fixed_timezone(60)).isoformat(),
        "my_response": "pending",
        "status": "pending",
        "event_id": None,
    }
    assert item["starts_at"].endswith(local)
    assert item["respond_by"].endswith(local)


def test_no_response_tells_anything_private_about_the_other_members(
    clock: time_machine.Traveller,
    auth_client: Client,
    venue: Venue,
    group: tuple[Suggestion, User, User, User],
) -> None:
    made, alice, bob, carol = group
    people = {alice: None, bob: BOB_HOME, carol: CAROL_HOME}
    birth_years = {alice: "1985", bob: "1977", carol: "1966"}
    suggestion_accept(suggestion=made, user=alice)
    suggestion_accept(suggestion=made, user=bob)
    suggestion_accept(suggestion=made, user=carol)  # confirmed: every shape of the response

    for viewer in people:
        client = auth_client(viewer)
        responses = [client.get(LIST, {"status": s}) for s in ("", "confirmed", "pending")]
        responses.append(client.post(accept_url(made.pk)))
        for response in responses:
            assert response.status_code == 200
            text = json.dumps(response.json())
            for other, home in people.items():
                if other == viewer:
                    continue
                assert other.email not in text
                assert birth_years[other] not in text
                if home is not None:
                    assert f"{home[0]:.4f}"[:7] not in text
                    assert f"{home[1]:.4f}"[:7] not in text
            body = response.json()
            items = body.get("results", [body])
            for item in items:
                for member in item["members"]:
                    assert set(member) == {"id", "display_name", "shared_interests"}
                    assert member["id"] != viewer.pk
                assert "birth_year" not in text
                assert "email" not in text
                assert "home" not in text
                # The only distance: from the caller's own home to the venue.
                own = viewer.profile.home
                expected = haversine_km(own.y, own.x, venue.location.y, venue.location.x)
                assert item["venue"]["distance_km"] == pytest.approx(expected, abs=0.01)


@pytest.mark.parametrize(
    ("answer", "listed_as"),
    [
        ("none", "pending"),
        ("accepted", "accepted"),
        ("declined", "declined"),
        ("expired", "expired"),
        ("confirmed", "confirmed"),
    ],
)
def test_the_status_filter_shows_each_proposal_as_the_caller_sees_it(
    clock: time_machine.Traveller,
    auth_client: Client,
    venue: Venue,
    answer: str,
    listed_as: str,
) -> None:
    alice, bob = person(), person()
    made = suggestion([alice, bob], venue=venue)
    suggestion([alice, person()], venue=venue, status=Suggestion.Status.CANCELLED)  # "expired"
    if answer in ("accepted", "confirmed"):
        suggestion_accept(suggestion=made, user=alice)
    if answer == "confirmed":
        suggestion_accept(suggestion=made, user=bob)
    if answer == "declined":
        suggestion_decline(suggestion=made, user=alice)
    if answer == "expired":
        clock.move_to(made.respond_by)

    results = auth_client(alice).get(LIST, {"status": listed_as}).json()["results"]

    assert made.pk in [item["id"] for item in results]
    assert all(item["status"] == listed_as for item in results)
    item = next(item for item in results if item["id"] == made.pk)
    assert (item["event_id"] is not None) == (listed_as == "confirmed")


def test_an_unknown_status_is_a_400(clock: time_machine.Traveller, auth_client: Client) -> None:
    response = auth_client(person()).get(LIST, {"status": "maybe"})

    assert response.status_code == 400
    assert response.json()["errors"][0]["attr"] == "status"


def test_accepting_returns_the_updated_suggestion(
    clock: time_machine.Traveller, auth_client: Client, venue: Venue
) -> None:
    alice, bob = person(), person()
    made = suggestion([alice, bob], venue=venue)
    auth_client(bob).post(accept_url(made.pk))

    response = auth_client(alice).post(accept_url(made.pk))

    assert response.status_code == 200
    body = response.json()
    assert (body["id"], body["my_response"], body["status"]) == (made.pk, "accepted", "confirmed")
    made.refresh_from_db()
    assert body["event_id"] == made.event_id is not None


def test_declining_takes_an_optional_reason(
    clock: time_machine.Traveller, auth_client: Client, venue: Venue
) -> None:
    alice, bob = person(), person()
    made = suggestion([alice, bob, person(), person()], venue=venue)

    with_reason = auth_client(alice).post(
        decline_url(made.pk), {"reason": "Too far"}, format="json"
    )
    without = auth_client(bob).post(decline_url(made.pk))

    assert with_reason.status_code == without.status_code == 200
    assert with_reason.json()["status"] == "declined"
    assert with_reason.json()["my_response"] == "declined"
    assert made.members.get(user=alice).decline_reason == "Too far"


def test_a_too_long_reason_is_a_400(
    clock: time_machine.Traveller, auth_client: Client, venue: Venue
) -> None:
    alice = person()
    made = suggestion([alice, person()], venue=venue)

    response = auth_client(alice).post(decline_url(made.pk), {"reason": "x" * 301}, format="json")

    assert response.status_code == 400
    assert response.json()["errors"][0]["attr"] == "reason"


@pytest.mark.parametrize("url", [accept_url, decline_url])
def test_someone_elses_suggestion_is_a_404(
    clock: time_machine.Traveller,
    auth_client: Client,
    venue: Venue,
    url: Callable[[int], str],
) -> None:
    made = suggestion([person(), person()], venue=venue)

    theirs = auth_client(person()).post(url(made.pk))
    unknown = auth_client(person()).post(url(made.pk + 1000))

    assert theirs.status_code == unknown.status_code == 404
    assert theirs.json() == unknown.json()
    assert theirs.json()["errors"][0]["code"] == "suggestion_not_found"


@pytest.mark.parametrize("url", [accept_url, decline_url])
def test_answering_after_respond_by_is_a_409(
    clock: time_machine.Traveller,
    auth_client: Client,
    venue: Venue,
    url: Callable[[int], str],
) -> None:
    alice = person()
    made = suggestion([alice, person()], venue=venue)
    clock.move_to(made.respond_by + timedelta(seconds=1))

    response = auth_client(alice).post(url(made.pk))

    assert response.status_code == 409
    assert response.json() == {
        "type": "client_error",
        "errors": [
            {
                "code": "respond_by_passed",
                "detail": "The time to answer this suggestion has passed.",
                "attr": None,
            }
        ],
    }


def test_other_refusals_have_their_own_codes(
    clock: time_machine.Traveller, auth_client: Client, venue: Venue
) -> None:
    alice, bob = person(), person()
    made = suggestion([alice, bob, person()], venue=venue)
    auth_client(alice).post(decline_url(made.pk))
    closed = suggestion([bob, person()], venue=venue, status=Suggestion.Status.CANCELLED)

    declined_then_accepted = auth_client(alice).post(accept_url(made.pk))
    on_closed = auth_client(bob).post(accept_url(closed.pk))

    assert declined_then_accepted.json()["errors"][0]["code"] == "suggestion_declined"
    assert on_closed.json()["errors"][0]["code"] == "suggestion_closed"
    assert declined_then_accepted.status_code == on_closed.status_code == 409


def test_an_idempotency_key_replays_the_first_answer(
    clock: time_machine.Traveller, auth_client: Client, venue: Venue
) -> None:
    alice, bob = person(), person()
    made = suggestion([alice, bob], venue=venue)
    client = auth_client(alice)

    first = client.post(accept_url(made.pk), HTTP_IDEMPOTENCY_KEY="accept-1")
    auth_client(bob).post(accept_url(made.pk))  # meanwhile the meetup is confirmed
    repeat = client.post(accept_url(made.pk), HTTP_IDEMPOTENCY_KEY="accept-1")

    assert first.status_code == repeat.status_code == 200
    assert repeat.json() == first.json()
    assert first.json()["status"] == "accepted"
    assert repeat["Idempotent-Replayed"] == "true"


def test_signed_out_callers_get_401(api_client: APIClient, venue: Venue) -> None:
    made = suggestion([person(), person()], venue=venue)

    assert api_client.get(LIST).status_code == 401
    assert api_client.post(accept_url(made.pk)).status_code == 401


def test_the_list_takes_a_fixed_number_of_queries(
    clock: time_machine.Traveller,
    auth_client: Client,
    venue: Venue,
    django_assert_max_num_queries: Any,
) -> None:
    alice = person()
    for k in range(6):
        others = [person(at=HAIDHAUSEN) for _ in range(1 + k % 3)]
        suggestion([alice, *others], venue=venue)
    client = auth_client(alice)

    with django_assert_max_num_queries(8):
        response = client.get(LIST)

    assert len(response.json()["results"]) == 6


def test_the_openapi_schema_describes_the_endpoints_without_warnings(tmp_path: Path) -> None:
    target = tmp_path / "openapi.yaml"

    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(target))

    text = target.read_text()
    assert "/api/v1/suggestions/{suggestion_id}/accept:" in text
    assert "/api/v1/suggestions/{suggestion_id}/decline:" in text
    assert "respond_by_passed" in text
