from allauth.account.adapter import DefaultAccountAdapter
from django.http import HttpRequest
from django.urls import reverse


class AccountAdapter(DefaultAccountAdapter):
    def get_email_verification_redirect_url(self, email_address: object) -> str:
        # After following the link: finish onboarding first if it is not done.
        return reverse("accounts:profile")

    def get_login_redirect_url(self, request: HttpRequest) -> str:
        return reverse("web:home")
