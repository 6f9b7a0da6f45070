"""Token issuing for the API (SIMPLE_JWT's TOKEN_OBTAIN_SERIALIZER): a locked-out caller gets
429 with `Retry-After`; a banned person who knows their password is told so."""

from typing import Any

from axes.handlers.proxy import AxesProxyHandler
from django.contrib.auth import get_user_model
from rest_framework import exceptions
from rest_framework_simplejwt import serializers as jwt_serializers

from apps.safety.authentication import ensure_not_restricted
from apps.safety.lockout import LOCKOUT_DETAIL, lockout_seconds


class LoginLockedOut(exceptions.Throttled):
    default_code = "throttled"

    def __init__(self, wait: float) -> None:
        super().__init__(wait=wait, detail=LOCKOUT_DETAIL)


class TokenObtainPairSerializer(jwt_serializers.TokenObtainPairSerializer):
    """`{email, password}` → tokens; a locked-out caller gets 429 with `Retry-After`, and a
    banned person with the right password is told so (403 `account_banned`), not 401."""

    def validate(self, attrs: dict[str, Any]) -> dict[str, str]:
        request = self.context.get("request")
        try:
            data = super().validate(attrs)
        except exceptions.AuthenticationFailed:
            if request is not None and getattr(request, "axes_locked_out", False):
                raise LoginLockedOut(wait=lockout_seconds()) from None
            self._explain_inactive(attrs)
            raise
        if request is not None:
            # A successful API login clears the failures, like a web login (AXES_RESET_ON_SUCCESS).
            AxesProxyHandler.user_logged_in(sender=type(self), request=request, user=self.user)
        return data

    def _explain_inactive(self, attrs: dict[str, Any]) -> None:
        # Django's backends refuse inactive (banned) accounts before checking the password;
        # say why only to someone who knows the password.
        model = get_user_model()
        email = str(attrs.get(self.username_field, "")).strip().lower()
        user = model._default_manager.filter(email__iexact=email, is_active=False).first()
        if user is not None and user.check_password(attrs.get("password", "")):
            ensure_not_restricted(user.pk)
