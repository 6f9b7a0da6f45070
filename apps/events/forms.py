"""Web forms for events. Times are typed in the venue's local time (the person plans "Thursday
19:00 at that café"), turned into aware datetimes with the venue's zone here."""

from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django import forms

from apps.accounts.forms import interest_choices
from apps.core.kinds import VenueKind
from apps.events.models import MAX_CAPACITY, MIN_CAPACITY, Event
from apps.events.selectors import MAX_RADIUS_KM
from apps.venues.models import Venue

RADIUS_CHOICES = [("1", "1 km"), ("2", "2 km"), ("5", "5 km"), ("10", "10 km"), ("25", "25 km")]
RADIUS_CHOICES += [("50", "50 km")]
ORDERING_CHOICES = [
    ("relevance", "Best for you"),
    ("starts_at", "Soonest"),
    ("distance", "Nearest"),
]


class NearMeForm(forms.Form):
    place = forms.CharField(
        label="Place",
        required=False,
        max_length=300,
        help_text="A town, district or address.",
        widget=forms.TextInput(attrs={"placeholder": "e.g. Schwabing, München"}),
    )
    lat = forms.FloatField(required=False, min_value=-90, max_value=90, widget=forms.HiddenInput())
    lng = forms.FloatField(
        required=False, min_value=-180, max_value=180, widget=forms.HiddenInput()
    )
    radius_km = forms.TypedChoiceField(
        label="Distance", choices=RADIUS_CHOICES, coerce=float, required=False
    )
    starts_after = forms.DateField(
        label="From", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    starts_before = forms.DateField(
        label="Until", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    interests = forms.MultipleChoiceField(
        label="Interests", required=False, widget=forms.SelectMultiple(attrs={"size": 6})
    )
    kind = forms.MultipleChoiceField(
        label="Kind of place",
        required=False,
        choices=VenueKind.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    ordering = forms.ChoiceField(
        label="Order", choices=ORDERING_CHOICES, required=False, initial="relevance"
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["interests"].choices = interest_choices()

    def clean_radius_km(self) -> float | None:
        value = self.cleaned_data.get("radius_km")
        return min(float(value), MAX_RADIUS_KM) if value else None


def _zone(venue: Venue) -> ZoneInfo:
    try:
        return ZoneInfo(venue.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


class EventForm(forms.Form):
    venue = forms.ModelChoiceField(
        label="Place",
        queryset=Venue.objects.none(),
        empty_label="Choose a place near you",
        help_text="Nearby cafés, bookstores and bars that are open to the public.",
    )
    title = forms.CharField(label="Title", max_length=Event.TITLE_MAX_LENGTH)
    description = forms.CharField(
        label="Description",
        required=False,
        max_length=Event.DESCRIPTION_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="What will you do? Who is it for?",
    )
    day = forms.DateField(label="Date", widget=forms.DateInput(attrs={"type": "date"}))
    start = forms.TimeField(label="Starts", widget=forms.TimeInput(attrs={"type": "time"}))
    end = forms.TimeField(label="Ends", widget=forms.TimeInput(attrs={"type": "time"}))
    capacity = forms.IntegerField(
        label="Places", min_value=MIN_CAPACITY, max_value=MAX_CAPACITY, initial=8
    )
    interests = forms.MultipleChoiceField(
        label="Interests",
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 6}),
        help_text="Up to 10: people who share them find your event first.",
    )

    def __init__(self, *args: Any, venues: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["venue"].queryset = venues
        self.fields["venue"].label_from_instance = self.venue_label
        self.fields["interests"].choices = interest_choices()

    @staticmethod
    def venue_label(venue: Venue) -> str:
        distance = getattr(venue, "distance_m", None)
        where = f", {distance / 1000:.1f} km" if distance is not None else ""
        return f"{venue.name} ({venue.get_kind_display()}{where})"

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        venue, day = data.get("venue"), data.get("day")
        start, end = data.get("start"), data.get("end")
        if venue is not None and day is not None and start is not None and end is not None:
            data["starts_at"], data["ends_at"] = local_span(venue, day, start, end)
        return data

    def event_fields(self) -> dict[str, Any]:
        """The cleaned values as `services.event_create` / `event_update` take them."""
        names = ("venue", "title", "description", "starts_at", "ends_at", "capacity", "interests")
        return {name: self.cleaned_data[name] for name in names}

    @staticmethod
    def initial_for(event: Event) -> dict[str, Any]:
        zone = _zone(event.venue)
        starts, ends = event.starts_at.astimezone(zone), event.ends_at.astimezone(zone)
        return {
            "venue": event.venue,
            "title": event.title,
            "description": event.description,
            "day": starts.date(),
            "start": starts.time().replace(second=0, microsecond=0),
            "end": ends.time().replace(second=0, microsecond=0),
            "capacity": event.capacity,
            "interests": list(event.interests.values_list("slug", flat=True)),
        }


def local_span(venue: Venue, day: date, start: time, end: time) -> tuple[datetime, datetime]:
    """Aware start and end from a local date and wall-clock times at the venue; an end at or
    before the start is on the next day (a bar night until 01:00)."""
    zone = _zone(venue)
    starts_at = datetime.combine(day, start, tzinfo=zone)
    end_day = day + timedelta(days=1) if end <= start else day
    return starts_at, datetime.combine(end_day, end, tzinfo=zone)


class CancelEventForm(forms.Form):
    reason = forms.CharField(
        label="Message to the people going (optional)",
        required=False,
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


RATING_CHOICES = [("", "No rating"), *((str(n), "★" * n + f" ({n} of 5)") for n in range(5, 0, -1))]


class FeedbackForm(forms.Form):
    """After a meetup. `people` are the others who were going, as `(id, display_name)`."""

    attended = forms.TypedChoiceField(
        label="Did you go?",
        choices=[("yes", "Yes, I was there"), ("no", "No, I could not make it")],
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
    )
    venue_rating = forms.TypedChoiceField(
        label="How was the place?",
        choices=RATING_CHOICES,
        coerce=int,
        empty_value=None,
        required=False,
    )
    meet_again = forms.TypedMultipleChoiceField(
        label="Whom would you like to meet again?",
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="If they say the same about you, you both see each other's contact under "
        "Connections. Nobody learns whom you chose otherwise.",
    )
    no_show = forms.TypedMultipleChoiceField(
        label="Who did not come?",
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Only people who said they were going. This stays between you and MatchUp.",
    )

    def __init__(self, *args: Any, people: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["meet_again"].choices = people
        self.fields["no_show"].choices = people
