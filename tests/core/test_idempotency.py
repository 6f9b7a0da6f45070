"""Writes sent with an Idempotency-Key happen once; repeats replay the first answer."""

import threading

import pytest
from django.db import connection

from apps.accounts.models import User
from apps.core.models import GeocodeCacheEntry

pytestmark = [pytest.mark.urls("tests.core.idempotency_urls")]


def things() -> int:
    return GeocodeCacheEntry.objects.filter(provider="thing").count()


@pytest.mark.django_db
def test_a_repeated_request_replays_the_first_response(alice: User, auth_client) -> None:
    client = auth_client(alice)

    first = client.post("/api/v1/things", {"name": "a"}, format="json", HTTP_IDEMPOTENCY_KEY="k1")
    second = client.post("/api/v1/things", {"name": "a"}, format="json", HTTP_IDEMPOTENCY_KEY="k1")

    assert first.status_code == second.status_code == 201
    assert second.json() == first.json()
    assert second["Idempotent-Replayed"] == "true"
    assert things() == 1


@pytest.mark.django_db
def test_without_a_key_every_request_acts(alice: User, auth_client) -> None:
    client = auth_client(alice)

    client.post("/api/v1/things", {"name": "a"}, format="json")
    client.post("/api/v1/things", {"name": "a"}, format="json")

    assert things() == 2


@pytest.mark.django_db
def test_keys_belong_to_one_person(alice: User, bob: User, auth_client) -> None:
    for person in (alice, bob):
        auth_client(person).post(
            "/api/v1/things", {"name": "a"}, format="json", HTTP_IDEMPOTENCY_KEY="k"
        )

    assert things() == 2


@pytest.mark.django_db
def test_reusing_a_key_for_a_different_request_is_a_422(alice: User, auth_client) -> None:
    client = auth_client(alice)
    client.post("/api/v1/things", {"name": "a"}, format="json", HTTP_IDEMPOTENCY_KEY="k")

    response = client.post("/api/v1/things", {"name": "b"}, format="json", HTTP_IDEMPOTENCY_KEY="k")

    assert response.status_code == 422
    assert response.json()["errors"][0]["code"] == "idempotency_key_reused"
    assert things() == 1


@pytest.mark.django_db
def test_a_failed_request_is_not_remembered(alice: User, auth_client) -> None:
    client = auth_client(alice)

    bad = client.post("/api/v1/things", {"name": ""}, format="json", HTTP_IDEMPOTENCY_KEY="k")
    good = client.post("/api/v1/things", {"name": ""}, format="json", HTTP_IDEMPOTENCY_KEY="k")

    assert bad.status_code == good.status_code == 400
    assert "Idempotent-Replayed" not in good


@pytest.mark.django_db
def test_an_overlong_key_is_a_400(alice: User, auth_client) -> None:
    response = auth_client(alice).post(
        "/api/v1/things", {"name": "a"}, format="json", HTTP_IDEMPOTENCY_KEY="k" * 256
    )

    assert response.status_code == 400
    assert response.json()["errors"][0]["code"] == "invalid_idempotency_key"


@pytest.mark.django_db(transaction=True)
def test_concurrent_repeats_act_once(alice: User, auth_client) -> None:
    results: list[int] = []

    def send() -> None:
        try:
            response = auth_client(alice).post(
                "/api/v1/things", {"name": "a"}, format="json", HTTP_IDEMPOTENCY_KEY="same"
            )
            results.append(response.json()["id"])
        finally:
            connection.close()

    threads = [threading.Thread(target=send) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len(results) == 8
    assert len(set(results)) == 1
    assert things() == 1
