"""Cross-app pages: the landing page and the signed-in home."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET

from apps.accounts import selectors as account_selectors


@require_GET
def landing(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("web:home")
    return render(request, "web/landing.html")


@login_required
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    profile = account_selectors.profile_get_own(user=request.user)
    if profile.onboarded_at is None:
        return redirect("accounts:onboarding")
    context = {
        "profile": profile,
        "email_verified": account_selectors.user_email_verified(user=request.user),
    }
    return render(request, "web/home.html", context)
