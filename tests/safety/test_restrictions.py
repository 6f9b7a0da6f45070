"""Suspended and banned people are locked out of the web and the API, with a clear message."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from apps.accounts.models import User
from apps.safety import services
from tests.factories.accounts import PASSWORD

pytestmark = pytest.mark.django_db

TOKEN = "/api/v1/auth/token"


def token_for(client: APIClient, user: User, password: str = PASSWORD):
    return client.post(TOKEN, {"email": user.email, "password": password}, format="json")


def web_login(client: Client, user: User, password: str = PASSWORD):
    return client.post("/accounts/login/", {"login": user.email, "password": password})


def suspend(user: User, moderator: User, days: int = 7) -> None:
    services.user_suspend(
        user=user, until=timezone.now() + timedelta(days=days), moderator=moderator
    )


def error(response) -> tuple[int, str]:
    return response.status_code, response.json()["errors"][0]["code"]


# --- API --------------------------------------------------------------------------------------
def test_a_suspended_person_gets_no_tokens(
    api_client: APIClient, bob: User, moderator: User
) -> None:
    suspend(bob, moderator)

    response = token_for(api_client, bob)

    assert error(response) == (403, "account_suspended")
    assert "suspended by our moderators until" in response.json()["errors"][0]["detail"]


def test_a_suspended_persons_tokens_stop_working(
    api_client: APIClient, bob: User, moderator: User
) -> None:
    tokens = token_for(api_client, bob).json()
    bearer = {"HTTP_AUTHORIZATION": f"Bearer {tokens['access']}"}
    assert api_client.get("/api/v1/me", **bearer).status_code == 200

    suspend(bob, moderator)
    me = api_client.get("/api/v1/me", **bearer)
    refresh = api_client.post(
        "/api/v1/auth/token/refresh", {"refresh": tokens["refresh"]}, format="json"
    )

    assert error(me) == (403, "account_suspended")
    assert error(refresh) == (403, "account_suspended")


def test_after_the_suspension_the_tokens_work_again(
    api_client: APIClient, bob: User, moderator: User
) -> None:
    tokens = token_for(api_client, bob).json()
    suspend(bob, moderator)

    services.user_unsuspend(user=bob, moderator=moderator)

    bearer = {"HTTP_AUTHORIZATION": f"Bearer {tokens['access']}"}
    assert api_client.get("/api/v1/me", **bearer).status_code == 200
    assert token_for(api_client, bob).status_code == 200


def test_a_banned_person_is_told_so_only_with_the_right_password(
    api_client: APIClient, auth_client, bob: User, moderator: User
) -> None:
    client = auth_client(bob)
    services.user_ban(user=bob, moderator=moderator)

    right = token_for(api_client, bob)
    wrong = token_for(api_client, bob, password="not-the-password-1")
    me = client.get("/api/v1/me")

    assert error(right) == (403, "account_banned")
    assert error(wrong) == (401, "no_active_account")
    assert error(me) == (403, "account_banned")


def test_other_people_are_not_affected(
    api_client: APIClient, alice: User, bob: User, moderator: User
) -> None:
    suspend(bob, moderator)

    assert token_for(api_client, alice).status_code == 200


def test_the_account_check_costs_no_query_of_its_own(
    auth_client, alice: User, django_assert_num_queries
) -> None:
    client = auth_client(alice)

    # the user, with the account state joined in + the count of an empty list
    with django_assert_num_queries(2) as captured:
        client.get("/api/v1/blocks")

    assert 'JOIN "safety_accountstatus"' in captured.captured_queries[0]["sql"]


# --- Web --------------------------------------------------------------------------------------
def test_a_suspended_person_cannot_log_in_on_the_web(
    client: Client, bob: User, moderator: User
) -> None:
    suspend(bob, moderator)

    response = web_login(client, bob)

    assert response.status_code == 403
    assert b"This account is suspended" in response.content
    assert "_auth_user_id" not in client.session


def test_a_banned_person_cannot_log_in_on_the_web(
    client: Client, bob: User, moderator: User
) -> None:
    services.user_ban(user=bob, moderator=moderator)

    response = web_login(client, bob)

    assert response.status_code == 403
    assert b"This account has been banned" in response.content
    assert "_auth_user_id" not in client.session


def test_an_open_session_ends_at_the_next_page(client: Client, bob: User, moderator: User) -> None:
    assert web_login(client, bob).status_code == 302
    assert client.get("/me/").status_code in {200, 302}

    suspend(bob, moderator)
    response = client.get("/me/")

    assert response.status_code == 403
    assert b"This account is suspended" in response.content
    assert client.get("/me/").status_code == 302  # logged out: on to the login page


def test_a_session_on_the_api_is_refused_too(client: Client, bob: User, moderator: User) -> None:
    client.force_login(bob)
    suspend(bob, moderator)

    response = client.get("/api/v1/me")

    assert error(response) == (403, "account_suspended")


def test_after_the_suspension_ends_the_web_login_works(
    client: Client, bob: User, moderator: User
) -> None:
    suspend(bob, moderator)
    services.user_unsuspend(user=bob, moderator=moderator)

    assert web_login(client, bob).status_code == 302


def test_the_web_session_check_costs_no_query_of_its_own(client: Client, alice: User) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(alice)

    with CaptureQueriesContext(connection) as captured:
        assert client.get("/me/blocked/").status_code == 200

    sql = [query["sql"] for query in captured.captured_queries]
    assert not [q for q in sql if q.startswith("SELECT") and 'FROM "safety_accountstatus"' in q]
    assert any('JOIN "safety_accountstatus"' in q for q in sql)
