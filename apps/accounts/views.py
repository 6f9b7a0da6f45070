"""Web pages for a person's own profile: onboarding, view, edit, export, delete."""

import json

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from apps.accounts import selectors, services
from apps.accounts.forms import DAY_BLOCKS, WEEKDAYS, DeleteAccountForm, OnboardingForm, ProfileForm
from apps.accounts.models import Profile
from apps.core.errors import DomainError


def _save_profile_form(form: ProfileForm, profile: Profile) -> bool:
    """Apply a valid form through the services, all or nothing; errors go back on the form."""
    try:
        with transaction.atomic():
            services.profile_update(profile=profile, changes=form.profile_changes())
            home = form.home_change()
            if home is not None:
                services.profile_set_home(profile=profile, **home)
    except ValidationError as exc:
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
        return False
    except DomainError as exc:
        field = exc.attr if exc.attr in form.fields else None
        if exc.attr in {"lat", "lng"}:
            field = "address"
        form.add_error(field, exc.detail)
        return False
    return True


def _grid_context(form: ProfileForm) -> dict[str, object]:
    if "availability" not in form.fields:
        return {}
    checked = set(form["availability"].value() or [])
    rows = [
        {
            "day": WEEKDAYS[day],
            "cells": [
                {
                    "value": f"{day}-{block}",
                    "label": f"{WEEKDAYS[day]} {label.lower()}",
                    "checked": f"{day}-{block}" in checked,
                }
                for block, label, _, _ in DAY_BLOCKS
            ],
        }
        for day in range(7)
    ]
    return {"grid_rows": rows, "grid_blocks": DAY_BLOCKS}


@login_required
@require_http_methods(["GET", "POST"])
def onboarding(request: HttpRequest) -> HttpResponse:
    profile = selectors.profile_get_own(user=request.user)
    form = OnboardingForm(request.POST or None, profile=profile)
    if request.method == "POST" and form.is_valid() and _save_profile_form(form, profile):
        services.profile_mark_onboarded(profile=profile)
        messages.success(request, "You're all set. We'll suggest a meetup when we find a good one.")
        return redirect("accounts:profile")
    context = {"form": form, "profile": profile, **_grid_context(form)}
    return render(request, "accounts/onboarding.html", context)


@login_required
@require_GET
def profile_detail(request: HttpRequest) -> HttpResponse:
    profile = selectors.profile_get_own(user=request.user)
    if profile.onboarded_at is None:
        return redirect("accounts:onboarding")
    context = {
        "profile": profile,
        "interests": list(profile.interests.select_related("category")),
        "email_verified": selectors.user_email_verified(user=request.user),
        "availability_rows": [
            {"day": WEEKDAYS[slot["weekday"]], "start": slot["start"], "end": slot["end"]}
            for slot in profile.availability
        ],
    }
    return render(request, "accounts/profile_detail.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def profile_edit(request: HttpRequest) -> HttpResponse:
    profile = selectors.profile_get_own(user=request.user)
    form = ProfileForm(request.POST or None, profile=profile)
    if request.method == "POST" and form.is_valid() and _save_profile_form(form, profile):
        services.profile_mark_onboarded(profile=profile)
        messages.success(request, "Profile saved.")
        return redirect("accounts:profile")
    context = {"form": form, "profile": profile, **_grid_context(form)}
    return render(request, "accounts/profile_edit.html", context)


@login_required
@require_GET
def account_export(request: HttpRequest) -> HttpResponse:
    data = selectors.account_export(user=request.user)
    response = HttpResponse(
        json.dumps(data, indent=2, ensure_ascii=False, default=str),
        content_type="application/json; charset=utf-8",
    )
    response["Content-Disposition"] = 'attachment; filename="matchup-export.json"'
    return response


@login_required
@require_http_methods(["GET", "POST"])
def account_delete(request: HttpRequest) -> HttpResponse:
    form = DeleteAccountForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.account_delete(user=request.user, password=form.cleaned_data["password"])
        except ValidationError as exc:
            form.add_error("password", exc.message_dict.get("password", exc.messages))
        else:
            logout(request)
            messages.success(request, "Your account and personal data have been deleted.")
            return redirect("web:landing")
    return render(request, "accounts/account_delete.html", {"form": form})
