"""Suspended and banned accounts are refused by the API on every request, and when tokens are
issued or refreshed: 403 `account_suspended` / `account_banned` in the contract's error shape.

Kept free of DRF views and our exception handler: DRF imports this module while it starts.
"""

from typing import Any

from rest_framework import exceptions
from rest_framework_simplejwt import authentication
from rest_framework_simplejwt.settings import api_settings
from rest_framework_simplejwt.tokens import Token

from apps.safety.selectors import Restriction, user_restriction


class AccountRestricted(exceptions.PermissionDenied):
    """403 `account_suspended` / `account_banned`, in the contract's error shape."""

    def __init__(self, restriction: Restriction) -> None:
        super().__init__(detail=restriction.detail, code=restriction.code)


def ensure_not_restricted(user_id: int) -> None:
    restriction = user_restriction(user_id=user_id)
    if restriction is not None:
        raise AccountRestricted(restriction)


class JWTAuthentication(authentication.JWTAuthentication):
    """SimpleJWT's bearer authentication, refusing suspended and banned accounts before the
    user row is even read (one cache read per request)."""

    def get_user(self, validated_token: Token) -> Any:
        user_id = validated_token.get(api_settings.USER_ID_CLAIM)
        if user_id is not None:
            ensure_not_restricted(int(user_id))
        return super().get_user(validated_token)


def user_authentication_rule(user: Any) -> bool:
    """SIMPLE_JWT's USER_AUTHENTICATION_RULE, applied when tokens are issued and refreshed."""
    if user is not None:
        ensure_not_restricted(user.pk)
    return user is not None and user.is_active
