"""Web forms for sign-up extras, onboarding, profile editing and account deletion.

Forms check the shape of what was typed; the rules live in `validation.py` and are applied by
`services.profile_update`, whose errors the views put back on these forms.
"""

from typing import Any

from django import forms
from django.http import HttpRequest

from apps.accounts import services
from apps.accounts.models import Interest, Profile, User
from apps.accounts.validation import EDITABLE_FIELDS, language_choices
from apps.core.kinds import VenueKind

WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
# The web grid offers four blocks per day; the API accepts any HH:MM slots.
DAY_BLOCKS = [
    ("morning", "Morning", "08:00", "12:00"),
    ("afternoon", "Afternoon", "12:00", "17:00"),
    ("evening", "Evening", "17:00", "20:00"),
    ("late", "Late evening", "20:00", "23:00"),
]
REMINDER_CHOICES = [
    (48, "2 days before"),
    (24, "1 day before"),
    (2, "2 hours before"),
    (1, "1 hour before"),
]


class SignupExtraForm(forms.Form):
    """Added to allauth's sign-up form (ACCOUNT_SIGNUP_FORM_CLASS)."""

    display_name = forms.CharField(
        max_length=50,
        label="Display name",
        help_text="How others see you at a meetup. Your first name is perfect.",
        widget=forms.TextInput(attrs={"autocomplete": "given-name"}),
    )

    def signup(self, request: HttpRequest, user: User) -> None:
        services.profile_create(user=user, display_name=self.cleaned_data["display_name"])


def interest_choices() -> list[tuple[str, list[tuple[str, str]]]]:
    grouped: dict[str, list[tuple[str, str]]] = {}
    for interest in Interest.objects.select_related("category").order_by(
        "category__position", "name"
    ):
        grouped.setdefault(interest.category.name, []).append((interest.slug, interest.name))
    return list(grouped.items())


def availability_grid_choices() -> list[tuple[str, str]]:
    return [
        (f"{day}-{block}", f"{WEEKDAYS[day]} {label.lower()} ({start}–{end})")
        for day in range(7)
        for block, label, start, end in DAY_BLOCKS
    ]


def grid_to_availability(cells: list[str]) -> list[dict[str, Any]]:
    spans = {block: (start, end) for block, _, start, end in DAY_BLOCKS}
    slots = []
    for cell in cells:
        day, block = cell.split("-", 1)
        start, end = spans[block]
        slots.append({"weekday": int(day), "start": start, "end": end})
    return slots


def availability_to_grid(availability: list[dict[str, Any]]) -> list[str]:
    """Blocks fully covered by the stored slots (slots set through the API may be finer)."""
    cells = []
    for day in range(7):
        day_slots = [s for s in availability if s.get("weekday") == day]
        for block, _, start, end in DAY_BLOCKS:
            if any(s["start"] <= start and end <= s["end"] for s in day_slots):
                cells.append(f"{day}-{block}")
    return cells


class ProfileForm(forms.Form):
    """Everything a person says about themselves; onboarding uses the essential part."""

    display_name = forms.CharField(max_length=50, label="Display name")
    birth_year = forms.IntegerField(
        label="Birth year",
        min_value=1900,
        max_value=2100,
        help_text="MatchUp is for adults (18+). Nobody else sees your age.",
    )
    bio = forms.CharField(
        label="A few words about you",
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Optional, shown to the people you meet.",
    )
    interests = forms.MultipleChoiceField(
        label="Interests",
        widget=forms.CheckboxSelectMultiple,
        help_text="Pick a few (up to 30); you are matched on the ones you share.",
    )
    address = forms.CharField(
        label="Where do you live?",
        max_length=300,
        required=False,
        help_text="A town or district is enough. Nobody else ever sees it.",
        widget=forms.TextInput(attrs={"autocomplete": "address-level2"}),
    )
    lat = forms.FloatField(required=False, widget=forms.HiddenInput, min_value=-90, max_value=90)
    lng = forms.FloatField(required=False, widget=forms.HiddenInput, min_value=-180, max_value=180)
    max_travel_km = forms.FloatField(
        label="How far will you travel? (km)",
        min_value=Profile.MIN_TRAVEL_KM,
        max_value=Profile.MAX_TRAVEL_KM,
        widget=forms.NumberInput(attrs={"step": "0.5"}),
    )
    venue_kinds = forms.MultipleChoiceField(
        label="Where do you like to meet?",
        choices=VenueKind.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    availability = forms.MultipleChoiceField(
        label="When are you usually free?",
        choices=availability_grid_choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    group_size = forms.ChoiceField(
        label="Meet one person or a small group?",
        choices=Profile.GroupSize.choices,
        widget=forms.RadioSelect,
    )
    languages = forms.MultipleChoiceField(
        label="Languages you can chat in",
        choices=language_choices,
        widget=forms.SelectMultiple(attrs={"size": 6}),
    )
    open_to_meet = forms.BooleanField(
        label="Suggest meetups to me", required=False, help_text="Turn off to pause suggestions."
    )
    notify_email = forms.BooleanField(label="Email me", required=False)
    notify_push = forms.BooleanField(label="Send push notifications to my phone", required=False)
    reminder_hours = forms.TypedMultipleChoiceField(
        label="Remind me before a meetup",
        choices=REMINDER_CHOICES,
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    age_min = forms.IntegerField(
        label="Meet people aged from", min_value=18, max_value=120, required=False
    )
    age_max = forms.IntegerField(label="to", min_value=18, max_value=120, required=False)
    contact = forms.CharField(
        label="Contact for people you both want to meet again",
        max_length=200,
        required=False,
        help_text=(
            "Shown only after you both say “I’d meet again”. Leave empty to share your email."
        ),
    )

    ONBOARDING_FIELDS = (
        "display_name",
        "birth_year",
        "interests",
        "address",
        "lat",
        "lng",
        "max_travel_km",
        "venue_kinds",
        "availability",
        "group_size",
        "languages",
    )
    PROFILE_FIELDS = (
        "display_name",
        "address",
        "lat",
        "lng",
        "birth_year",
        "bio",
        "interests",
        "languages",
        "max_travel_km",
        "venue_kinds",
        "group_size",
        "availability",
        "age_min",
        "age_max",
        "open_to_meet",
        "notify_email",
        "notify_push",
        "reminder_hours",
        "contact",
    )

    def __init__(self, *args: Any, profile: Profile, **kwargs: Any) -> None:
        kwargs.setdefault("initial", self.initial_for(profile))
        super().__init__(*args, **kwargs)
        self.profile = profile
        self.fields["interests"].choices = interest_choices()
        for name in list(self.fields):
            if name not in self.PROFILE_FIELDS:
                del self.fields[name]

    @staticmethod
    def initial_for(profile: Profile) -> dict[str, Any]:
        return {
            "display_name": profile.display_name,
            "birth_year": profile.birth_year,
            "bio": profile.bio,
            "interests": [i.slug for i in profile.interests.all()] if profile.pk else [],
            "max_travel_km": profile.max_travel_km,
            "venue_kinds": profile.venue_kinds or VenueKind.values[:3],
            "availability": availability_to_grid(profile.availability),
            "group_size": profile.group_size,
            "languages": profile.languages or ["en"],
            "open_to_meet": profile.open_to_meet,
            "notify_email": profile.notify_email,
            "notify_push": profile.notify_push,
            "reminder_hours": profile.reminder_hours,
            "age_min": profile.age_min,
            "age_max": profile.age_max,
            "contact": profile.contact,
        }

    def profile_changes(self) -> dict[str, Any]:
        data = self.cleaned_data
        changes = {name: data[name] for name in self.fields if name in EDITABLE_FIELDS}
        if "availability" in changes:
            changes["availability"] = grid_to_availability(changes["availability"])
        return changes

    def home_change(self) -> dict[str, Any] | None:
        data = self.cleaned_data
        if data.get("lat") is not None and data.get("lng") is not None:
            return {"lat": data["lat"], "lng": data["lng"]}
        if data.get("address"):
            return {"address": data["address"]}
        return None


class OnboardingForm(ProfileForm):
    PROFILE_FIELDS = ProfileForm.ONBOARDING_FIELDS

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["availability"].required = True

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if self.home_change() is None and self.profile.home is None:
            self.add_error("address", "Tell us roughly where you live, or use your location.")
        return data


class DeleteAccountForm(forms.Form):
    password = forms.CharField(
        label="Your password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        help_text="Deleting your account removes your profile and personal data for good.",
    )
