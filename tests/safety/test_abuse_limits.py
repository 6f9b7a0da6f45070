"""Rate limits (429 + Retry-After) and the brute-force lockout, on the API and the web."""

import pytest
from django.test import Client
from pytest_django import Settings
from rest_framework.test import APIClient

from apps.accounts.models import User
from tests.factories.accounts import PASSWORD, ProfileFactory

pytestmark = pytest.mark.django_db

TOKEN = "/api/v1/auth/token"
WRONG = "not-the-password-1"


@pytest.fixture
def rates(settings: Settings):
    """`rates(scope="N/period", …)`: lower some API limits for this test."""

    def set_rates(**overrides: str) -> None:
        settings.API_RATE_LIMITS = {**settings.API_RATE_LIMITS, **overrides}

    return set_rates


def assert_throttled(response) -> None:
    assert response.status_code == 429
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["type"] == "client_error"
    assert response.json()["errors"][0]["code"] == "throttled"
    assert int(response["Retry-After"]) >= 1


def login(client: APIClient, email: str, password: str, **extra: str):
    return client.post(TOKEN, {"email": email, "password": password}, format="json", **extra)


# --- API rate limits --------------------------------------------------------------------------
def test_token_requests_are_limited_per_address(api_client: APIClient, alice: User, rates) -> None:
    rates(auth_token="3/min")

    answers = [login(api_client, alice.email, PASSWORD).status_code for _ in range(3)]
    fourth = login(api_client, alice.email, PASSWORD)

    assert answers == [200, 200, 200]
    assert_throttled(fourth)
    assert int(fourth["Retry-After"]) <= 60


def test_a_forged_forwarded_for_header_does_not_dodge_the_limit(
    api_client: APIClient, alice: User, rates
) -> None:
    rates(auth_token="2/min")

    answers = [
        login(api_client, alice.email, PASSWORD, HTTP_X_FORWARDED_FOR=f"10.0.0.{n}").status_code
        for n in range(3)
    ]

    assert answers == [200, 200, 429]


def test_behind_a_trusted_proxy_the_forwarded_address_counts(
    api_client: APIClient, alice: User, rates, settings: Settings
) -> None:
    rates(auth_token="1/min")
    settings.TRUSTED_PROXY_COUNT = 1

    first = login(api_client, alice.email, PASSWORD, HTTP_X_FORWARDED_FOR="203.0.113.1")
    other = login(api_client, alice.email, PASSWORD, HTTP_X_FORWARDED_FOR="203.0.113.2")
    again = login(api_client, alice.email, PASSWORD, HTTP_X_FORWARDED_FOR="203.0.113.1")

    assert (first.status_code, other.status_code, again.status_code) == (200, 200, 429)


def test_sign_ups_and_password_resets_are_limited(api_client: APIClient, rates) -> None:
    rates(auth_register="1/h", auth_password_reset="1/h")
    body = {"email": "new@example.com", "password": PASSWORD, "display_name": "Nia"}

    assert api_client.post("/api/v1/auth/register", body, format="json").status_code == 201
    assert_throttled(
        api_client.post(
            "/api/v1/auth/register", {**body, "email": "other@example.com"}, format="json"
        )
    )
    reset = {"email": "new@example.com"}
    assert api_client.post("/api/v1/auth/password-reset", reset, format="json").status_code == 202
    assert_throttled(api_client.post("/api/v1/auth/password-reset", reset, format="json"))


def test_writes_are_limited_per_person_but_reads_are_not(
    auth_client, alice: User, bob: User, rates
) -> None:
    rates(writes="2/min")
    client = auth_client(alice)
    people = [ProfileFactory().user for _ in range(3)]

    writes = [
        client.post("/api/v1/blocks", {"user_id": p.pk}, format="json").status_code for p in people
    ]
    read = client.get("/api/v1/blocks")
    someone_else = auth_client(bob).post("/api/v1/blocks", {"user_id": alice.pk}, format="json")

    assert writes == [201, 201, 429]
    assert read.status_code == 200
    assert someone_else.status_code == 201


def test_reports_have_their_own_limit(auth_client, alice: User, bob: User, rates) -> None:
    rates(reports="1/day")
    client = auth_client(alice)

    first = client.post("/api/v1/reports", {"user_id": bob.pk, "reason": "spam"}, format="json")
    second = client.post("/api/v1/reports", {"user_id": bob.pk, "reason": "fake"}, format="json")

    assert first.status_code == 201
    assert_throttled(second)
    assert int(second["Retry-After"]) > 3600


def test_limits_can_be_switched_off(api_client: APIClient, alice: User, rates, settings) -> None:
    rates(auth_token="1/min")
    settings.RATE_LIMITS_ENABLED = False

    answers = [login(api_client, alice.email, PASSWORD).status_code for _ in range(3)]

    assert answers == [200, 200, 200]


# --- Web rate limits --------------------------------------------------------------------------
def test_web_sign_up_is_limited_with_retry_after(client: Client, settings: Settings) -> None:
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "signup": "1/h/ip"}

    def sign_up(email: str):
        return client.post(
            "/accounts/signup/",
            {"email": email, "password1": PASSWORD, "password2": PASSWORD, "display_name": "Nia"},
        )

    first = sign_up("nia@example.com")
    client.logout()
    second = sign_up("noa@example.com")

    assert first.status_code == 302
    assert second.status_code == 429
    assert second["Retry-After"] == "60"
    assert b"Too many requests" in second.content
    assert not User.objects.filter(email="noa@example.com").exists()


def test_web_reports_are_limited_with_retry_after(
    client: Client, alice: User, bob: User, rates
) -> None:
    rates(reports="1/day")
    client.force_login(alice)
    report = {"user_id": bob.pk, "reason": "spam", "details": ""}

    first = client.post("/safety/report/", report)
    second = client.post("/safety/report/", {**report, "reason": "fake"})

    assert first.status_code == 302
    assert second.status_code == 429
    assert int(second["Retry-After"]) > 3600


# --- Brute-force lockout ----------------------------------------------------------------------
def test_api_locks_out_after_repeated_failures_even_with_the_right_password(
    api_client: APIClient, alice: User, settings: Settings
) -> None:
    settings.AXES_FAILURE_LIMIT = 3

    failures = [login(api_client, alice.email, WRONG).status_code for _ in range(2)]
    third = login(api_client, alice.email, WRONG)
    right_password = login(api_client, alice.email, PASSWORD)

    assert failures == [401, 401]
    assert_throttled(third)
    assert_throttled(right_password)
    assert right_password["Retry-After"] == str(15 * 60)
    assert "Too many failed logins" in right_password.json()["errors"][0]["detail"]


def test_the_lockout_is_per_account_and_address(
    api_client: APIClient, alice: User, bob: User, settings: Settings
) -> None:
    settings.AXES_FAILURE_LIMIT = 2
    for _ in range(2):
        login(api_client, alice.email, WRONG)

    other_account = login(api_client, bob.email, PASSWORD)
    other_address = login(api_client, alice.email, PASSWORD, REMOTE_ADDR="198.51.100.7")
    email_case = login(api_client, alice.email.upper(), PASSWORD)

    assert other_account.status_code == 200
    assert other_address.status_code == 200
    assert email_case.status_code == 429


def test_a_successful_login_clears_earlier_failures(
    api_client: APIClient, alice: User, settings: Settings
) -> None:
    settings.AXES_FAILURE_LIMIT = 3
    for _ in range(2):
        login(api_client, alice.email, WRONG)

    assert login(api_client, alice.email, PASSWORD).status_code == 200
    answers = [login(api_client, alice.email, WRONG).status_code for _ in range(2)]

    assert answers == [401, 401]


def test_web_login_locks_out_with_a_page_that_says_when(
    client: Client, alice: User, settings: Settings
) -> None:
    settings.AXES_FAILURE_LIMIT = 3

    def web_login(password: str):
        return client.post("/accounts/login/", {"login": alice.email, "password": password})

    failures = [web_login(WRONG).status_code for _ in range(2)]
    locked = web_login(WRONG)
    right_password = web_login(PASSWORD)

    assert failures == [200, 200]
    for response in (locked, right_password):
        assert response.status_code == 429
        assert response["Retry-After"] == str(15 * 60)
        assert b"Too many failed logins" in response.content
        assert b"15 minutes" in response.content
    assert "_auth_user_id" not in client.session


def test_web_and_api_failures_add_up(
    client: Client, api_client: APIClient, alice: User, settings: Settings
) -> None:
    settings.AXES_FAILURE_LIMIT = 3
    for _ in range(2):
        client.post("/accounts/login/", {"login": alice.email, "password": WRONG})

    assert_throttled(login(api_client, alice.email, WRONG))
    assert (
        client.post("/accounts/login/", {"login": alice.email, "password": PASSWORD}).status_code
        == 429
    )


def test_lockout_can_be_switched_off(
    api_client: APIClient, alice: User, settings: Settings
) -> None:
    settings.AXES_FAILURE_LIMIT = 2
    settings.AXES_ENABLED = False
    for _ in range(3):
        login(api_client, alice.email, WRONG)

    assert login(api_client, alice.email, PASSWORD).status_code == 200


def test_a_test_client_login_without_a_request_still_works(client: Client, alice: User) -> None:
    assert client.login(email=alice.email, password=PASSWORD)
