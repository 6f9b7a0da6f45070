"""Shared fixtures: API clients and a few personas. App-specific fixtures live beside their tests."""

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
def _mail_dir(settings: Settings, tmp_path: Path) -> None:
    settings.EMAIL_FILE_PATH = str(tmp_path / "mail")


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
