"""Django's and allauth's authentication backends, loading the signed-in user with their
account state joined in, so the per-request check for suspensions and bans
(`AccountRestrictionMiddleware`) needs no query of its own."""

from typing import Any

from allauth.account.auth_backends import AuthenticationBackend as AllauthBackend
from django.contrib.auth.backends import ModelBackend as DjangoModelBackend

from apps.safety.selectors import user_with_account_state


class _JoinedAccountState:
    def get_user(self, user_id: Any) -> Any:
        user = user_with_account_state(user_id=user_id)
        return user if user is not None and self.user_can_authenticate(user) else None  # type: ignore[attr-defined]


class ModelBackend(_JoinedAccountState, DjangoModelBackend):
    pass


class AuthenticationBackend(_JoinedAccountState, AllauthBackend):
    pass
