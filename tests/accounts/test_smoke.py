import pytest
from rest_framework.test import APIClient

from apps.accounts.models import User

pytestmark = pytest.mark.django_db


def test_me_returns_the_callers_profile(alice: User, auth_client) -> None:
    response = auth_client(alice).get("/api/v1/me")

    assert response.status_code == 200
    assert response.json()["display_name"] == "Alice"
    assert response.json()["home"]["area_label"] == "Munich, Bavaria, DE"


def test_me_requires_authentication(api_client: APIClient) -> None:
    response = api_client.get("/api/v1/me")

    assert response.status_code == 401
    assert response.json()["errors"][0]["code"] == "not_authenticated"
