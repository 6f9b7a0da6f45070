from datetime import timedelta

import factory
from django.contrib.gis.geos import Polygon

from apps.core.geo import point
from apps.core.kinds import VenueKind
from apps.venues.models import Region, Venue

# Munich's centre, where the personas live (tests.factories.accounts.ProfileFactory).
MARIENPLATZ = (48.1372, 11.5756)


def bbox_polygon(south: float, west: float, north: float, east: float) -> Polygon:
    polygon = Polygon.from_bbox((west, south, east, north))
    polygon.srid = 4326
    return polygon


class RegionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Region

    name = factory.Sequence(lambda n: f"Region {n}")
    slug = factory.Sequence(lambda n: f"region-{n}")
    area = factory.LazyFunction(lambda: bbox_polygon(48.0, 11.3, 48.3, 11.8))
    provider = Region.Provider.OVERPASS
    refresh_interval = timedelta(days=7)


class VenueFactory(factory.django.DjangoModelFactory):
    """An active café at Marienplatz unless told otherwise (`lat`/`lng` place it)."""

    class Meta:
        model = Venue
        exclude = ["lat", "lng"]

    lat = MARIENPLATZ[0]
    lng = MARIENPLATZ[1]
    source = "osm"
    external_id = factory.Sequence(lambda n: f"node/{1000 + n}")
    name = factory.Sequence(lambda n: f"Café {n}")
    kind = VenueKind.CAFE
    location = factory.LazyAttribute(lambda o: point(lat=o.lat, lng=o.lng))
    address = "Marienplatz 1, 80331 München"
    opening_hours = "Mo-Su 08:00-20:00"
    timezone = "Europe/Berlin"
    content_hash = "factory"
