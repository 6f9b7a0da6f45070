"""Suspended and banned accounts are refused by the API on every request, and when tokens are
issued or refreshed: 403 `account_suspended` / `account_banned` in the contract's error shape.

Kept free of DRF views and our exception handler: DRF imports this module while it starts.
"""

from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework_simplejwt import authentication
from rest_framework_simplejwt.exceptions import AuthenticationFailed, InvalidToken
from rest_framework_simplejwt.settings import api_settings
from rest_framework_simplejwt.tokens import Token
from rest_framework_simplejwt.utils import get_md5_hash_password

from apps.safety.selectors import (
    Restriction,
    restriction_of,
    user_restriction,
    user_with_account_state,
)


class AccountRestricted(exceptions.PermissionDenied):
    """403 `account_suspended` / `account_banned`, in the contract's error shape."""

    def __init__(self, restriction: Restriction) -> None:
        super().__init__(detail=restriction.detail, code=restriction.code)


def ensure_not_restricted(user_id: int) -> None:
    restriction = user_restriction(user_id=user_id)
    if restriction is not None:
        raise AccountRestricted(restriction)


class JWTAuthentication(authentication.JWTAuthentication):
    """SimpleJWT's bearer authentication, refusing suspended and banned accounts. The account
    state comes joined to the user row: no query beyond SimpleJWT's own."""

    def get_user(self, validated_token: Token) -> Any:
        try:
            user_id = validated_token[api_settings.USER_ID_CLAIM]
        except KeyError as exc:
            raise InvalidToken(_("Token contained no recognizable user identification")) from exc
        user = user_with_account_state(user_id=user_id)
        if user is None:
            raise AuthenticationFailed(_("User not found"), code="user_not_found")
        restriction = restriction_of(user)
        if restriction is not None:
            raise AccountRestricted(restriction)
        if api_settings.CHECK_USER_IS_ACTIVE and not user.is_active:
            raise AuthenticationFailed(_("User is inactive"), code="user_inactive")
        if api_settings.CHECK_REVOKE_TOKEN and validated_token.get(
            api_settings.REVOKE_TOKEN_CLAIM
        ) != get_md5_hash_password(user.password):
            raise AuthenticationFailed(
                _("The user's password has been changed."), code="password_changed"
            )
        return user


def user_authentication_rule(user: Any) -> bool:
    """SIMPLE_JWT's USER_AUTHENTICATION_RULE, applied when tokens are issued and refreshed."""
    if user is not None:
        ensure_not_restricted(user.pk)
    return user is not None and user.is_active
