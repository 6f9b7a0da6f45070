"""Serializer pieces shared by every app's API."""

from typing import Any

from django.contrib.gis.geos import Point
from rest_framework import serializers

from apps.core.geo import InvalidCoordinates, validate_lat_lng


class PersonOutput(serializers.Serializer):
    """Another person, as the privacy rule allows: nothing else, ever. The one public shape of
    a person in every API (event organizers and attendees, suggestion members)."""

    id = serializers.IntegerField()
    display_name = serializers.CharField()
    shared_interests = serializers.ListField(
        child=serializers.CharField(), help_text="Interest slugs you both have."
    )


class LatLngSerializer(serializers.Serializer):
    """`{"lat": 52.52, "lng": 13.405}`: the contract's point, validated to WGS 84 ranges."""

    lat = serializers.FloatField(min_value=-90, max_value=90)
    lng = serializers.FloatField(min_value=-180, max_value=180)

    def to_representation(self, instance: Any) -> dict[str, float]:
        if isinstance(instance, Point):
            return {"lat": round(instance.y, 6), "lng": round(instance.x, 6)}
        return {"lat": instance["lat"], "lng": instance["lng"]}


def lat_lng_query_params(params: Any, *, required: bool) -> tuple[float, float] | None:
    """Read `lat`/`lng` from query parameters; a 400 naming the bad one, None when both absent."""
    lat, lng = params.get("lat"), params.get("lng")
    if lat in (None, "") and lng in (None, "") and not required:
        return None
    try:
        return validate_lat_lng(lat=lat, lng=lng)
    except InvalidCoordinates as exc:
        raise serializers.ValidationError({exc.attr or "lat": [exc.detail]}) from exc


def distance_km(meters: float | None) -> float | None:
    return None if meters is None else round(meters / 1000, 2)
