"""The rules a profile must satisfy, shared by the API serializers and the web forms through
`services.profile_update`. Each returns the cleaned value or raises ValidationError with a code."""

import re
import zoneinfo
from datetime import date
from typing import Any

from django.conf.locale import LANG_INFO
from django.core.exceptions import ValidationError

from apps.accounts.models import Interest, Profile
from apps.core.kinds import VenueKind

TIME = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$|^24:00$")
MAX_AVAILABILITY_SLOTS = 50
MAX_INTERESTS = 30
MAX_REMINDERS = 5
MAX_REMINDER_HOURS = 168
LANGUAGES = {
    code: info["name"] for code, info in LANG_INFO.items() if len(code) == 2 and "name" in info
}


def language_choices() -> list[tuple[str, str]]:
    return sorted(LANGUAGES.items(), key=lambda item: item[1])


def clean_display_name(value: Any) -> str:
    name = " ".join(str(value or "").split())
    if not name:
        raise ValidationError("Choose a display name.", code="required")
    if len(name) > 50:
        raise ValidationError("Keep your display name to 50 characters.", code="max_length")
    return name


def clean_bio(value: Any) -> str:
    bio = str(value or "").strip()
    if len(bio) > 500:
        raise ValidationError("Keep your bio to 500 characters.", code="max_length")
    return bio


def clean_birth_year(value: Any, *, today: date | None = None) -> int | None:
    if value in (None, ""):
        return None
    try:
        year = int(value)
    except (TypeError, ValueError):
        raise ValidationError("Birth year must be a year like 1990.", code="invalid") from None
    this_year = (today or date.today()).year  # noqa: DTZ011 - a calendar year, not an instant
    if year > this_year - Profile.MIN_AGE:
        raise ValidationError("MatchUp is for adults: you must be 18 or older.", code="under_18")
    if year < 1900:
        raise ValidationError("Birth year must be 1900 or later.", code="invalid")
    return year


def clean_interest_slugs(value: Any) -> list[Interest]:
    if not isinstance(value, list | tuple) or not all(isinstance(s, str) for s in value):
        raise ValidationError("Interests must be a list of interest slugs.", code="invalid")
    slugs = list(dict.fromkeys(value))
    if len(slugs) > MAX_INTERESTS:
        raise ValidationError(f"Pick at most {MAX_INTERESTS} interests.", code="too_many")
    interests = list(Interest.objects.filter(slug__in=slugs))
    unknown = sorted(set(slugs) - {i.slug for i in interests})
    if unknown:
        raise ValidationError(
            "Unknown interests: %(slugs)s.",
            code="unknown_interests",
            params={"slugs": ", ".join(unknown)},
        )
    return interests


def clean_max_travel_km(value: Any) -> float:
    try:
        km = float(value)
    except (TypeError, ValueError):
        raise ValidationError(
            "Travel distance must be a number of kilometres.", code="invalid"
        ) from None
    if not Profile.MIN_TRAVEL_KM <= km <= Profile.MAX_TRAVEL_KM:
        raise ValidationError("Travel distance must be between 0.5 and 50 km.", code="out_of_range")
    return km


def clean_venue_kinds(value: Any) -> list[str]:
    if not isinstance(value, list | tuple):
        raise ValidationError("Venue kinds must be a list.", code="invalid")
    unknown = sorted({str(v) for v in value} - set(VenueKind.values))
    if unknown:
        raise ValidationError(
            "Unknown venue kinds: %(kinds)s.",
            code="invalid_choice",
            params={"kinds": ", ".join(unknown)},
        )
    return [kind for kind in VenueKind.values if kind in value]


def clean_group_size(value: Any) -> str:
    if value not in Profile.GroupSize.values:
        raise ValidationError("Group size must be pair, group or any.", code="invalid_choice")
    return str(value)


def _minutes(text: Any) -> int:
    if not isinstance(text, str) or not TIME.match(text):
        raise ValidationError("Times must be HH:MM between 00:00 and 24:00.", code="invalid_time")
    hours, minutes = text.split(":")
    return int(hours) * 60 + int(minutes)


def _hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def clean_availability(value: Any) -> list[dict[str, Any]]:
    """Validate weekly slots and merge overlapping or touching ones, sorted by day and time."""
    if not isinstance(value, list | tuple):
        raise ValidationError(
            "Availability must be a list of {weekday, start, end}.", code="invalid"
        )
    if len(value) > MAX_AVAILABILITY_SLOTS:
        raise ValidationError("Too many availability slots.", code="too_many")
    by_day: dict[int, list[tuple[int, int]]] = {}
    for slot in value:
        if not isinstance(slot, dict) or set(slot) - {"weekday", "start", "end"}:
            raise ValidationError("Each slot is {weekday, start, end}.", code="invalid")
        weekday = slot.get("weekday")
        if isinstance(weekday, bool) or not isinstance(weekday, int) or not 0 <= weekday <= 6:
            raise ValidationError(
                "weekday must be 0 (Monday) to 6 (Sunday).", code="invalid_weekday"
            )
        start, end = _minutes(slot.get("start")), _minutes(slot.get("end"))
        if end <= start:
            raise ValidationError("Each slot must end after it starts.", code="end_before_start")
        by_day.setdefault(weekday, []).append((start, end))
    merged: list[dict[str, Any]] = []
    for weekday in sorted(by_day):
        spans = sorted(by_day[weekday])
        current_start, current_end = spans[0]
        for start, end in spans[1:]:
            if start <= current_end:
                current_end = max(current_end, end)
            else:
                merged.append(
                    {"weekday": weekday, "start": _hhmm(current_start), "end": _hhmm(current_end)}
                )
                current_start, current_end = start, end
        merged.append(
            {"weekday": weekday, "start": _hhmm(current_start), "end": _hhmm(current_end)}
        )
    return merged


def clean_languages(value: Any) -> list[str]:
    if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
        raise ValidationError("Languages must be a list of ISO 639-1 codes.", code="invalid")
    codes = list(dict.fromkeys(v.lower() for v in value))
    unknown = [c for c in codes if c not in LANGUAGES]
    if unknown:
        raise ValidationError(
            "Unknown language codes: %(codes)s (use ISO 639-1, like 'en').",
            code="invalid_choice",
            params={"codes": ", ".join(unknown)},
        )
    return codes


def clean_reminder_hours(value: Any) -> list[int]:
    if not isinstance(value, list | tuple) or not all(
        isinstance(v, int) and not isinstance(v, bool) for v in value
    ):
        raise ValidationError("reminder_hours must be a list of whole hours.", code="invalid")
    hours = sorted(set(value), reverse=True)
    if len(hours) > MAX_REMINDERS or any(not 1 <= h <= MAX_REMINDER_HOURS for h in hours):
        raise ValidationError(
            "Up to 5 reminders, each 1 to 168 hours before the start.", code="out_of_range"
        )
    return hours


def clean_timezone(value: Any) -> str:
    if not isinstance(value, str) or value not in zoneinfo.available_timezones():
        raise ValidationError(
            "Unknown time zone (use an IANA name like Europe/Berlin).", code="invalid"
        )
    return value


def clean_age(value: Any) -> int | None:
    if value in (None, ""):
        return None
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise ValidationError("Ages must be whole numbers.", code="invalid")
    try:
        age = int(value)
    except ValueError:
        raise ValidationError("Ages must be whole numbers.", code="invalid") from None
    if not Profile.MIN_AGE <= age <= 120:
        raise ValidationError("Ages must be between 18 and 120.", code="out_of_range")
    return age


def clean_bool(value: Any) -> bool:
    if not isinstance(value, bool):
        raise ValidationError("Must be true or false.", code="invalid")
    return value


def clean_contact(value: Any) -> str:
    contact = str(value or "").strip()
    if len(contact) > 200:
        raise ValidationError("Keep contact details to 200 characters.", code="max_length")
    return contact


CLEANERS = {
    "display_name": clean_display_name,
    "bio": clean_bio,
    "birth_year": clean_birth_year,
    "interests": clean_interest_slugs,
    "timezone": clean_timezone,
    "max_travel_km": clean_max_travel_km,
    "venue_kinds": clean_venue_kinds,
    "group_size": clean_group_size,
    "availability": clean_availability,
    "languages": clean_languages,
    "open_to_meet": clean_bool,
    "notify_email": clean_bool,
    "notify_push": clean_bool,
    "reminder_hours": clean_reminder_hours,
    "age_min": clean_age,
    "age_max": clean_age,
    "contact": clean_contact,
}
EDITABLE_FIELDS = frozenset(CLEANERS)


def clean_profile_changes(changes: dict[str, Any], *, profile: Profile) -> dict[str, Any]:
    """Clean every field in `changes`, collecting all errors into one ValidationError."""
    errors: dict[str, list[ValidationError]] = {}
    cleaned: dict[str, Any] = {}
    for field, value in changes.items():
        if field not in CLEANERS:
            errors.setdefault(field, []).append(
                ValidationError("Unknown field.", code="unknown_field")
            )
            continue
        try:
            cleaned[field] = CLEANERS[field](value)
        except ValidationError as exc:
            errors.setdefault(field, []).extend(exc.error_list)
    age_min = cleaned.get("age_min", profile.age_min)
    age_max = cleaned.get("age_max", profile.age_max)
    if (
        "age_min" not in errors
        and "age_max" not in errors
        and age_min
        and age_max
        and age_min > age_max
    ):
        errors.setdefault("age_max", []).append(
            ValidationError("The upper age must not be below the lower one.", code="invalid_range")
        )
    if errors:
        raise ValidationError(errors)
    return cleaned
