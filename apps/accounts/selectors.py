"""Reads on accounts and profiles."""

from typing import Any

from allauth.account.models import EmailAddress
from django.db.models import QuerySet

from apps.accounts.models import Interest, Profile, User
from apps.accounts.signals import export_requested


def interest_list() -> QuerySet[Interest]:
    return Interest.objects.select_related("category").order_by("category__position", "name")


def profile_get_own(*, user: User) -> Profile:
    """The caller's own profile, created on first access for accounts made outside sign-up
    (createsuperuser, admin)."""
    profile = (
        Profile.objects.select_related("user")
        .prefetch_related("interests")
        .filter(user=user)
        .first()
    )
    if profile is None:
        profile = Profile.objects.create(user=user, display_name=user.email.split("@")[0][:50])
    return profile


def user_email_verified(*, user: User) -> bool:
    return EmailAddress.objects.filter(user=user, verified=True).exists()


def home_as_dict(profile: Profile) -> dict[str, Any] | None:
    if profile.home is None:
        return None
    return {"lat": profile.home.y, "lng": profile.home.x, "area_label": profile.area_label}


def profile_as_owner_dict(*, profile: Profile, email_verified: bool) -> dict[str, Any]:
    """Everything the owner may see of their own profile, in the contract's Profile shape."""
    return {
        "id": profile.user_id,
        "email": profile.user.email,
        "display_name": profile.display_name,
        "bio": profile.bio,
        "birth_year": profile.birth_year,
        "email_verified": email_verified,
        "interests": sorted(i.slug for i in profile.interests.all()),
        "home": home_as_dict(profile),
        "timezone": profile.timezone,
        "max_travel_km": profile.max_travel_km,
        "venue_kinds": profile.venue_kinds,
        "group_size": profile.group_size,
        "availability": profile.availability,
        "languages": profile.languages,
        "open_to_meet": profile.open_to_meet,
        "notify": {
            "email": profile.notify_email,
            "push": profile.notify_push,
            "reminder_hours": profile.reminder_hours,
        },
        "age_min": profile.age_min,
        "age_max": profile.age_max,
        "contact": profile.contact,
        "onboarded": profile.onboarded_at is not None,
    }


def account_export(*, user: User) -> dict[str, Any]:
    """Everything MatchUp stores about `user`, as JSON-ready data (the right of access)."""
    profile = profile_get_own(user=user)
    data: dict[str, Any] = {
        "account": {
            "id": user.pk,
            "email": user.email,
            "date_joined": user.date_joined.isoformat(),
            "last_login": user.last_login.isoformat() if user.last_login else None,
            "email_addresses": [
                {"email": a.email, "verified": a.verified, "primary": a.primary}
                for a in EmailAddress.objects.filter(user=user).order_by("pk")
            ],
        },
        "profile": profile_as_owner_dict(
            profile=profile, email_verified=user_email_verified(user=user)
        ),
    }
    for _receiver, section in export_requested.send(sender=User, user=user):
        if section:
            name, payload = section
            data[name] = payload
    return data
