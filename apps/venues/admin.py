"""Admin: regions (drawn on a map, refreshed on demand), venues (read from OSM, never deleted)
and every import run. Map widgets are django-leaflet's, served from our static files."""

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html
from leaflet.admin import LeafletGeoAdmin

from apps.venues import hours, services
from apps.venues.models import ImportRun, Region, Venue
from apps.venues.tasks import refresh_venues_task


class RegionForm(forms.ModelForm):
    class Meta:
        model = Region
        fields = [
            "name",
            "slug",
            "area",
            "provider",
            "source_path",
            "refresh_interval",
            "is_active",
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if self.errors:
            return data
        candidate = Region(
            provider=data.get("provider", ""), source_path=data.get("source_path", "")
        )
        if candidate.provider == Region.Provider.FILE and not candidate.source_path:
            raise ValidationError({"source_path": "A file region needs a file."})
        services.validate_source_path(candidate)
        return data


class VenueForm(forms.ModelForm):
    website = forms.URLField(assume_scheme="https", required=False, max_length=500)

    class Meta:
        model = Venue
        fields = [
            "name",
            "kind",
            "is_active",
            "location",
            "address",
            "timezone",
            "opening_hours",
            "wheelchair",
            "outdoor_seating",
            "wifi",
            "website",
            "phone",
        ]

    def clean_opening_hours(self) -> str:
        value = str(self.cleaned_data.get("opening_hours") or "").strip()
        # Imported hours are kept as mapped even when unreadable; a person typing new ones gets
        # told at once instead of the venue silently showing "hours unknown".
        if value and "opening_hours" in self.changed_data and not hours.is_valid(value):
            raise ValidationError(
                "Not valid OpenStreetMap opening_hours syntax "
                "(see https://wiki.openstreetmap.org/wiki/Key:opening_hours)."
            )
        return value


class ImportRunInline(admin.TabularInline):
    model = ImportRun
    extra = 0
    max_num = 0
    can_delete = False
    show_change_link = True
    ordering = ["-started_at"]
    fields = readonly_fields = [
        "started_at",
        "trigger",
        "status",
        "created",
        "updated",
        "reactivated",
        "deactivated",
        "skipped",
        "error",
    ]

    def get_queryset(self, request: HttpRequest) -> QuerySet[ImportRun]:
        return super().get_queryset(request).order_by("-started_at")


@admin.register(Region)
class RegionAdmin(LeafletGeoAdmin):
    form = RegionForm
    list_display = [
        "name",
        "provider",
        "is_active",
        "active_venues",
        "refresh_interval",
        "last_refreshed_at",
        "refresh_requested_at",
    ]
    list_filter = ["provider", "is_active"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    readonly_fields = ["last_refreshed_at", "refresh_requested_at", "created_at", "updated_at"]
    inlines = [ImportRunInline]
    actions = ["refresh_now"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Region]:
        return (
            super()
            .get_queryset(request)
            .annotate(n_active=Count("venues", filter=Q(venues__is_active=True)))
        )

    @admin.display(description="Active venues", ordering="n_active")
    def active_venues(self, region: Region) -> str:
        url = reverse("admin:venues_venue_changelist") + f"?region__id__exact={region.pk}"
        return format_html('<a href="{}">{}</a>', url, region.n_active)  # type: ignore[attr-defined]

    @admin.action(description="Refresh the selected regions now (in the background)")
    def refresh_now(self, request: HttpRequest, queryset: QuerySet[Region]) -> None:
        for region in queryset:
            services.region_mark_requested(region=region)
            refresh_venues_task.delay_on_commit(region.pk, ImportRun.Trigger.ADMIN)
        self.message_user(
            request,
            f"Refresh queued for {queryset.count()} region(s); see their import runs.",
            messages.SUCCESS,
        )


@admin.register(Venue)
class VenueAdmin(LeafletGeoAdmin):
    form = VenueForm
    list_display = ["name", "kind", "address", "region", "is_active", "last_seen_at"]
    list_filter = ["is_active", "kind", "region"]
    search_fields = ["name", "address", "external_id"]
    list_select_related = ["region"]
    readonly_fields = [
        "source",
        "external_id",
        "osm_link",
        "region",
        "osm_tags",
        "content_hash",
        "first_seen_at",
        "last_seen_at",
        "created_at",
        "updated_at",
    ]
    fieldsets = [
        (None, {"fields": ["name", "kind", "is_active", "location", "address", "timezone"]}),
        ("Details", {"fields": ["opening_hours", "wheelchair", "outdoor_seating", "wifi"]}),
        ("Contact", {"fields": ["website", "phone"]}),
        (
            "Source (OpenStreetMap; edits here last until the venue changes there)",
            {
                "fields": [
                    "source",
                    "external_id",
                    "osm_link",
                    "region",
                    "osm_tags",
                    "first_seen_at",
                    "last_seen_at",
                    "created_at",
                    "updated_at",
                ]
            },
        ),
    ]

    @admin.display(description="On OpenStreetMap")
    def osm_link(self, venue: Venue) -> str:
        url = venue.osm_url
        return format_html('<a href="{}">{}</a>', url, url) if url else "—"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # venues come from imports

    def has_delete_permission(self, request: HttpRequest, obj: Venue | None = None) -> bool:
        return False  # events point at venues: retire them with is_active instead


@admin.register(ImportRun)
class ImportRunAdmin(admin.ModelAdmin):
    list_display = [
        "started_at",
        "region",
        "trigger",
        "provider",
        "status",
        "seconds",
        "received",
        "created",
        "updated",
        "unchanged",
        "reactivated",
        "deactivated",
        "skipped",
    ]
    list_filter = ["status", "trigger", "provider", "region"]
    list_select_related = ["region"]
    date_hierarchy = "started_at"
    search_fields = ["error", "source"]

    @admin.display(description="Seconds")
    def seconds(self, run: ImportRun) -> str:
        return f"{run.duration.total_seconds():.1f}" if run.duration else "—"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: ImportRun | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: ImportRun | None = None) -> bool:
        return False
