"""allauth adapter: the accounts one, plus the safety rules for web logins (accounts sits below
safety and cannot ask it): suspended and banned people are told why they cannot log in, and
the client address is the same one the API's limits use."""

from typing import Any

from django.contrib.auth.base_user import AbstractBaseUser
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from apps.accounts.adapters import AccountAdapter
from apps.safety.ratelimit import client_ip
from apps.safety.selectors import user_restriction


class SafetyAccountAdapter(AccountAdapter):
    def pre_login(
        self, request: HttpRequest, user: AbstractBaseUser, **kwargs: Any
    ) -> HttpResponse | None:
        restricted = self._respond_restricted(request, user)
        if restricted is not None:
            return restricted
        return super().pre_login(request, user, **kwargs)

    def respond_user_inactive(self, request: HttpRequest, user: AbstractBaseUser) -> HttpResponse:
        restricted = self._respond_restricted(request, user)
        if restricted is not None:
            return restricted
        return super().respond_user_inactive(request, user)

    def get_client_ip(self, request: HttpRequest) -> str:
        return client_ip(request) or super().get_client_ip(request)

    @staticmethod
    def _respond_restricted(request: HttpRequest, user: AbstractBaseUser) -> HttpResponse | None:
        restriction = user_restriction(user_id=user.pk)
        if restriction is None:
            return None
        from allauth.account.internal.stagekit import clear_login

        clear_login(request)
        return render(
            request, "safety/account_restricted.html", {"restriction": restriction}, status=403
        )
