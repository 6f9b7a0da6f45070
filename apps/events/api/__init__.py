"""REST API for events (contract: Events; Privacy rule).

Browsing (`GET /events`, `GET /events/{id}`, `.ics`) is public: a visitor types a place and
sees what happens there before signing up. Everything else needs a signed-in caller.
The list is the hot path: rows come from the selector as dicts and are shaped here without
serializer instances (the serializers below describe the schema, and shape single objects).
Times are RFC 3339 in the venue's own offset (`2026-05-07T19:00:00+02:00`).
"""

from datetime import datetime
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.contrib.gis.geos import Point
from django.http import HttpResponse
from django.urls import reverse
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.pagination import BasePagination
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import AnonRateThrottle
from rest_framework.views import APIView

from apps.accounts.models import User
from apps.core.api.fields import LatLngSerializer, PersonOutput, distance_km
from apps.core.api.idempotency import IDEMPOTENCY_KEY_PARAMETER, idempotent
from apps.core.api.pagination import PageNumberPagination
from apps.core.api.schema import error_responses
from apps.core.geo import point
from apps.core.kinds import VenueKind
from apps.events import calendars, selectors, services
from apps.events.models import MAX_CAPACITY, MIN_CAPACITY, CalendarFeed, Event, Rsvp
from apps.safety.selectors import blocked_user_ids
from apps.venues.api import (
    GEOJSON_MEDIA_TYPE,
    AwareDateTimeField,
    GeoJsonPagination,
    GeoJSONRenderer,
    LocationRequired,
    PointGeometryOutput,
    VenueDetailApi,
    VenueDetailOutput,
    VenueDetailQuery,
)
from apps.venues.models import Venue


# --- Shapes -----------------------------------------------------------------------------------
@lru_cache(maxsize=512)
def zone_of(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def local_iso(when: datetime, zone: str) -> str:
    return when.astimezone(zone_of(zone)).isoformat()


class EventVenueOutput(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    kind = serializers.ChoiceField(choices=VenueKind.choices)
    location = LatLngSerializer()
    address = serializers.CharField()
    timezone = serializers.CharField(help_text="IANA zone; event times are shown in it.")


class EventOutput(serializers.Serializer):
    """An event as every list and detail shows it."""

    id = serializers.IntegerField()
    title = serializers.CharField()
    description = serializers.CharField()
    starts_at = serializers.DateTimeField(help_text="RFC 3339 in the venue's local offset.")
    ends_at = serializers.DateTimeField()
    venue = EventVenueOutput()
    distance_km = serializers.FloatField(
        allow_null=True, help_text="To the event's venue from the searched point; else null."
    )
    capacity = serializers.IntegerField()
    going_count = serializers.IntegerField()
    spots_left = serializers.IntegerField()
    interests = serializers.ListField(child=serializers.CharField())
    shared_interests = serializers.ListField(
        child=serializers.CharField(), help_text="The event's interests you have too."
    )
    my_rsvp = serializers.ChoiceField(
        choices=["going", "waitlisted"], allow_null=True, help_text="null: not going."
    )
    status = serializers.ChoiceField(choices=Event.Status.choices)
    visibility = serializers.ChoiceField(choices=["public", "private"])
    relevance = serializers.FloatField(
        allow_null=True, help_text="shared interests × nearness × soonness (lists only)."
    )
    why = serializers.CharField(help_text='e.g. "3 shared interests · 1.2 km · tomorrow 19:00"')


class EventDetailOutput(EventOutput):
    organizer = PersonOutput(allow_null=True, help_text="null for matched meetups.")
    my_position = serializers.IntegerField(
        allow_null=True, help_text="Your place on the waitlist (1 = next), else null."
    )
    cancel_reason = serializers.CharField()


class EventPageOutput(serializers.Serializer):
    count = serializers.IntegerField()
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = EventOutput(many=True)


class EventFeatureOutput(serializers.Serializer):
    type = serializers.ChoiceField(choices=["Feature"])
    id = serializers.IntegerField()
    geometry = PointGeometryOutput()
    properties = EventOutput()


class EventFeatureCollectionOutput(serializers.Serializer):
    type = serializers.ChoiceField(choices=["FeatureCollection"])
    count = serializers.IntegerField()
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    features = EventFeatureOutput(many=True)


def row_data(row: dict[str, Any], *, now: datetime) -> dict[str, Any]:
    """A selector row (`event_list_near`) in the contract's shape."""
    zone = row["venue__timezone"]
    return {
        "id": row["id"],
        "title": row["title"],
        "description": row["description"],
        "starts_at": local_iso(row["starts_at"], zone),
        "ends_at": local_iso(row["ends_at"], zone),
        "venue": {
            "id": row["venue_id"],
            "name": row["venue__name"],
            "kind": row["venue__kind"],
            "location": {"lat": round(row["lat"], 6), "lng": round(row["lng"], 6)},
            "address": row["venue__address"],
            "timezone": zone,
        },
        "distance_km": distance_km(row["distance_m"]),
        "capacity": row["capacity"],
        "going_count": row["going_count"],
        "spots_left": max(0, row["capacity"] - row["going_count"]),
        "interests": row["interests"],
        "shared_interests": row["shared_interests"],
        "my_rsvp": row["my_rsvp"],
        "status": row["status"],
        "visibility": row["visibility"],
        "relevance": round(row["relevance"], 4),
        "why": selectors.relevance_explanation(
            shared_count=row["shared_count"] or 0,
            distance_m=row["distance_m"],
            starts_at=row["starts_at"],
            zone=zone,
            now=now,
        ),
    }


def event_data(
    event: Event,
    *,
    interests: list[str],
    shared: list[str],
    now: datetime,
    my_rsvp: str | None = None,
) -> dict[str, Any]:
    """An Event instance (venue loaded) in the contract's shape."""
    venue = event.venue
    zone = venue.timezone
    return {
        "id": event.pk,
        "title": event.title,
        "description": event.description,
        "starts_at": local_iso(event.starts_at, zone),
        "ends_at": local_iso(event.ends_at, zone),
        "venue": {
            "id": venue.pk,
            "name": venue.name,
            "kind": venue.kind,
            "location": {"lat": round(venue.location.y, 6), "lng": round(venue.location.x, 6)},
            "address": venue.address,
            "timezone": zone,
        },
        "distance_km": None,
        "capacity": event.capacity,
        "going_count": event.going_count,
        "spots_left": event.spots_left,
        "interests": interests,
        "shared_interests": shared,
        "my_rsvp": my_rsvp,
        "status": event.status,
        "visibility": event.visibility,
        "relevance": None,
        "why": selectors.relevance_explanation(
            shared_count=len(shared), distance_m=None, starts_at=event.starts_at, zone=zone, now=now
        ),
    }


def event_detail_data(event: Event, *, viewer: User | None) -> dict[str, Any]:
    now = timezone.now()
    my_rsvp = getattr(event, "my_rsvp", None)
    position = None
    if my_rsvp == Rsvp.Status.WAITLISTED and viewer is not None:
        rsvp = selectors.rsvp_get(event=event, user=viewer)
        position = services.rsvp_position(rsvp) if rsvp else None
    organizer = None
    if event.organizer is not None:
        organizer = selectors.person_for(viewer, event.organizer)
    return {
        **event_data(
            event,
            interests=selectors.event_interest_slugs(event),
            shared=selectors.shared_interest_slugs(event=event, viewer=viewer),
            now=now,
            my_rsvp=my_rsvp,
        ),
        "organizer": organizer,
        "my_position": position,
        "cancel_reason": event.cancel_reason,
    }


def as_feature(data: dict[str, Any]) -> dict[str, Any]:
    location = data["venue"]["location"]
    return {
        "type": "Feature",
        "id": data["id"],
        "geometry": {"type": "Point", "coordinates": [location["lng"], location["lat"]]},
        "properties": data,
    }


def _viewer(request: Request) -> User | None:
    return request.user if request.user.is_authenticated else None  # type: ignore[return-value]


# --- Query and bodies -------------------------------------------------------------------------
def _csv(value: str) -> list[str]:
    return [part.strip() for part in value.split(",") if part.strip()]


class EventListQuery(serializers.Serializer):
    lat = serializers.FloatField(
        min_value=-90, max_value=90, required=False, help_text="With lng; default: your home."
    )
    lng = serializers.FloatField(
        min_value=-180, max_value=180, required=False, help_text="With lat; default: your home."
    )
    radius_km = serializers.FloatField(
        min_value=0.01,
        max_value=selectors.MAX_RADIUS_KM,
        required=False,
        help_text="Default: how far you travel (your profile), else 5.",
    )
    interests = serializers.CharField(
        required=False, help_text="Comma-separated interest slugs: events with any of them."
    )
    kind = serializers.CharField(
        required=False, help_text="Comma-separated venue kinds: " + ", ".join(VenueKind.values)
    )
    starts_after = AwareDateTimeField(required=False)
    starts_before = AwareDateTimeField(required=False)
    ordering = serializers.ChoiceField(choices=selectors.ORDERINGS, default="relevance")

    def validate_interests(self, value: str) -> list[str]:
        slugs = _csv(value)
        if len(slugs) > 20:
            raise serializers.ValidationError("At most 20 interests.", code="max_length")
        return slugs

    def validate_kind(self, value: str) -> list[str]:
        kinds = _csv(value)
        unknown = sorted(set(kinds) - set(VenueKind.values))
        if unknown:
            raise serializers.ValidationError(
                f"Unknown kind(s): {', '.join(unknown)}.", code="invalid_choice"
            )
        return kinds

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if ("lat" in attrs) != ("lng" in attrs):
            missing = "lng" if "lat" in attrs else "lat"
            raise serializers.ValidationError(
                {missing: ["Send lat and lng together."]}, code="required"
            )
        return attrs


class EventWriteFields(serializers.Serializer):
    venue_id = serializers.IntegerField(min_value=1, max_value=2**63 - 1)
    title = serializers.CharField(max_length=Event.TITLE_MAX_LENGTH)
    description = serializers.CharField(
        max_length=Event.DESCRIPTION_MAX_LENGTH, allow_blank=True, required=False, default=""
    )
    starts_at = AwareDateTimeField()
    ends_at = AwareDateTimeField()
    capacity = serializers.IntegerField(min_value=MIN_CAPACITY, max_value=MAX_CAPACITY)
    interests = serializers.ListField(
        child=serializers.SlugField(max_length=60), required=False, default=list, max_length=10
    )


def _venue_for_body(venue_id: int) -> Venue:
    venue = Venue.objects.filter(pk=venue_id).first()
    if venue is None:
        raise serializers.ValidationError({"venue_id": ["No such venue."]}, code="does_not_exist")
    return venue


# --- Throttling and permissions ---------------------------------------------------------------
class EventAnonThrottle(AnonRateThrottle):
    scope = "events_anon"

    def get_rate(self) -> str:
        return str(settings.EVENTS_ANON_RATE)


class ReadPublicWriteAuthenticated(BasePermission):
    def has_permission(self, request: Request, view: APIView) -> bool:
        return request.method in ("GET", "HEAD", "OPTIONS") or bool(
            request.user and request.user.is_authenticated
        )


class EventsApiView(APIView):
    permission_classes = [ReadPublicWriteAuthenticated]
    throttle_classes = [*APIView.throttle_classes, EventAnonThrottle]

    def finalize_response(
        self, request: Request, response: Response, *args: Any, **kwargs: Any
    ) -> Response:
        if response.status_code >= 400:
            # Errors keep the contract's JSON shape whatever representation was asked for.
            request.accepted_renderer = JSONRenderer()
            request.accepted_media_type = JSONRenderer.media_type
        return super().finalize_response(request, response, *args, **kwargs)


FORMAT_PARAMETER = OpenApiParameter(
    "format",
    OpenApiTypes.STR,
    enum=["json", "geojson"],
    description="`geojson` answers a GeoJSON FeatureCollection (same as "
    "`Accept: application/geo+json`).",
)


# --- /events ----------------------------------------------------------------------------------
class EventListApi(EventsApiView):
    renderer_classes = [JSONRenderer, GeoJSONRenderer]

    @property
    def wants_geojson(self) -> bool:
        return getattr(self.request.accepted_renderer, "format", None) == "geojson"

    @extend_schema(
        operation_id="events_list",
        summary="Upcoming public events near a point",
        parameters=[
            EventListQuery,
            FORMAT_PARAMETER,
            OpenApiParameter("page", OpenApiTypes.INT),
            OpenApiParameter("page_size", OpenApiTypes.INT, description="At most 100."),
        ],
        responses={
            (200, "application/json"): EventPageOutput,
            (200, GEOJSON_MEDIA_TYPE): EventFeatureCollectionOutput,
            **error_responses(
                400,
                404,
                e400="A bad query parameter (`attr` names it), or no point at all "
                "(`location_required`: send lat/lng, or sign in with a home location).",
            ),
        },
    )
    def get(self, request: Request) -> Response:
        query = EventListQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        params = query.validated_data
        viewer = _viewer(request)
        profile = getattr(viewer, "profile", None) if viewer else None
        if "lat" in params:
            center: Point = point(lat=params["lat"], lng=params["lng"])
        elif profile is not None and profile.home is not None:
            center = profile.home
        else:
            raise LocationRequired(attr="lat")
        radius = params.get("radius_km") or (
            profile.max_travel_km if profile is not None else selectors.DEFAULT_RADIUS_KM
        )
        search = selectors.EventSearch(
            point=center,
            radius_km=radius,
            interests=params.get("interests", []),
            kinds=params.get("kind", []),
            starts_after=params.get("starts_after"),
            starts_before=params.get("starts_before"),
            ordering=params["ordering"],
        )
        rows = selectors.event_list_near(
            search=search,
            viewer=viewer,
            viewer_interest_ids=selectors.interest_ids_of(viewer),
            hidden_organizer_ids=blocked_user_ids(viewer) if viewer else (),
        )
        paginator: BasePagination = (
            GeoJsonPagination() if self.wants_geojson else PageNumberPagination()
        )
        page = paginator.paginate_queryset(rows, request, view=self) or []
        now = timezone.now()
        data = [row_data(row, now=now) for row in page]
        if self.wants_geojson:
            return paginator.get_paginated_response([as_feature(item) for item in data])
        return paginator.get_paginated_response(data)

    class Input(EventWriteFields):
        pass

    @extend_schema(
        operation_id="events_create",
        summary="Create a public event (you are going)",
        request=Input,
        parameters=[IDEMPOTENCY_KEY_PARAMETER],
        responses={
            201: EventDetailOutput,
            **error_responses(
                400,
                403,
                422,
                e400="Invalid input, `attr` names the field: `in_past`, `ends_before_start`, "
                "`too_long` (over 12 h), `min_value`/`max_value` (capacity 2–50), "
                "`venue_inactive`, `venue_closed` (outside its known opening hours), "
                "`unknown_interests`, `does_not_exist` (venue).",
                e403="`email_unverified`: confirm your email address first.",
            ),
        },
    )
    @idempotent
    def post(self, request: Request) -> Response:
        body = self.Input(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        event = services.event_create(
            organizer=request.user,  # type: ignore[arg-type]
            venue=_venue_for_body(data["venue_id"]),
            title=data["title"],
            description=data["description"],
            starts_at=data["starts_at"],
            ends_at=data["ends_at"],
            capacity=data["capacity"],
            interests=data["interests"],
        )
        event = selectors.event_get_for(user=request.user, event_id=event.pk)  # type: ignore[arg-type]
        return Response(
            event_detail_data(event, viewer=request.user),  # type: ignore[arg-type]
            status=status.HTTP_201_CREATED,
        )


class EventDetailApi(EventsApiView):
    @extend_schema(
        operation_id="events_retrieve",
        responses={200: EventDetailOutput, **error_responses(404)},
    )
    def get(self, request: Request, event_id: int) -> Response:
        viewer = _viewer(request)
        event = selectors.event_get_for(user=viewer, event_id=event_id)
        return Response(event_detail_data(event, viewer=viewer))

    class Input(EventWriteFields):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            for field in self.fields.values():
                field.required = False
                field.default = serializers.empty

    @extend_schema(
        operation_id="events_partial_update",
        summary="Change your event (organizer only); attendees are told",
        request=Input,
        responses={
            200: EventDetailOutput,
            **error_responses(
                400,
                403,
                404,
                409,
                e403="`not_organizer`: only the organizer may change the event.",
                e409="`event_cancelled`, `event_past`, or `capacity_below_going`.",
            ),
        },
    )
    def patch(self, request: Request, event_id: int) -> Response:
        event = selectors.event_get_for(user=request.user, event_id=event_id)  # type: ignore[arg-type]
        body = self.Input(data=request.data, partial=True)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        services.event_update(
            event=event,
            user=request.user,  # type: ignore[arg-type]
            title=data.get("title"),
            description=data.get("description"),
            venue=_venue_for_body(data["venue_id"]) if "venue_id" in data else None,
            starts_at=data.get("starts_at"),
            ends_at=data.get("ends_at"),
            capacity=data.get("capacity"),
            interests=data.get("interests"),
        )
        event = selectors.event_get_for(user=request.user, event_id=event_id)  # type: ignore[arg-type]
        return Response(event_detail_data(event, viewer=request.user))  # type: ignore[arg-type]

    @extend_schema(
        operation_id="events_destroy",
        summary="Cancel your event (organizer only); attendees are told",
        responses={
            204: None,
            **error_responses(
                403, 404, 409, e403="`not_organizer`.", e409="`event_past`: it already started."
            ),
        },
    )
    def delete(self, request: Request, event_id: int) -> Response:
        event = selectors.event_get_for(user=request.user, event_id=event_id)  # type: ignore[arg-type]
        services.event_cancel(event=event, user=request.user)  # type: ignore[arg-type]
        return Response(status=status.HTTP_204_NO_CONTENT)


class EventRsvpApi(EventsApiView):
    permission_classes = [IsAuthenticated]

    class Output(serializers.Serializer):
        event_id = serializers.IntegerField()
        status = serializers.ChoiceField(choices=["going", "waitlisted"])
        position = serializers.IntegerField(
            allow_null=True, help_text="Place on the waitlist (1 = next); null when going."
        )

    @extend_schema(
        operation_id="events_rsvp_create",
        summary="Go to the event, or join its waitlist when it is full",
        request=None,
        parameters=[IDEMPOTENCY_KEY_PARAMETER],
        responses={
            201: Output,
            **error_responses(
                403,
                404,
                409,
                422,
                e403="`blocked` (you and the organizer blocked each other) or `email_unverified`.",
                e409="`event_cancelled`, `event_past` (already started), or `event_full` "
                "(a full private meetup; public events waitlist instead).",
            ),
        },
    )
    @idempotent
    def post(self, request: Request, event_id: int) -> Response:
        event = selectors.event_get_for(user=request.user, event_id=event_id)  # type: ignore[arg-type]
        rsvp = services.rsvp_join(event=event, user=request.user)  # type: ignore[arg-type]
        body = {"event_id": event.pk, "status": rsvp.status, "position": rsvp.position}  # type: ignore[attr-defined]
        return Response(self.Output(body).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        operation_id="events_rsvp_destroy",
        summary="Give up your place; the first person waiting gets it",
        responses={
            204: None,
            **error_responses(
                404, 409, e409="`event_past`, or `organizer_cannot_leave` (cancel it instead)."
            ),
        },
    )
    def delete(self, request: Request, event_id: int) -> Response:
        event = selectors.event_get_for(user=request.user, event_id=event_id)  # type: ignore[arg-type]
        services.rsvp_cancel(event=event, user=request.user)  # type: ignore[arg-type]
        return Response(status=status.HTTP_204_NO_CONTENT)


class EventAttendeesApi(EventsApiView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="events_attendees_list",
        summary="Who is going (public shape only; blocked people never appear)",
        responses={200: PersonOutput(many=True), **error_responses(404)},
    )
    def get(self, request: Request, event_id: int) -> Response:
        event = selectors.event_get_for(user=request.user, event_id=event_id)  # type: ignore[arg-type]
        people = selectors.event_attendees(event=event, viewer=request.user)  # type: ignore[arg-type]
        return Response(PersonOutput(people, many=True).data)


class CalendarRenderer(BaseRenderer):
    media_type = "text/calendar"
    format = "ics"
    charset = "utf-8"

    def render(
        self, data: Any, accepted_media_type: str | None = None, renderer_context: Any = None
    ) -> bytes:
        return data if isinstance(data, bytes) else b""


class EventIcsApi(EventsApiView):
    renderer_classes = [CalendarRenderer, JSONRenderer]

    @extend_schema(
        operation_id="events_ics_retrieve",
        summary="The event as an iCalendar file (RFC 5545)",
        responses={
            (200, "text/calendar"): OpenApiResponse(OpenApiTypes.STR, description="VCALENDAR"),
            **error_responses(404),
        },
    )
    def get(self, request: Request, event_id: int) -> HttpResponse:
        event = selectors.event_get_for(user=_viewer(request), event_id=event_id)
        return ics_response(calendars.event_ics(event), filename=calendars.ics_filename(event))


def ics_response(body: bytes, *, filename: str, inline: bool = False) -> HttpResponse:
    response = HttpResponse(body, content_type=calendars.CONTENT_TYPE)
    disposition = "inline" if inline else "attachment"
    response["Content-Disposition"] = f'{disposition}; filename="{filename}"'
    response["Cache-Control"] = "private, max-age=0, must-revalidate"
    return response


# --- /me --------------------------------------------------------------------------------------
class MyEventsApi(EventsApiView):
    permission_classes = [IsAuthenticated]

    class Query(serializers.Serializer):
        when = serializers.ChoiceField(choices=["upcoming", "past"], default="upcoming")

    @extend_schema(
        operation_id="me_events_list",
        summary="Your events and meetups",
        parameters=[
            Query,
            OpenApiParameter("page", OpenApiTypes.INT),
            OpenApiParameter("page_size", OpenApiTypes.INT, description="At most 100."),
        ],
        responses={200: EventPageOutput, **error_responses(400, 404)},
    )
    def get(self, request: Request) -> Response:
        query = self.Query(data=request.query_params)
        query.is_valid(raise_exception=True)
        user: User = request.user  # type: ignore[assignment]
        events = selectors.events_for_user(
            user=user, when=query.validated_data["when"]
        ).prefetch_related("interests")
        paginator = PageNumberPagination()
        page = paginator.paginate_queryset(events, request, view=self) or []
        mine = set(selectors.interest_ids_of(user))
        now = timezone.now()
        data = []
        for event in page:
            interests = sorted(event.interests.all(), key=lambda i: i.slug)
            data.append(
                event_data(
                    event,
                    interests=[i.slug for i in interests],
                    shared=[i.slug for i in interests if i.pk in mine],
                    now=now,
                    my_rsvp=getattr(event, "my_rsvp", None),
                )
            )
        return paginator.get_paginated_response(data)


def calendar_feed_url(request: Any, feed: CalendarFeed) -> str:
    return request.build_absolute_uri(reverse("events:calendar-feed", args=[feed.token]))


class MyCalendarUrlApi(EventsApiView):
    permission_classes = [IsAuthenticated]

    class Output(serializers.Serializer):
        url = serializers.URLField(
            help_text="Secret: anyone with it sees your upcoming events. Subscribe to it in a "
            "calendar app (webcal works too)."
        )

    @extend_schema(operation_id="me_calendar_url_retrieve", responses={200: Output})
    def get(self, request: Request) -> Response:
        feed = services.calendar_feed_get_or_create(user=request.user)  # type: ignore[arg-type]
        return Response(self.Output({"url": calendar_feed_url(request, feed)}).data)


# --- /venues/{id} with its upcoming events ----------------------------------------------------
class VenueEventOutput(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    starts_at = serializers.DateTimeField(help_text="RFC 3339 in the venue's local offset.")
    ends_at = serializers.DateTimeField()
    capacity = serializers.IntegerField()
    going_count = serializers.IntegerField()
    spots_left = serializers.IntegerField()


class VenueWithEventsOutput(VenueDetailOutput):
    upcoming_events = VenueEventOutput(many=True, help_text="The next public events here.")


class VenueWithEventsFeatureOutput(serializers.Serializer):
    type = serializers.ChoiceField(choices=["Feature"])
    id = serializers.IntegerField()
    geometry = PointGeometryOutput()
    properties = VenueWithEventsOutput()


class VenueWithEventsDetailApi(VenueDetailApi):
    """The venues app's venue detail plus the venue's upcoming public events."""

    output = VenueWithEventsOutput

    def detail_data(self, venue: Venue) -> dict[str, Any]:
        events = selectors.venue_upcoming_events(venue_id=venue.pk, viewer=_viewer(self.request))
        for event in events:
            event["starts_at"] = local_iso(event["starts_at"], venue.timezone)
            event["ends_at"] = local_iso(event["ends_at"], venue.timezone)
        return {**super().detail_data(venue), "upcoming_events": events}

    @extend_schema(
        operation_id="venues_retrieve",
        parameters=[VenueDetailQuery, FORMAT_PARAMETER],
        responses={
            (200, "application/json"): VenueWithEventsOutput,
            (200, GEOJSON_MEDIA_TYPE): VenueWithEventsFeatureOutput,
            **error_responses(400, 404, 429, e404="No such venue (`venue_not_found`)."),
        },
    )
    def get(self, request: Request, venue_id: int) -> Response:
        return super().get(request, venue_id)
