from django.contrib import admin

from apps.core.models import GeocodeCacheEntry


@admin.register(GeocodeCacheEntry)
class GeocodeCacheEntryAdmin(admin.ModelAdmin):
    list_display = ("query", "provider", "found", "label", "updated_at")
    list_filter = ("provider", "found")
    search_fields = ("query", "label")
