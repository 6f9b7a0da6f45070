from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.dispatch import Signal

from apps.accounts.models import User
from tests.factories.accounts import UserFactory


@pytest.fixture
def moderator(db: None) -> User:
    return UserFactory(email="mod@example.com", is_staff=True, is_superuser=True)


@pytest.fixture
def received() -> Iterator[Callable[[Signal], list[dict[str, Any]]]]:
    """`received(signal)` → a list that fills with the kwargs of every send of `signal`."""
    connected: list[tuple[Signal, Callable[..., None]]] = []

    def listen(signal: Signal) -> list[dict[str, Any]]:
        calls: list[dict[str, Any]] = []

        def receiver(sender: Any, **kwargs: Any) -> None:
            calls.append(kwargs)

        signal.connect(receiver, weak=False)
        connected.append((signal, receiver))
        return calls

    yield listen
    for signal, receiver in connected:
        signal.disconnect(receiver)
