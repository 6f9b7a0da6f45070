"""Web pages for events: near me (list + map), an event, create/edit/cancel, my events, and the
calendar downloads. Thin: forms validate, services act, selectors read."""

from collections import OrderedDict
from datetime import datetime, time, timedelta
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.gis.geos import Point
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from apps.accounts.models import Profile, User
from apps.core.errors import DomainError, NotFound
from apps.core.geo import point
from apps.core.geocoding import AddressNotFound, GeocoderUnavailable, geocode
from apps.events import calendars, selectors, services
from apps.events.api import calendar_feed_url, ics_response, zone_of
from apps.events.forms import RADIUS_CHOICES, CancelEventForm, EventForm, NearMeForm
from apps.events.models import CalendarFeed, Event, Rsvp
from apps.events.selectors.feedback import feedback_status_for
from apps.safety.selectors import blocked_user_ids
from apps.venues.models import Venue
from apps.venues.selectors import SphereDistance, venue_list_near, venue_local_time

PAGE_SIZE = 20
# Where the create form looks for places when the person has no home set: Munich's centre.
DEFAULT_CENTER = (48.1372, 11.5756)
FORM_FIELD_OF = {"starts_at": "start", "ends_at": "end", "venue_id": "venue"}


def _viewer(request: HttpRequest) -> User | None:
    return request.user if request.user.is_authenticated else None  # type: ignore[return-value]


def _profile(user: User | None) -> Profile | None:
    return getattr(user, "profile", None) if user is not None else None


def _event_or_404(request: HttpRequest, event_id: int) -> Event:
    try:
        return selectors.event_get_for(user=_viewer(request), event_id=event_id)
    except NotFound as exc:
        raise Http404(exc.detail) from exc


def _radius_choice(km: float) -> str:
    for value, _ in RADIUS_CHOICES:
        if float(value) >= km:
            return value
    return RADIUS_CHOICES[-1][0]


def _day_start(day: Any, zone: Any) -> datetime:
    return datetime.combine(day, time.min, tzinfo=zone)


# --- Near me ----------------------------------------------------------------------------------
@require_GET
def event_list(request: HttpRequest) -> HttpResponse:
    """Upcoming public events near a place: a list and a map of their venues. Signed-in people
    start from their home, travel distance and favourite kinds of place; visitors type a place."""
    viewer = _viewer(request)
    profile = _profile(viewer)
    home = profile.home if profile is not None else None
    bound = bool(request.GET)
    initial: dict[str, Any] = {"ordering": "relevance", "radius_km": "5"}
    if profile is not None:
        initial["radius_km"] = _radius_choice(profile.max_travel_km)
        initial["kind"] = list(profile.venue_kinds)
    data = request.GET.copy()
    for name in ("radius_km", "ordering"):  # a typed place alone keeps the default filters
        if not data.get(name):
            data[name] = initial[name]
    form = NearMeForm(data if bound else None, initial=initial)
    params: dict[str, Any] = {}
    if bound and form.is_valid():
        params = form.cleaned_data
    elif not bound:
        params = {**initial, "radius_km": float(initial["radius_km"])}

    center: Point | None = None
    place_label = ""
    if params.get("lat") is not None and params.get("lng") is not None:
        center = point(lat=params["lat"], lng=params["lng"])
        place_label = params.get("place") or "the chosen point"
    elif params.get("place"):
        try:
            found = geocode(params["place"])
        except (AddressNotFound, GeocoderUnavailable) as exc:
            form.add_error("place", exc.detail)
        else:
            center, place_label = point(lat=found.lat, lng=found.lng), found.label
    elif home is not None and (not bound or form.is_valid()):
        center, place_label = home, "your home area"

    names = {slug: name for _, group in form.fields["interests"].choices for slug, name in group}
    page = None
    markers: list[dict[str, Any]] = []
    if center is not None and not form.errors:
        now = timezone.now()
        tz = timezone.get_current_timezone()
        starts_after = params.get("starts_after")
        starts_before = params.get("starts_before")
        search = selectors.EventSearch(
            point=center,
            radius_km=params.get("radius_km")
            or (profile.max_travel_km if profile else selectors.DEFAULT_RADIUS_KM),
            interests=params.get("interests") or [],
            kinds=params.get("kind") or [],
            starts_after=_day_start(starts_after, tz) if starts_after else None,
            # "Until" a date includes that whole day.
            starts_before=_day_start(starts_before + timedelta(days=1), tz)
            if starts_before
            else None,
            ordering=params.get("ordering") or "relevance",
        )
        rows = selectors.event_list_near(
            search=search,
            viewer=viewer,
            viewer_interest_ids=selectors.interest_ids_of(viewer),
            hidden_organizer_ids=blocked_user_ids(viewer) if viewer else (),
            now=now,
        )
        page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
        by_venue: OrderedDict[int, dict[str, Any]] = OrderedDict()
        for row in page.object_list:
            local = row["starts_at"].astimezone(zone_of(row["venue__timezone"]))
            row["local_start"] = local
            row["spots_left"] = max(0, row["capacity"] - row["going_count"])
            row["interest_labels"] = [
                (names.get(slug, slug), slug in row["shared_interests"])
                for slug in row["interests"]
            ]
            row["why"] = selectors.relevance_explanation(
                shared_count=row["shared_count"] or 0,
                distance_m=row["distance_m"],
                starts_at=row["starts_at"],
                zone=row["venue__timezone"],
                now=now,
            )
            marker = by_venue.setdefault(
                row["venue_id"],
                {
                    "lat": row["lat"],
                    "lng": row["lng"],
                    "name": row["venue__name"],
                    "url": reverse("web:venue-detail", args=[row["venue_id"]]),
                    "events": [],
                },
            )
            marker["events"].append(
                {
                    "title": row["title"],
                    "url": reverse("events:detail", args=[row["id"]]),
                    "when": f"{local:%a %d %b, %H:%M}",
                }
            )
        markers = list(by_venue.values())

    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "form": form,
        "page": page,
        "center": {"lat": center.y, "lng": center.x} if center is not None else None,
        "place_label": place_label,
        "map_data": {
            "center": {"lat": center.y, "lng": center.x} if center is not None else None,
            "markers": markers,
        },
        "query": query.urlencode(),
        "filters_open": bool(request.GET.getlist("interests") or request.GET.getlist("kind")),
    }
    return render(request, "events/event_list.html", context)


# --- One event --------------------------------------------------------------------------------
@require_GET
def event_detail(request: HttpRequest, event_id: int) -> HttpResponse:
    event = _event_or_404(request, event_id)
    viewer = _viewer(request)
    rsvp = selectors.rsvp_get(event=event, user=viewer) if viewer else None
    active = rsvp is not None and rsvp.status != Rsvp.Status.CANCELLED
    now = timezone.now()
    names = selectors.interest_names()
    shared = selectors.shared_interest_slugs(event=event, viewer=viewer)
    organizer = selectors.person_for(viewer, event.organizer) if event.organizer else None
    attendees = selectors.event_attendees(event=event, viewer=viewer) if viewer else None
    for person in [organizer, *(attendees or [])]:
        if person is not None:
            person["shared_names"] = [names.get(s, s) for s in person["shared_interests"]]
    context = {
        "event": event,
        "venue": event.venue,
        "local_start": venue_local_time(event.venue, event.starts_at),
        "local_end": venue_local_time(event.venue, event.ends_at),
        "interests": [
            (names.get(slug, slug), slug in shared)
            for slug in selectors.event_interest_slugs(event)
        ],
        "organizer": organizer,
        # Names of people going are for signed-in members only; visitors see the count.
        "attendees": attendees,
        "rsvp": rsvp if active else None,
        "position": services.rsvp_position(rsvp) if active and rsvp else None,
        "is_organizer": viewer is not None and event.organizer_id == viewer.pk,
        "has_started": event.starts_at <= now,
        # "open" / "given" once it started, for people who were going; else None.
        "feedback_state": (
            feedback_status_for(user=viewer, event_ids=[event.pk]).get(event.pk)
            if viewer is not None and rsvp is not None and event.starts_at <= now
            else None
        ),
        "is_open": event.status == Event.Status.SCHEDULED and event.starts_at > now,
        "map_data": {
            "lat": event.venue.location.y,
            "lng": event.venue.location.x,
            "name": event.venue.name,
        },
    }
    return render(request, "events/event_detail.html", context)


def _act(request: HttpRequest, action: Any, success: str) -> None:
    try:
        action()
    except DomainError as exc:
        messages.error(request, exc.detail)
    else:
        messages.success(request, success)


@login_required
@require_POST
def event_rsvp(request: HttpRequest, event_id: int) -> HttpResponse:
    event = _event_or_404(request, event_id)
    try:
        rsvp = services.rsvp_join(event=event, user=request.user)  # type: ignore[arg-type]
    except DomainError as exc:
        messages.error(request, exc.detail)
    else:
        if rsvp.status == Rsvp.Status.GOING:
            messages.success(request, "You are going. See you there!")
        else:
            messages.info(
                request,
                f"The event is full: you are number {rsvp.position} on the waitlist. "  # type: ignore[attr-defined]
                "We will tell you if a place opens up.",
            )
    return redirect("events:detail", event_id=event.pk)


@login_required
@require_POST
def event_rsvp_cancel(request: HttpRequest, event_id: int) -> HttpResponse:
    event = _event_or_404(request, event_id)
    _act(
        request,
        lambda: services.rsvp_cancel(event=event, user=request.user),  # type: ignore[arg-type]
        "You gave up your place. Thanks for letting others go.",
    )
    return redirect("events:detail", event_id=event.pk)


@require_GET
def event_ics(request: HttpRequest, event_id: int) -> HttpResponse:
    event = _event_or_404(request, event_id)
    return ics_response(calendars.event_ics(event), filename=calendars.ics_filename(event))


# --- Create, edit, cancel ---------------------------------------------------------------------
def _nearby_venues(user: User, *, q: str = "", include: int | None = None) -> Any:
    profile = _profile(user)
    center = profile.home if profile is not None and profile.home is not None else None
    center = center or point(lat=DEFAULT_CENTER[0], lng=DEFAULT_CENTER[1])
    radius = max(profile.max_travel_km if profile else 5.0, 5.0)
    near = venue_list_near(point=center, radius_km=radius, q=q or None)
    ids = list(near.values_list("pk", flat=True)[:200])
    if include:
        ids.append(include)
    return (
        Venue.objects.active()
        .filter(pk__in=ids)
        .annotate(distance_m=SphereDistance("location", center))
        .order_by("distance_m", "name")
    )


def _form_errors_from(form: EventForm, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            name = FORM_FIELD_OF.get(field, field)
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, exc)


@login_required
def event_create(request: HttpRequest) -> HttpResponse:
    venue_id = request.GET.get("venue")
    include = int(venue_id) if venue_id and venue_id.isdigit() and len(venue_id) < 18 else None
    venues = _nearby_venues(request.user, q=request.GET.get("q", ""), include=include)  # type: ignore[arg-type]
    if request.method == "POST":
        form = EventForm(request.POST, venues=venues)
        if form.is_valid():
            try:
                event = services.event_create(
                    organizer=request.user,  # type: ignore[arg-type]
                    **form.event_fields(),
                )
            except ValidationError as exc:
                _form_errors_from(form, exc)
            except DomainError as exc:
                form.add_error(None, exc.detail)
            else:
                messages.success(request, "Your event is up. You are going, of course.")
                return redirect("events:detail", event_id=event.pk)
    else:
        form = EventForm(venues=venues, initial={"venue": include, "capacity": 8})
    return render(
        request,
        "events/event_form.html",
        {"form": form, "event": None, "q": request.GET.get("q", "")},
    )


@login_required
def event_edit(request: HttpRequest, event_id: int) -> HttpResponse:
    event = _event_or_404(request, event_id)
    if event.organizer_id != request.user.pk:
        raise PermissionDenied("Only the organizer can change this event.")
    venues = _nearby_venues(request.user, include=event.venue_id)  # type: ignore[arg-type]
    if request.method == "POST":
        form = EventForm(request.POST, venues=venues)
        if form.is_valid():
            try:
                services.event_update(
                    event=event,
                    user=request.user,  # type: ignore[arg-type]
                    **form.event_fields(),
                )
            except ValidationError as exc:
                _form_errors_from(form, exc)
            except DomainError as exc:
                form.add_error(None, exc.detail)
            else:
                messages.success(request, "Saved. Everyone going has been told what changed.")
                return redirect("events:detail", event_id=event.pk)
    else:
        form = EventForm(venues=venues, initial=EventForm.initial_for(event))
    return render(request, "events/event_form.html", {"form": form, "event": event, "q": ""})


@login_required
def event_cancel(request: HttpRequest, event_id: int) -> HttpResponse:
    event = _event_or_404(request, event_id)
    if event.organizer_id != request.user.pk:
        raise PermissionDenied("Only the organizer can cancel this event.")
    form = CancelEventForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        reason = form.cleaned_data["reason"]
        _act(
            request,
            lambda: services.event_cancel(event=event, user=request.user, reason=reason),  # type: ignore[arg-type]
            "The event is cancelled. Everyone going has been told.",
        )
        return redirect("events:detail", event_id=event.pk)
    return render(request, "events/event_cancel.html", {"event": event, "form": form})


# --- Mine and calendars -----------------------------------------------------------------------
@login_required
@require_GET
def my_events(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    feed = services.calendar_feed_get_or_create(user=user)
    upcoming = list(selectors.events_for_user(user=user, when="upcoming")[:100])
    past = list(selectors.events_for_user(user=user, when="past")[:50])
    feedback = feedback_status_for(user=user, event_ids=[event.pk for event in past])
    for event in [*upcoming, *past]:
        event.local_start = venue_local_time(event.venue, event.starts_at)  # type: ignore[attr-defined]
        event.feedback_state = feedback.get(event.pk)  # type: ignore[attr-defined]
    url = calendar_feed_url(request, feed)
    context = {
        "upcoming": upcoming,
        "past": past,
        "feed_url": url,
        "webcal_url": "webcal://" + url.split("://", 1)[1],
    }
    return render(request, "events/my_events.html", context)


@login_required
@require_POST
def calendar_reset(request: HttpRequest) -> HttpResponse:
    services.calendar_feed_reset(user=request.user)  # type: ignore[arg-type]
    messages.success(request, "Your calendar link was replaced; the old one no longer works.")
    return redirect("events:mine")


@require_GET
def calendar_feed(request: HttpRequest, token: str) -> HttpResponse:
    """A person's events as a subscribable iCalendar feed. No login: the secret token in the
    URL is the key (calendar apps cannot sign in)."""
    feed = CalendarFeed.objects.select_related("user").filter(token=token).first()
    if feed is None or not feed.user.is_active:
        raise Http404("No such calendar.")
    events = selectors.calendar_events_for_user(user=feed.user)
    body = calendars.calendar_ics(events, name="MatchUp")
    return ics_response(body, filename="matchup.ics", inline=True)
