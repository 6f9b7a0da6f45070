"""REST API for venues (contract: Venues).

Public: venues are public places from OpenStreetMap with no personal data, and anonymous
people must be able to browse places (and later events) around a point they type before
signing up. Anonymous callers are rate limited per IP; signed-in callers may leave out
`lat`/`lng` to search around their home, which is used server-side and never echoed.

Both endpoints answer JSON, or GeoJSON with `?format=geojson` or `Accept: application/geo+json`
(a FeatureCollection with the contract's pagination fields, or a Feature). Errors are always
the contract's JSON error shape, whatever representation was asked for.
"""

from datetime import datetime
from typing import Any

from django.conf import settings
from django.contrib.gis.geos import Point
from django.db.models import QuerySet
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.pagination import BasePagination
from rest_framework.permissions import AllowAny
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import AnonRateThrottle
from rest_framework.views import APIView

from apps.core.api.fields import LatLngSerializer, distance_km
from apps.core.api.pagination import PageNumberPagination
from apps.core.api.schema import ErrorResponse
from apps.core.errors import DomainError
from apps.core.geo import point
from apps.core.kinds import VenueKind
from apps.venues import selectors
from apps.venues.models import Venue

GEOJSON_MEDIA_TYPE = "application/geo+json"


class LocationRequired(DomainError):
    code = "location_required"
    http_status = 400
    default_detail = "Send lat and lng, or sign in with a home location set."


# --- Representations ------------------------------------------------------------------------
class GeoJSONRenderer(JSONRenderer):
    """`?format=geojson` or `Accept: application/geo+json`."""

    media_type = GEOJSON_MEDIA_TYPE
    format = "geojson"


class VenueTagsOutput(serializers.Serializer):
    wheelchair = serializers.ChoiceField(
        choices=Venue.Wheelchair.choices, allow_null=True, help_text="null when not mapped"
    )
    outdoor_seating = serializers.BooleanField(allow_null=True)
    wifi = serializers.BooleanField(allow_null=True)
    website = serializers.URLField(allow_null=True)
    phone = serializers.CharField(allow_null=True)


class VenueOutput(serializers.Serializer):
    """The contract's venue: `{id, name, kind, location, address, distance_km, opening_hours,
    open_now, timezone}`, plus additive extras."""

    id = serializers.IntegerField()
    name = serializers.CharField()
    kind = serializers.ChoiceField(choices=VenueKind.choices)
    location = LatLngSerializer()
    address = serializers.CharField(help_text="Street and city as mapped; may be empty.")
    distance_km = serializers.FloatField(
        allow_null=True,
        help_text="From the searched point (or your home), 2 decimals; null without a point.",
    )
    opening_hours = serializers.CharField(
        help_text="OpenStreetMap opening_hours syntax, as mapped; empty when unknown."
    )
    open_now = serializers.BooleanField(
        allow_null=True,
        help_text="Open right now in the venue's local time; null when the hours are unknown "
        "or cannot be read (never a guess of 'closed').",
    )
    timezone = serializers.CharField(help_text="IANA time zone of the venue.")
    is_active = serializers.BooleanField(
        help_text="False once the venue disappeared from OpenStreetMap (lists never show those)."
    )
    tags = VenueTagsOutput()
    osm_url = serializers.URLField(allow_null=True)
    attribution = serializers.CharField()


class VenuePropertiesOutput(VenueOutput):
    """A venue's GeoJSON `properties`: everything but its position, which is the geometry."""

    location = None  # type: ignore[assignment]


class VenueDetailOutput(VenueOutput):
    """One venue. Apps above venues (events) extend this shape by subclassing VenueDetailApi."""


class PointGeometryOutput(serializers.Serializer):
    type = serializers.ChoiceField(choices=["Point"])
    coordinates = serializers.ListField(
        child=serializers.FloatField(), min_length=2, max_length=2, help_text="[lng, lat]"
    )


class VenueFeatureOutput(serializers.Serializer):
    type = serializers.ChoiceField(choices=["Feature"])
    id = serializers.IntegerField()
    geometry = PointGeometryOutput()
    properties = VenuePropertiesOutput()


class VenuePageOutput(serializers.Serializer):
    count = serializers.IntegerField()
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = VenueOutput(many=True)


class VenueFeatureCollectionOutput(serializers.Serializer):
    type = serializers.ChoiceField(choices=["FeatureCollection"])
    count = serializers.IntegerField()
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    features = VenueFeatureOutput(many=True)


def error_response(description: str) -> OpenApiResponse:
    return OpenApiResponse(response=ErrorResponse, description=description)


# Errors are JSON whatever representation was asked for (see PublicVenueApi.finalize_response).
COMMON_ERRORS = {
    (401, "application/json"): error_response(
        "A bearer token was sent but is invalid or expired (`token_not_valid`)."
    ),
    (429, "application/json"): error_response(
        "Too many anonymous requests (`throttled`); see `Retry-After`."
    ),
}


ATTRIBUTION = "© OpenStreetMap contributors, ODbL (https://www.openstreetmap.org/copyright)"


def venue_data(venue: Venue, *, now: datetime) -> dict[str, Any]:
    """The JSON shape of a venue (`distance_m` is present when the selector annotated it)."""
    distance_m = getattr(venue, "distance_m", None)
    return {
        "id": venue.pk,
        "name": venue.name,
        "kind": venue.kind,
        "location": venue.location,
        "address": venue.address,
        "distance_km": distance_km(distance_m),
        "opening_hours": venue.opening_hours,
        "open_now": selectors.venue_is_open_at(venue, now),
        "timezone": venue.timezone,
        "is_active": venue.is_active,
        "tags": {
            "wheelchair": venue.wheelchair or None,
            "outdoor_seating": venue.outdoor_seating,
            "wifi": venue.wifi,
            "website": venue.website or None,
            "phone": venue.phone or None,
        },
        "osm_url": venue.osm_url,
        "attribution": ATTRIBUTION,
    }


def as_feature(data: dict[str, Any]) -> dict[str, Any]:
    properties = {key: value for key, value in data.items() if key != "location"}
    location: Point = data["location"]
    return {
        "type": "Feature",
        "id": data["id"],
        "geometry": {"type": "Point", "coordinates": [round(location.x, 7), round(location.y, 7)]},
        "properties": properties,
    }


# --- Query parameters -----------------------------------------------------------------------
class AwareDateTimeField(serializers.DateTimeField):
    """RFC 3339 with an offset (`2026-05-01T19:00:00+02:00` or `…Z`): a time without one is
    ambiguous for venues in different zones, so it is refused rather than guessed."""

    default_error_messages = {"naive": "Include a UTC offset, e.g. 2026-05-01T19:00:00+02:00."}

    def enforce_timezone(self, value: datetime) -> datetime:
        if timezone.is_naive(value):
            self.fail("naive")
        return super().enforce_timezone(value)


class VenueListQuery(serializers.Serializer):
    lat = serializers.FloatField(
        min_value=-90, max_value=90, required=False, help_text="With lng; default: your home."
    )
    lng = serializers.FloatField(
        min_value=-180, max_value=180, required=False, help_text="With lat; default: your home."
    )
    radius_km = serializers.FloatField(
        min_value=0.01, max_value=selectors.MAX_RADIUS_KM, default=selectors.DEFAULT_RADIUS_KM
    )
    kind = serializers.CharField(
        required=False,
        help_text="Comma-separated kinds, any of: " + ", ".join(VenueKind.values),
    )
    open_at = AwareDateTimeField(
        required=False,
        help_text="Only venues known to be open at this time in their local time (RFC 3339).",
    )
    q = serializers.CharField(
        required=False, max_length=100, help_text="Part of the name or address."
    )

    def validate_kind(self, value: str) -> list[str]:
        kinds = [part.strip() for part in value.split(",") if part.strip()]
        unknown = sorted(set(kinds) - set(VenueKind.values))
        if unknown:
            raise serializers.ValidationError(
                f"Unknown kind(s): {', '.join(unknown)}. Use: {', '.join(VenueKind.values)}.",
                code="invalid_choice",
            )
        return kinds

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        return _both_or_neither(attrs)


class VenueDetailQuery(serializers.Serializer):
    lat = serializers.FloatField(min_value=-90, max_value=90, required=False)
    lng = serializers.FloatField(min_value=-180, max_value=180, required=False)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        return _both_or_neither(attrs)


def _both_or_neither(attrs: dict[str, Any]) -> dict[str, Any]:
    if ("lat" in attrs) != ("lng" in attrs):
        missing = "lng" if "lat" in attrs else "lat"
        raise serializers.ValidationError(
            {missing: ["Send lat and lng together."]}, code="required"
        )
    return attrs


def _caller_home(request: Request) -> Point | None:
    # Venues sit below accounts and do not import it; the home is read through the user's
    # profile relation, used for the query only and never returned.
    profile = getattr(request.user, "profile", None) if request.user.is_authenticated else None
    return getattr(profile, "home", None)


# --- Views ----------------------------------------------------------------------------------
class VenueAnonThrottle(AnonRateThrottle):
    scope = "venues_anon"

    def get_rate(self) -> str:
        return str(settings.VENUES_ANON_RATE)


class GeoJsonPagination(PageNumberPagination):
    """The contract's pagination fields in a GeoJSON FeatureCollection."""

    def get_paginated_response(self, data: Any) -> Response:
        assert self.page is not None  # noqa: S101 - DRF calls this after paginate_queryset
        return Response(
            {
                "type": "FeatureCollection",
                "count": self.page.paginator.count,
                "next": self.get_next_link(),
                "previous": self.get_previous_link(),
                "features": data,
            }
        )


class PublicVenueApi(APIView):
    permission_classes = [AllowAny]
    throttle_classes = [VenueAnonThrottle]
    renderer_classes = [JSONRenderer, GeoJSONRenderer]

    @property
    def wants_geojson(self) -> bool:
        return getattr(self.request.accepted_renderer, "format", None) == "geojson"

    def finalize_response(
        self, request: Request, response: Response, *args: Any, **kwargs: Any
    ) -> Response:
        if response.status_code >= 400:
            # Errors keep the contract's JSON shape and type whatever was asked for.
            request.accepted_renderer = JSONRenderer()
            request.accepted_media_type = JSONRenderer.media_type
        return super().finalize_response(request, response, *args, **kwargs)


LIST_PARAMETERS = [
    OpenApiParameter(
        "format",
        OpenApiTypes.STR,
        enum=["json", "geojson"],
        description="`geojson` answers a GeoJSON FeatureCollection (same as "
        "`Accept: application/geo+json`).",
    ),
]


class VenueListApi(PublicVenueApi):
    """Active venues near a point, nearest first."""

    @extend_schema(
        operation_id="venues_list",
        parameters=[
            VenueListQuery,
            *LIST_PARAMETERS,
            OpenApiParameter("page", OpenApiTypes.INT),
            OpenApiParameter("page_size", OpenApiTypes.INT, description="At most 100."),
        ],
        responses={
            (200, "application/json"): VenuePageOutput,
            (200, GEOJSON_MEDIA_TYPE): VenueFeatureCollectionOutput,
            (400, "application/json"): error_response(
                "A bad query parameter (`attr` names it: `invalid`, `min_value`, `max_value`, "
                "`required`, `invalid_choice`, `naive`, `max_length`), or no point at all "
                "(`location_required`: send lat/lng, or sign in with a home location)."
            ),
            (404, "application/json"): error_response("A page past the end (`not_found`)."),
            **COMMON_ERRORS,
        },
    )
    def get(self, request: Request) -> Response:
        query = VenueListQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        params = query.validated_data
        if "lat" in params:
            center = point(lat=params["lat"], lng=params["lng"])
        else:
            home = _caller_home(request)
            if home is None:
                raise LocationRequired(attr="lat")
            center = home
        venues = selectors.venue_list_near(
            point=center,
            radius_km=params["radius_km"],
            kinds=params.get("kind"),
            open_at=params.get("open_at"),
            q=params.get("q"),
        )
        return self.page_response(venues)

    def page_response(self, venues: QuerySet[Venue]) -> Response:
        paginator: BasePagination = (
            GeoJsonPagination() if self.wants_geojson else PageNumberPagination()
        )
        page = paginator.paginate_queryset(venues, self.request, view=self) or []
        now = timezone.now()
        data = [venue_data(venue, now=now) for venue in page]
        if self.wants_geojson:
            features = [as_feature(item) for item in data]
            return paginator.get_paginated_response(VenueFeatureOutput(features, many=True).data)
        return paginator.get_paginated_response(VenueOutput(data, many=True).data)


class VenueDetailApi(PublicVenueApi):
    """One venue (retired ones too: events and history point at them).

    To add sections (e.g. upcoming events), subclass with a richer `output` and override
    `detail_data`; the GeoJSON Feature carries the same extra properties.
    """

    output: type[serializers.Serializer] = VenueDetailOutput

    def detail_data(self, venue: Venue) -> dict[str, Any]:
        return venue_data(venue, now=timezone.now())

    @extend_schema(
        operation_id="venues_retrieve",
        parameters=[VenueDetailQuery, *LIST_PARAMETERS],
        responses={
            (200, "application/json"): VenueDetailOutput,
            (200, GEOJSON_MEDIA_TYPE): VenueFeatureOutput,
            (400, "application/json"): error_response("Bad lat/lng (`attr` names it)."),
            (404, "application/json"): error_response("No such venue (`venue_not_found`)."),
            **COMMON_ERRORS,
        },
    )
    def get(self, request: Request, venue_id: int) -> Response:
        query = VenueDetailQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        params = query.validated_data
        center = point(lat=params["lat"], lng=params["lng"]) if "lat" in params else None
        venue = selectors.venue_get(venue_id=venue_id, point=center)
        data = self.output(self.detail_data(venue)).data
        if self.wants_geojson:
            data = {**data, "location": venue.location}
            return Response(as_feature(data))
        return Response(data)
