"""Events in the admin: browse and inspect. Changes go through the services (the organizer's
pages, or moderation), so seats, notifications and calendars stay right: read-mostly."""

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from apps.events.models import CalendarFeed, Connection, Event, Feedback, NoShowReport, Rsvp


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


class ReadOnlyAdmin(admin.ModelAdmin):
    """What people said after meetups: evidence for moderators, never edited by staff."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(Feedback)
class FeedbackAdmin(ReadOnlyAdmin):
    list_display = ("event", "user", "attended", "venue_rating", "created_at")
    list_filter = ("attended", "venue_rating")
    search_fields = ("event__title", "user__email")
    raw_id_fields = ("event", "user")


@admin.register(NoShowReport)
class NoShowReportAdmin(ReadOnlyAdmin):
    list_display = ("reported", "event", "reporter", "created_at")
    search_fields = ("reported__email", "event__title")
    raw_id_fields = ("event", "reporter", "reported")


@admin.register(Connection)
class ConnectionAdmin(ReadOnlyAdmin):
    # Who is connected, not their contact details: staff have no need to see those here.
    list_display = ("user_low", "user_high", "event", "created_at")
    search_fields = ("user_low__email", "user_high__email")
    raw_id_fields = ("user_low", "user_high", "event")
