"""Matching in the admin: rounds with what the engine did (read-only: a round is a record), and
the proposals with their members' answers. Changes go through the services (people's answers,
the scans, safety), so meetups and notifications stay right."""

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from apps.matching.models import Round, Suggestion, SuggestionMember


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Round)
class RoundAdmin(ReadOnlyAdmin):
    list_display = (
        "region",
        "window_start",
        "status",
        "mode",
        "participants",
        "matched",
        "match_rate_percent",
        "groups",
        "mean_shared_interests_rounded",
        "mean_trip",
        "max_trip",
        "runtime",
        "cells",
    )
    list_filter = ("status", "mode", "trigger", "region")
    date_hierarchy = "window_start"
    exclude = ("problem",)  # people's homes while a round runs: never shown
    readonly_fields = [
        "region",
        "window_start",
        "window_end",
        "slot_step",
        "slot_length",
        "status",
        "mode",
        "trigger",
        "started_at",
        "finished_at",
        "lease_until",
        "participants",
        "matched",
        "groups",
        "mean_shared_interests",
        "mean_trip_km",
        "max_trip_km",
        "objective",
        "cells",
        "venues",
        "slots",
        "dropped_for_venue_capacity",
        "dropped_at_save",
        "input_seconds",
        "engine_seconds",
        "save_seconds",
        "runtime_seconds",
        "error",
        "created_at",
        "updated_at",
    ]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Round]:
        return super().get_queryset(request).select_related("region").defer("problem")

    @admin.display(description="matched %")
    def match_rate_percent(self, obj: Round) -> str:
        return f"{100 * obj.match_rate:.0f} %"

    @admin.display(description="shared interests", ordering="mean_shared_interests")
    def mean_shared_interests_rounded(self, obj: Round) -> str:
        return f"{obj.mean_shared_interests:.2f}"

    @admin.display(description="mean trip", ordering="mean_trip_km")
    def mean_trip(self, obj: Round) -> str:
        return f"{obj.mean_trip_km:.2f} km"

    @admin.display(description="max trip", ordering="max_trip_km")
    def max_trip(self, obj: Round) -> str:
        return f"{obj.max_trip_km:.2f} km"

    @admin.display(description="runtime", ordering="runtime_seconds")
    def runtime(self, obj: Round) -> str:
        return f"{obj.runtime_seconds:.1f} s"


class SuggestionMemberInline(admin.TabularInline):
    model = SuggestionMember
    extra = 0
    fields = ("user", "response", "responded_at", "decline_reason", "trip_km", "notified_at")
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_queryset(self, request: HttpRequest) -> QuerySet[SuggestionMember]:
        return super().get_queryset(request).select_related("user")


@admin.register(Suggestion)
class SuggestionAdmin(ReadOnlyAdmin):
    list_display = ("pk", "venue", "starts_at", "size", "status", "respond_by", "round")
    list_filter = ("status", "size")
    search_fields = ("venue__name", "members__user__email")
    date_hierarchy = "starts_at"
    readonly_fields = [
        "round",
        "venue",
        "starts_at",
        "ends_at",
        "respond_by",
        "size",
        "why",
        "score",
        "shared_interest_ids",
        "status",
        "event",
        "confirmed_at",
        "closed_at",
        "close_reason",
        "created_at",
        "updated_at",
    ]
    inlines = [SuggestionMemberInline]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Suggestion]:
        return super().get_queryset(request).select_related("venue", "round__region")

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Viewable (the inline needs the change view) but nothing can be saved.
        return False
