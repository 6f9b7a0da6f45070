"""Hostile input: schemathesis generates requests from our own OpenAPI schema — valid and
invalid — and sends them, signed in, to every operation. Nothing may answer 5xx, and every
response must match the schema (status documented, content type, body shape)."""

from collections.abc import Iterator

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from pytest_django import Settings
from rest_framework_simplejwt.tokens import RefreshToken
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from apps.accounts.models import User
from tests.factories.events import EventFactory

MAX_EXAMPLES_PER_OPERATION = 20
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


@pytest.fixture(autouse=True)
def _requests_keep_the_test_connection(settings: Settings) -> Iterator[None]:
    settings.RATE_LIMITS_ENABLED = False
    settings.LOGIN_LOCKOUT_ENABLED = False
    # As Django's test client does: requests must not close the test transaction's connection.
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


@pytest.fixture
def bearer(alice: User) -> dict[str, str]:
    # Something to find: an event near Munich, so list endpoints return rows to validate.
    EventFactory(attendees=2)
    return {"Authorization": f"Bearer {RefreshToken.for_user(alice).access_token}"}


# Loaded at collection: generating the schema needs no database.
schema = schemathesis.openapi.from_wsgi("/api/v1/schema?format=json", get_wsgi_application())


@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES_PER_OPERATION,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)
@pytest.mark.django_db
def test_no_request_breaks_the_api(case: schemathesis.Case, bearer: dict[str, str]) -> None:
    case.call_and_validate(headers=bearer, checks=CHECKS)
