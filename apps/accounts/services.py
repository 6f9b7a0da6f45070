"""Writes on accounts and profiles. Web forms and API views both go through these."""

from datetime import datetime
from typing import Any

from allauth.account import app_settings as allauth_settings
from allauth.account.models import EmailAddress, EmailConfirmation, EmailConfirmationHMAC
from allauth.core import context as allauth_context
from django.contrib.auth.password_validation import validate_password
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone

from apps.accounts.models import Profile, User
from apps.accounts.signals import user_deleting
from apps.accounts.validation import clean_display_name, clean_profile_changes
from apps.core.errors import DomainError
from apps.core.geo import point, timezone_at, validate_lat_lng
from apps.core.geocoding import area_label_at, geocode


class InvalidVerificationKey(DomainError):
    code = "invalid_key"
    default_detail = "This verification link is invalid or has expired."


def normalize_email(email: str) -> str:
    return User.objects.normalize_email(email.strip()).lower()


def email_is_taken(email: str) -> bool:
    return User.objects.filter(email__iexact=normalize_email(email)).exists()


def profile_create(*, user: User, display_name: str) -> Profile:
    profile, _ = Profile.objects.get_or_create(
        user=user, defaults={"display_name": clean_display_name(display_name)}
    )
    return profile


@transaction.atomic
def user_register(*, request: HttpRequest, email: str, password: str, display_name: str) -> User:
    """Create an account with its profile and send the verification email.

    All fields are validated before anything is written; a ValidationError names every bad field.
    """
    errors: dict[str, list[ValidationError]] = {}
    email = normalize_email(email)
    try:
        validate_email(email)
    except ValidationError as exc:
        errors["email"] = exc.error_list
    else:
        if email_is_taken(email):
            errors["email"] = [
                ValidationError(
                    "This email is already registered. Log in, or reset your password.",
                    code="email_taken",
                )
            ]
    try:
        display_name = clean_display_name(display_name)
    except ValidationError as exc:
        errors["display_name"] = exc.error_list
    try:
        validate_password(password, user=User(email=email))
    except ValidationError as exc:
        errors["password"] = exc.error_list
    if errors:
        raise ValidationError(errors)
    try:
        with transaction.atomic():
            user = User.objects.create_user(email=email, password=password)
    except IntegrityError:
        # Two sign-ups with one address at the same moment: the unique index decides.
        raise ValidationError(
            {"email": ValidationError("This email is already registered.", code="email_taken")}
        ) from None
    profile_create(user=user, display_name=display_name)
    address = EmailAddress.objects.create(user=user, email=email, primary=True, verified=False)
    transaction.on_commit(lambda: _send_verification(request=request, address=address))
    return user


def _send_verification(*, request: HttpRequest, address: EmailAddress) -> None:
    # allauth renders mail with the request of its context; after commit we may be outside it.
    with allauth_context.request_context(request):
        address.send_confirmation(request, signup=True)


def email_verify(*, request: HttpRequest, key: str) -> EmailAddress:
    """Confirm an email address from the key in the verification link (web and API alike).

    Repeating a successful verification succeeds again (a phone may resend the request).
    """
    confirmation = EmailConfirmationHMAC.from_key(key) or EmailConfirmation.from_key(key)
    if confirmation is not None:
        address = confirmation.confirm(request)
        if address is not None:
            return address
    already = _verified_address_for_key(key)
    if already is None:
        raise InvalidVerificationKey(attr="key")
    return already


def _verified_address_for_key(key: str) -> EmailAddress | None:
    max_age = 60 * 60 * 24 * allauth_settings.EMAIL_CONFIRMATION_EXPIRE_DAYS
    try:
        pk = signing.loads(key, max_age=max_age, salt=allauth_settings.SALT)
    except signing.BadSignature:
        return None
    return EmailAddress.objects.filter(pk=pk, verified=True).first()


def email_is_verified(user: User) -> bool:
    return EmailAddress.objects.filter(user=user, verified=True).exists()


@transaction.atomic
def profile_update(*, profile: Profile, changes: dict[str, Any]) -> Profile:
    """Apply validated changes to a profile; every error is reported and nothing is saved."""
    cleaned = clean_profile_changes(changes, profile=profile)
    interests = cleaned.pop("interests", None)
    for field, value in cleaned.items():
        setattr(profile, field, value)
    profile.save()
    if interests is not None:
        profile.interests.set(interests)
    return profile


def profile_set_home(
    *,
    profile: Profile,
    lat: float | None = None,
    lng: float | None = None,
    address: str | None = None,
) -> Profile:
    """Set a person's private home from coordinates or a typed address (geocoded).

    The area label comes from the offline gazetteer, and the time zone from the point, so the
    coordinates never leave the server.
    """
    if address is not None and (lat is None and lng is None):
        found = geocode(address)
        lat, lng = found.lat, found.lng
    lat, lng = validate_lat_lng(lat=lat, lng=lng)
    profile.home = point(lat=lat, lng=lng)
    profile.area_label = area_label_at(lat=lat, lng=lng)
    profile.timezone = timezone_at(lat=lat, lng=lng)
    profile.save(update_fields=["home", "area_label", "timezone", "updated_at"])
    return profile


def profile_pause_matching(*, profile: Profile, until: datetime) -> Profile:
    """No meetup suggestions for this person until `until` (no-shows, apps.events). The caller
    holds the profile row (`select_for_update`) when it decided from counts."""
    profile.matching_paused_until = until
    profile.save(update_fields=["matching_paused_until", "updated_at"])
    return profile


def profile_mark_onboarded(*, profile: Profile) -> Profile:
    if profile.onboarded_at is None:
        profile.onboarded_at = timezone.now()
        profile.save(update_fields=["onboarded_at", "updated_at"])
    return profile


@transaction.atomic
def account_delete(*, user: User, password: str) -> None:
    """Delete the account and its personal data, after the password proves it is the owner.

    Other apps release what the person held (seats, organised events) on `user_deleting`.
    """
    if not user.check_password(password or ""):
        raise ValidationError(
            {"password": ValidationError("That password is not correct.", code="wrong_password")}
        )
    user_deleting.send(sender=User, user=user)
    user.delete()
