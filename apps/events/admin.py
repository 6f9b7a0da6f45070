"""Events in the admin: browse and inspect. Changes go through the services (the organizer's
pages, or moderation), so seats, notifications and calendars stay right: read-mostly."""

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from apps.events.models import CalendarFeed, Event, Rsvp


class RsvpInline(admin.TabularInline):
    model = Rsvp
    extra = 0
    fields = ("user", "status", "joined_at", "waitlisted_at", "cancelled_at")
    readonly_fields = fields
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request: HttpRequest, obj: Event | None = None) -> bool:
        return False


@admin.register(Event)
class EventAdmin(admin.ModelAdmin):
    list_display = (
        "title",
        "venue",
        "starts_at",
        "status",
        "visibility",
        "going_count",
        "capacity",
        "organizer",
    )
    list_filter = ("status", "visibility", "venue__kind")
    search_fields = ("title", "venue__name", "organizer__email")
    date_hierarchy = "starts_at"
    raw_id_fields = ("venue", "organizer")
    readonly_fields = ("going_count", "sequence", "cancelled_at", "created_at", "updated_at")
    filter_horizontal = ("interests",)
    inlines = [RsvpInline]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Event]:
        return super().get_queryset(request).select_related("venue", "organizer")


@admin.register(CalendarFeed)
class CalendarFeedAdmin(admin.ModelAdmin):
    list_display = ("user", "created_at", "updated_at")
    search_fields = ("user__email",)
    raw_id_fields = ("user",)
    exclude = ("token",)  # a secret: staff never need to see it
