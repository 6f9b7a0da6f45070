"""Accounts API: register, verify, tokens with rotation and revocation, password reset."""

import json

import pytest
from django.core import mail
from pytest_django import Settings
from rest_framework.test import APIClient

from apps.accounts.models import Profile, User
from tests.factories.accounts import PASSWORD, UserFactory
from tests.support.mail import verification_key

pytestmark = pytest.mark.django_db

REGISTER = "/api/v1/auth/register"


def error_codes(response) -> dict[str | None, str]:
    return {e["attr"]: e["code"] for e in response.json()["errors"]}


@pytest.fixture
def file_mail(settings: Settings, tmp_path) -> str:
    settings.EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    settings.EMAIL_FILE_PATH = str(tmp_path / "mail")
    return settings.EMAIL_FILE_PATH


def register(client: APIClient, **overrides: str):
    body = {
        "email": "New.Person@Example.com",
        "password": PASSWORD,
        "display_name": "Nia",
    } | overrides
    return client.post(REGISTER, body, format="json")


def test_register_creates_an_unverified_account_and_sends_the_verification_email(
    api_client: APIClient, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        response = register(api_client)

    assert response.status_code == 201
    body = response.json()
    assert body == {
        "id": body["id"],
        "email": "new.person@example.com",
        "display_name": "Nia",
        "email_verified": False,
    }
    assert Profile.objects.get(user_id=body["id"]).display_name == "Nia"
    assert len(mail.outbox) == 1
    assert "/accounts/confirm-email/" in mail.outbox[0].body


def test_register_rejects_a_taken_email_in_any_case(api_client: APIClient) -> None:
    UserFactory(email="taken@example.com")

    response = register(api_client, email="TAKEN@example.com")

    assert response.status_code == 400
    assert error_codes(response) == {"email": "email_taken"}


def test_register_reports_every_bad_field_and_saves_nothing(api_client: APIClient) -> None:
    response = register(api_client, email="not-an-email", password="123", display_name="   ")

    assert response.status_code == 400
    assert {"email", "display_name"} <= set(error_codes(response))
    assert not User.objects.exists()


def test_register_rejects_a_weak_password_with_the_reason(api_client: APIClient) -> None:
    response = register(api_client, password="password1")

    assert response.status_code == 400
    attrs = [e["attr"] for e in response.json()["errors"]]
    assert attrs
    assert set(attrs) == {"password"}
    assert not User.objects.exists()


def test_malformed_json_is_a_400_in_the_contract_shape(api_client: APIClient) -> None:
    response = api_client.generic("POST", REGISTER, "{not json", content_type="application/json")

    assert response.status_code == 400
    assert response.json()["errors"][0]["code"] == "parse_error"


def test_oversized_body_is_refused_with_413_json(api_client: APIClient, settings: Settings) -> None:
    body = json.dumps({"email": "a@example.com", "password": "x" * 200_000, "display_name": "A"})

    response = api_client.generic("POST", REGISTER, body, content_type="application/json")

    assert response.status_code == 413
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["errors"][0]["code"] == "request_too_large"


def test_verify_email_with_the_key_from_the_email(
    api_client: APIClient, auth_client, file_mail: str, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        user_id = register(api_client).json()["id"]
    key = verification_key(file_mail)

    response = api_client.post("/api/v1/auth/verify-email", {"key": key}, format="json")
    again = api_client.post("/api/v1/auth/verify-email", {"key": key}, format="json")

    assert response.status_code == 200
    assert response.json() == {"email": "new.person@example.com", "email_verified": True}
    assert again.status_code == 200
    me = auth_client(User.objects.get(pk=user_id)).get("/api/v1/me").json()
    assert me["email_verified"] is True


def test_verify_email_with_a_forged_key_is_a_400(api_client: APIClient) -> None:
    response = api_client.post(
        "/api/v1/auth/verify-email", {"key": "MzAy:forged:key"}, format="json"
    )

    assert response.status_code == 400
    assert error_codes(response) == {"key": "invalid_key"}


def test_token_pair_from_email_and_password(api_client: APIClient) -> None:
    UserFactory(email="dana@example.com")

    response = api_client.post(
        "/api/v1/auth/token", {"email": "dana@example.com", "password": PASSWORD}, format="json"
    )

    assert response.status_code == 200
    assert set(response.json()) == {"access", "refresh"}
    me = api_client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {response.json()['access']}")
    assert me.status_code == 200


def test_wrong_password_gets_401(api_client: APIClient) -> None:
    UserFactory(email="dana@example.com")

    response = api_client.post(
        "/api/v1/auth/token",
        {"email": "dana@example.com", "password": "wrong-password-1"},
        format="json",
    )

    assert response.status_code == 401
    assert response.json()["type"] == "client_error"


def test_refresh_rotates_and_revokes_the_old_refresh_token(api_client: APIClient) -> None:
    UserFactory(email="dana@example.com")
    first = api_client.post(
        "/api/v1/auth/token", {"email": "dana@example.com", "password": PASSWORD}, format="json"
    ).json()

    rotated = api_client.post(
        "/api/v1/auth/token/refresh", {"refresh": first["refresh"]}, format="json"
    )
    reused = api_client.post(
        "/api/v1/auth/token/refresh", {"refresh": first["refresh"]}, format="json"
    )

    assert rotated.status_code == 200
    assert set(rotated.json()) == {"access", "refresh"}
    assert rotated.json()["refresh"] != first["refresh"]
    assert reused.status_code == 401


def test_logout_revokes_the_refresh_token(api_client: APIClient) -> None:
    UserFactory(email="dana@example.com")
    tokens = api_client.post(
        "/api/v1/auth/token", {"email": "dana@example.com", "password": PASSWORD}, format="json"
    ).json()

    logout = api_client.post("/api/v1/auth/logout", {"refresh": tokens["refresh"]}, format="json")
    logout_again = api_client.post(
        "/api/v1/auth/logout", {"refresh": tokens["refresh"]}, format="json"
    )
    refresh = api_client.post(
        "/api/v1/auth/token/refresh", {"refresh": tokens["refresh"]}, format="json"
    )

    assert logout.status_code == 204
    assert logout_again.status_code == 204
    assert refresh.status_code == 401


def test_logout_with_garbage_is_a_400(api_client: APIClient) -> None:
    response = api_client.post("/api/v1/auth/logout", {"refresh": "garbage"}, format="json")

    assert response.status_code == 400
    assert error_codes(response) == {"refresh": "token_not_valid"}


def test_password_reset_answers_the_same_whether_or_not_the_email_is_registered(
    api_client: APIClient,
) -> None:
    UserFactory(email="known@example.com")

    known = api_client.post(
        "/api/v1/auth/password-reset", {"email": "known@example.com"}, format="json"
    )
    unknown = api_client.post(
        "/api/v1/auth/password-reset", {"email": "nobody@example.com"}, format="json"
    )

    assert (
        (known.status_code, known.content) == (unknown.status_code, unknown.content) == (202, b"")
    )
    reset_mail = [m for m in mail.outbox if m.to == ["known@example.com"]]
    assert len(reset_mail) == 1
    assert "/accounts/password/reset/key/" in reset_mail[0].body


def test_unknown_api_url_is_json_404(api_client: APIClient) -> None:
    response = api_client.get("/api/v1/does-not-exist")

    assert response.status_code == 404
    assert response.json()["errors"][0]["code"] == "not_found"
