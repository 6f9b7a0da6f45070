"""Shared fixtures: API clients and personas. App-specific fixtures live beside their tests."""

from collections.abc import Callable
from pathlib import Path

import pytest
from pytest_django import Settings
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import RefreshToken

from apps.accounts.models import User
from tests.factories.accounts import ProfileFactory


@pytest.fixture(autouse=True)
def _isolated_cache(settings: Settings) -> None:
    """Each test gets a fresh cache namespace, so rate limits and locks never leak between tests."""
    import uuid

    settings.CACHES = {
        "default": {**settings.CACHES["default"], "KEY_PREFIX": f"test-{uuid.uuid4().hex}"}
    }


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings: Settings) -> None:
    """Argon2 is deliberately slow; tests create hundreds of accounts. Production keeps Argon2
    (tests/core/test_service_endpoints.py checks the real settings)."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _mail_dir(settings: Settings, tmp_path: Path) -> None:
    settings.EMAIL_FILE_PATH = str(tmp_path / "mail")


def ensure_reference_data() -> None:
    from apps.accounts.models import Interest, InterestCategory
    from apps.accounts.taxonomy import load_taxonomy

    if not Interest.objects.exists():
        load_taxonomy(InterestCategory, Interest)


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup: None, django_db_blocker) -> None:
    """A reused test database may have been flushed by a transactional test of the last run."""
    with django_db_blocker.unblock():
        ensure_reference_data()


@pytest.fixture(autouse=True)
def _reference_data(request: pytest.FixtureRequest) -> None:
    """Transactional tests flush every table, including the data migrations' reference data
    (the interest taxonomy); put it back for them. Other tests roll back and keep it."""
    marker = request.node.get_closest_marker("django_db")
    transactional = (marker is not None and marker.kwargs.get("transaction")) or (
        "transactional_db" in request.fixturenames or "live_server" in request.fixturenames
    )
    if not transactional:
        return
    request.getfixturevalue("transactional_db")
    ensure_reference_data()


@pytest.fixture
def api_client() -> APIClient:
    return APIClient()


@pytest.fixture
def auth_client() -> Callable[[User], APIClient]:
    """`auth_client(user)`: an API client carrying that user's bearer token."""

    def make(user: User) -> APIClient:
        client = APIClient()
        token = RefreshToken.for_user(user)
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {token.access_token}")
        return client

    return make


@pytest.fixture
def alice(db: None) -> User:
    return ProfileFactory(display_name="Alice", user__email="alice@example.com").user


@pytest.fixture
def bob(db: None) -> User:
    return ProfileFactory(display_name="Bob", user__email="bob@example.com").user


@pytest.fixture
def carol(db: None) -> User:
    return ProfileFactory(display_name="Carol", user__email="carol@example.com").user


@pytest.fixture
def browser_page(monkeypatch: pytest.MonkeyPatch):
    """A fresh headless Chromium page. Use with `live_server` and a transactional database.

    Playwright's sync API runs an event loop in this thread, so Django's async-safety guard
    must be told that the ORM calls the test makes in between are fine.
    """
    from tests.support.browser import chromium_page

    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with chromium_page() as page:
        yield page
