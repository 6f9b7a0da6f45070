"""GET /api/v1/venues and /api/v1/venues/{id}: the contract's Venues section."""

import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
import time_machine
from pytest_django import DjangoAssertNumQueries, Settings
from rest_framework.test import APIClient

from apps.accounts.models import User
from apps.venues.models import Venue
from tests.factories.accounts import ProfileFactory
from tests.factories.venues import MARIENPLATZ, VenueFactory

pytestmark = pytest.mark.django_db

KM = 0.009  # about 1 km of latitude
CONTRACT_FIELDS = {
    "id",
    "name",
    "kind",
    "location",
    "address",
    "distance_km",
    "opening_hours",
    "open_now",
    "timezone",
}
NEAR = {"lat": MARIENPLATZ[0], "lng": MARIENPLATZ[1]}
# Saturday 9 May 2026, 12:00 in Munich.
SATURDAY_NOON = datetime(2026, 5, 9, 10, 0, tzinfo=UTC)


def venue_at(km_north: float, **kwargs: Any) -> Venue:
    return VenueFactory(lat=MARIENPLATZ[0] + km_north * KM, lng=MARIENPLATZ[1], **kwargs)


def get(client: APIClient, path: str, **params: Any) -> Any:
    return client.get(path, params)


def error(response: Any) -> dict[str, Any]:
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert set(body) == {"type", "errors"}
    (first,) = body["errors"]
    return first


def test_nearby_venues_nearest_first_with_the_contract_fields(api_client: APIClient) -> None:
    far = venue_at(1.2, name="Far", kind="bar", opening_hours="Mo-Su 18:00-01:00")
    near = venue_at(0.3, name="Near", address="Kaufingerstraße 1, 80331 München")
    venue_at(0.5, name="Retired", is_active=False)

    with time_machine.travel(SATURDAY_NOON, tick=False):
        response = get(api_client, "/api/v1/venues", **NEAR)

    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 2
    assert (body["next"], body["previous"]) == (None, None)
    first, second = body["results"]
    assert set(first) >= CONTRACT_FIELDS
    assert first == {
        **first,
        "id": near.pk,
        "name": "Near",
        "kind": "cafe",
        "location": {"lat": round(MARIENPLATZ[0] + 0.3 * KM, 6), "lng": MARIENPLATZ[1]},
        "address": "Kaufingerstraße 1, 80331 München",
        "distance_km": 0.3,
        "opening_hours": "Mo-Su 08:00-20:00",
        "open_now": True,
        "timezone": "Europe/Berlin",
    }
    assert (second["id"], second["distance_km"], second["open_now"]) == (far.pk, 1.2, False)
    assert "OpenStreetMap" in first["attribution"]


def test_radius_defaults_to_2_km_and_can_grow_to_50(api_client: APIClient) -> None:
    venue_at(1.9, name="Inside")
    venue_at(2.5, name="Beyond 2 km")
    venue_at(45, name="Far out")

    default = get(api_client, "/api/v1/venues", **NEAR).json()
    wide = get(api_client, "/api/v1/venues", radius_km=50, **NEAR).json()

    assert [v["name"] for v in default["results"]] == ["Inside"]
    assert [v["name"] for v in wide["results"]] == ["Inside", "Beyond 2 km", "Far out"]


def test_filters_kind_open_at_and_q(api_client: APIClient) -> None:
    venue_at(0.1, name="Café Kosmos", kind="cafe", opening_hours="Mo-Su 08:00-18:00")
    venue_at(0.2, name="Schumann's", kind="bar", opening_hours="Mo-Su 18:00-02:00")
    venue_at(0.3, name="Hugendubel", kind="bookstore", opening_hours="")

    kinds = get(api_client, "/api/v1/venues", kind="bar,bookstore", **NEAR).json()
    late = get(api_client, "/api/v1/venues", open_at="2026-05-09T23:30:00+02:00", **NEAR).json()
    text = get(api_client, "/api/v1/venues", q="KOSMOS", **NEAR).json()

    assert [v["name"] for v in kinds["results"]] == ["Schumann's", "Hugendubel"]
    assert [v["name"] for v in late["results"]] == ["Schumann's"]
    assert [v["name"] for v in text["results"]] == ["Café Kosmos"]


def test_unknown_hours_are_unknown_not_closed(api_client: APIClient) -> None:
    venue_at(0.1, opening_hours="bei schönem Wetter")

    (venue,) = get(api_client, "/api/v1/venues", **NEAR).json()["results"]

    assert venue["open_now"] is None
    assert venue["opening_hours"] == "bei schönem Wetter"


def test_without_lat_lng_a_signed_in_caller_searches_around_their_home(
    alice: User, auth_client: Callable[[User], APIClient]
) -> None:
    venue_at(0.4, name="Around the corner")
    venue_at(3, name="Across town")

    response = auth_client(alice).get("/api/v1/venues")

    assert response.status_code == 200
    (venue,) = response.json()["results"]
    assert (venue["name"], venue["distance_km"]) == ("Around the corner", 0.4)
    # The home itself is never part of the answer.
    text = json.dumps(response.json())
    assert "home" not in text
    assert str(MARIENPLATZ[0]) not in text


def test_without_lat_lng_or_a_home_the_answer_is_a_400(
    api_client: APIClient, auth_client: Callable[[User], APIClient]
) -> None:
    homeless = ProfileFactory(home=None).user

    anonymous = api_client.get("/api/v1/venues")
    signed_in = auth_client(homeless).get("/api/v1/venues")

    for response in (anonymous, signed_in):
        assert response.status_code == 400
        assert error(response)["code"] == "location_required"


@pytest.mark.parametrize(
    ("params", "attr", "code"),
    [
        ({"lat": 91, "lng": 11.5}, "lat", "max_value"),
        ({"lat": 48.1, "lng": -181}, "lng", "min_value"),
        ({"lat": "north", "lng": 11.5}, "lat", "invalid"),
        ({"lat": "nan", "lng": 11.5}, "lat", "invalid"),
        ({"lat": 48.1}, "lng", "required"),
        ({"lng": 11.5}, "lat", "required"),
        ({**NEAR, "radius_km": 50.5}, "radius_km", "max_value"),
        ({**NEAR, "radius_km": 0}, "radius_km", "min_value"),
        ({**NEAR, "radius_km": "inf"}, "radius_km", "invalid"),
        ({**NEAR, "kind": "cafe,nightclub"}, "kind", "invalid_choice"),
        ({**NEAR, "open_at": "tonight"}, "open_at", "invalid"),
        ({**NEAR, "open_at": "2026-05-09T19:00:00"}, "open_at", "naive"),
        ({**NEAR, "q": "x" * 101}, "q", "max_length"),
    ],
)
def test_bad_parameters_are_a_400_naming_the_parameter(
    api_client: APIClient, params: dict[str, Any], attr: str, code: str
) -> None:
    response = api_client.get("/api/v1/venues", params)

    assert response.status_code == 400
    assert response.json()["type"] == "validation_error"
    assert (error(response)["attr"], error(response)["code"]) == (attr, code)


def test_the_list_is_paginated_as_the_contract_says(api_client: APIClient) -> None:
    for i in range(5):
        venue_at(0.1 * (i + 1), name=f"V{i}")

    first = get(api_client, "/api/v1/venues", page_size=2, **NEAR).json()
    last = get(api_client, "/api/v1/venues", page_size=2, page=3, **NEAR).json()
    beyond = api_client.get("/api/v1/venues", {"page_size": 2, "page": 9, **NEAR})

    assert first["count"] == 5
    assert [v["name"] for v in first["results"]] == ["V0", "V1"]
    assert "page=2" in first["next"]
    assert [v["name"] for v in last["results"]] == ["V4"]
    assert last["next"] is None
    assert beyond.status_code == 404
    assert error(beyond)["code"] == "not_found"


def test_the_list_costs_two_queries(
    api_client: APIClient, django_assert_num_queries: DjangoAssertNumQueries
) -> None:
    for i in range(30):
        venue_at(0.05 * i)

    with django_assert_num_queries(2):  # count, page
        response = api_client.get("/api/v1/venues", {**NEAR, "kind": "cafe", "q": "Caf"})

    assert len(response.json()["results"]) == 20


def test_geojson_by_format_parameter_or_accept_header(api_client: APIClient) -> None:
    venue = venue_at(0.3, name="Near")

    by_format = api_client.get("/api/v1/venues", {**NEAR, "format": "geojson"})
    by_accept = api_client.get("/api/v1/venues", NEAR, HTTP_ACCEPT="application/geo+json")

    for response in (by_format, by_accept):
        assert response.status_code == 200
        assert response["Content-Type"] == "application/geo+json"
        collection = response.json()
        assert collection["type"] == "FeatureCollection"
        assert (collection["count"], collection["next"], collection["previous"]) == (1, None, None)
        (feature,) = collection["features"]
        assert feature["type"] == "Feature"
        assert feature["id"] == venue.pk
        assert feature["geometry"] == {
            "type": "Point",
            "coordinates": [MARIENPLATZ[1], round(MARIENPLATZ[0] + 0.3 * KM, 7)],
        }
        assert CONTRACT_FIELDS - {"location"} <= set(feature["properties"])
        assert "location" not in feature["properties"]


def test_errors_stay_json_when_geojson_was_asked_for(api_client: APIClient) -> None:
    response = api_client.get("/api/v1/venues", {"lat": 95, "lng": 1, "format": "geojson"})

    assert response.status_code == 400
    assert error(response)["attr"] == "lat"


def test_one_venue_by_id_with_its_distance_when_a_point_is_given(api_client: APIClient) -> None:
    venue = venue_at(0.7, name="Near", wheelchair="yes", wifi=True, website="https://near.example")

    plain = api_client.get(f"/api/v1/venues/{venue.pk}")
    with_point = api_client.get(f"/api/v1/venues/{venue.pk}", NEAR)

    assert plain.status_code == 200
    body = plain.json()
    assert set(body) >= CONTRACT_FIELDS
    assert body["distance_km"] is None
    assert body["tags"] == {
        "wheelchair": "yes",
        "outdoor_seating": None,
        "wifi": True,
        "website": "https://near.example",
        "phone": None,
    }
    assert with_point.json()["distance_km"] == 0.7


def test_one_venue_as_a_geojson_feature(api_client: APIClient) -> None:
    venue = venue_at(0.7, name="Near")

    response = api_client.get(f"/api/v1/venues/{venue.pk}", {"format": "geojson"})

    assert response["Content-Type"] == "application/geo+json"
    feature = response.json()
    assert (feature["type"], feature["id"], feature["properties"]["name"]) == (
        "Feature",
        venue.pk,
        "Near",
    )
    assert feature["geometry"]["type"] == "Point"


def test_a_retired_venue_still_has_its_page_but_says_so(api_client: APIClient) -> None:
    gone = venue_at(0.1, is_active=False)

    response = api_client.get(f"/api/v1/venues/{gone.pk}")

    assert response.status_code == 200
    assert response.json()["is_active"] is False


def test_an_unknown_venue_is_a_json_404(api_client: APIClient) -> None:
    for params in ({}, {"format": "geojson"}):
        response = api_client.get("/api/v1/venues/987654", params)

        assert response.status_code == 404
        assert error(response)["code"] == "venue_not_found"


def test_anonymous_callers_are_rate_limited_signed_in_ones_are_not(
    api_client: APIClient,
    alice: User,
    auth_client: Callable[[User], APIClient],
    settings: Settings,
) -> None:
    settings.VENUES_ANON_RATE = "2/min"
    signed_in = auth_client(alice)

    statuses = [api_client.get("/api/v1/venues", NEAR).status_code for _ in range(3)]
    limited = api_client.get("/api/v1/venues", NEAR)

    assert statuses == [200, 200, 429]
    assert error(limited)["code"] == "throttled"
    assert int(limited["Retry-After"]) > 0
    assert all(signed_in.get("/api/v1/venues").status_code == 200 for _ in range(3))


def test_an_invalid_token_is_a_401_even_on_a_public_endpoint(api_client: APIClient) -> None:
    api_client.credentials(HTTP_AUTHORIZATION="Bearer not-a-token")

    response = api_client.get("/api/v1/venues", NEAR)

    assert response.status_code == 401


def test_the_schema_describes_both_representations_and_the_errors(api_client: APIClient) -> None:
    schema = api_client.get("/api/v1/schema", {"format": "json"}).json()

    listing = schema["paths"]["/api/v1/venues"]["get"]
    detail = schema["paths"]["/api/v1/venues/{venue_id}"]["get"]
    assert set(listing["responses"]["200"]["content"]) == {
        "application/json",
        "application/geo+json",
    }
    assert listing["responses"]["400"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/ErrorResponse"
    }
    assert {p["name"] for p in listing["parameters"]} >= {
        "lat",
        "lng",
        "radius_km",
        "kind",
        "open_at",
        "q",
        "page",
        "page_size",
        "format",
    }
    assert "404" in detail["responses"]
    venue = schema["components"]["schemas"]["VenueOutput"]
    assert set(venue["required"]) >= CONTRACT_FIELDS
