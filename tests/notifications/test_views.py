from collections.abc import Callable

import pytest
from django.test import Client

from apps.accounts.models import User
from apps.notifications.models import Notification
from tests.notifications.test_api import inbox

pytestmark = pytest.mark.django_db


@pytest.fixture
def alice_browser(client: Client, alice: User) -> Client:
    client.force_login(alice)
    return client


def test_the_page_lists_my_notifications_and_the_nav_counts_unread(
    alice_browser: Client, alice: User, bob: User
) -> None:
    inbox(alice, 3, read=1)
    inbox(bob, 4)

    page = alice_browser.get("/notifications/").content.decode()

    assert page.count('<li class="notification') == 3
    assert "Reminder 2" in page
    assert '<span class="badge">2<span class="visually-hidden"> unread</span></span>' in page


def test_marking_one_read_from_the_page(alice_browser: Client, alice: User) -> None:
    first, second = inbox(alice, 2)

    response = alice_browser.post(
        "/notifications/read/", {"id": first.pk, "next": "/notifications/"}
    )

    assert response.status_code == 302
    assert response["Location"] == "/notifications/"
    assert Notification.objects.get(pk=first.pk).read_at is not None
    assert Notification.objects.get(pk=second.pk).read_at is None


def test_marking_all_read_leaves_other_people_alone(
    alice_browser: Client, alice: User, bob: User
) -> None:
    inbox(alice, 2)
    (bobs,) = inbox(bob, 1)

    alice_browser.post("/notifications/read/", {"all": "1"})

    assert not Notification.objects.filter(user=alice, read_at__isnull=True).exists()
    assert Notification.objects.get(pk=bobs.pk).read_at is None


def test_someone_elses_id_is_ignored(alice_browser: Client, bob: User) -> None:
    (bobs,) = inbox(bob, 1)

    alice_browser.post("/notifications/read/", {"id": bobs.pk})

    assert Notification.objects.get(pk=bobs.pk).read_at is None


def test_the_redirect_never_leaves_the_site(alice_browser: Client, alice: User) -> None:
    (mine,) = inbox(alice, 1)

    response = alice_browser.post(
        "/notifications/read/", {"id": mine.pk, "next": "https://evil.example/"}
    )

    assert response["Location"] == "/notifications/"


def test_the_page_needs_a_login(client: Client) -> None:
    response = client.get("/notifications/")

    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_the_unread_filter(alice_browser: Client, alice: User) -> None:
    inbox(alice, 3, read=2)

    page = alice_browser.get("/notifications/?unread=1").content.decode()

    assert page.count('<li class="notification') == 1


def test_the_page_takes_a_fixed_number_of_queries(
    alice_browser: Client, alice: User, django_assert_max_num_queries: Callable
) -> None:
    inbox(alice, 40)

    with django_assert_max_num_queries(8):
        alice_browser.get("/notifications/")
