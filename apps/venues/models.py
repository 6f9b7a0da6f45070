"""Venues (public places where meetups happen), the regions kept fresh from OpenStreetMap, and the
record of every import run.

Venues are never deleted: events point at them with PROTECT, and a venue that disappeared from
OpenStreetMap is retired with `is_active=False` so its history keeps working.
"""

from datetime import timedelta

from django.contrib.gis.db import models
from django.contrib.postgres.indexes import GistIndex
from django.db.models import Q
from django.utils import timezone as django_timezone

from apps.core.kinds import VenueKind
from apps.core.models import TimeStampedModel


class Region(TimeStampedModel):
    """An area whose venues MatchUp keeps current. Beat refreshes it every `refresh_interval`."""

    class Provider(models.TextChoices):
        OVERPASS = "overpass", "Overpass API (OpenStreetMap, over HTTP)"
        FILE = "file", "Local file (GeoJSON, Overpass JSON or .osm.pbf)"

    name = models.CharField(max_length=100, unique=True)
    slug = models.SlugField(max_length=100, unique=True)
    # Geometry (not geography): a bounding box or hand-drawn polygon in WGS 84, used for the
    # Overpass query (its extent) and to keep only venues inside it.
    area = models.PolygonField(srid=4326)
    provider = models.CharField(max_length=16, choices=Provider, default=Provider.OVERPASS)
    source_path = models.CharField(
        max_length=500,
        blank=True,
        help_text="For the file provider: a path inside one of VENUES_IMPORT_DIRS.",
    )
    refresh_interval = models.DurationField(default=timedelta(days=7))
    is_active = models.BooleanField(
        default=True, help_text="Inactive regions are not refreshed; their venues stay as they are."
    )
    last_refreshed_at = models.DateTimeField(null=True, blank=True, editable=False)
    # Set when a refresh is enqueued, so the beat scan does not pile up messages for a region
    # whose refresh is queued, running or failing (it is retried after VENUES_REFRESH_RETRY).
    refresh_requested_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(provider="file") | ~Q(source_path=""),
                name="region_file_provider_has_path",
            ),
            models.CheckConstraint(
                condition=Q(refresh_interval__gte=timedelta(hours=1)),
                name="region_refresh_interval_gte_1h",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def bbox(self) -> tuple[float, float, float, float]:
        """(south, west, north, east), the order Overpass expects."""
        west, south, east, north = self.area.extent
        return south, west, north, east


class VenueQuerySet(models.QuerySet["Venue"]):
    def active(self) -> "VenueQuerySet":
        return self.filter(is_active=True)


class Venue(TimeStampedModel):
    """A public place (café, bookstore, bar…) as last seen in its source.

    `(source, external_id)` is the natural key every import upserts by, e.g. `("osm", "node/42")`.
    `updated_at` moves only when the content changed; `last_seen_at` on every import that saw it.
    """

    class Wheelchair(models.TextChoices):
        YES = "yes", "Wheelchair accessible"
        LIMITED = "limited", "Partly wheelchair accessible"
        NO = "no", "Not wheelchair accessible"

    source = models.CharField(max_length=16)
    external_id = models.CharField(max_length=64)
    region = models.ForeignKey(
        Region, on_delete=models.PROTECT, related_name="venues", null=True, blank=True
    )
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=32, choices=VenueKind)
    location = models.PointField(geography=True, srid=4326)
    address = models.CharField(max_length=300, blank=True)
    # Raw OSM `opening_hours`, exactly as mapped; parsed on use (apps.venues.hours).
    opening_hours = models.CharField(max_length=500, blank=True)
    timezone = models.CharField(max_length=64)
    wheelchair = models.CharField(max_length=8, choices=Wheelchair, blank=True)
    outdoor_seating = models.BooleanField(null=True, blank=True)
    wifi = models.BooleanField(null=True, blank=True)
    website = models.URLField(max_length=500, blank=True)
    phone = models.CharField(max_length=64, blank=True)
    # Every tag of the source object, for features we have not modelled yet.
    osm_tags = models.JSONField(default=dict, blank=True)
    # Digest of the imported content: an import rewrites a row only when this changes.
    content_hash = models.CharField(max_length=32, editable=False)
    is_active = models.BooleanField(default=True)
    first_seen_at = models.DateTimeField(default=django_timezone.now, editable=False)
    last_seen_at = models.DateTimeField(default=django_timezone.now, editable=False)

    objects = VenueQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["source", "external_id"], name="venue_source_external_id"
            ),
        ]
        indexes = [
            models.Index(fields=["region", "source", "is_active"], name="venue_region_active_idx"),
            # Every search is among active venues: a smaller GiST index the planner uses alone.
            GistIndex(
                fields=["location"], name="venue_active_location_gist", condition=Q(is_active=True)
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_kind_display()})"

    @property
    def osm_url(self) -> str | None:
        if self.source != "osm" or "/" not in self.external_id:
            return None
        return f"https://www.openstreetmap.org/{self.external_id}"


class ImportRun(models.Model):
    """One import or refresh of a region: what it read, what it changed, how long it took."""

    class Status(models.TextChoices):
        RUNNING = "running"
        SUCCEEDED = "succeeded"
        FAILED = "failed"
        SKIPPED = "skipped"

    class Trigger(models.TextChoices):
        SCHEDULE = "schedule"
        ADMIN = "admin"
        COMMAND = "command"
        DEMO = "demo"

    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="import_runs")
    trigger = models.CharField(max_length=16, choices=Trigger)
    provider = models.CharField(max_length=16)
    source = models.CharField(max_length=500, help_text="URL or file the data came from.")
    complete = models.BooleanField(
        default=True, help_text="A complete run retires the region's venues it did not see."
    )
    status = models.CharField(max_length=16, choices=Status, default=Status.RUNNING)
    started_at = models.DateTimeField(default=django_timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    received = models.PositiveIntegerField(default=0)
    created = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)
    unchanged = models.PositiveIntegerField(default=0)
    reactivated = models.PositiveIntegerField(default=0)
    deactivated = models.PositiveIntegerField(default=0)
    skipped = models.PositiveIntegerField(default=0)
    # {"no_name": 3, "duplicate_id": 1, …}
    skipped_reasons = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-started_at", "-pk"]
        indexes = [
            models.Index(fields=["region", "-started_at"], name="importrun_region_started_idx")
        ]

    def __str__(self) -> str:
        return f"{self.region} {self.started_at:%Y-%m-%d %H:%M} {self.status}"

    @property
    def duration(self) -> timedelta | None:
        return None if self.finished_at is None else self.finished_at - self.started_at
