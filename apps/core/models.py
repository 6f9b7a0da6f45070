from django.db import models


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


class GeocodeCacheEntry(TimeStampedModel):
    """A geocoder answer kept so the same address never costs a second remote call.

    `found=False` rows remember misses too (an address Nominatim does not know stays unknown
    for the cache period instead of being asked again on every keystroke).
    """

    provider = models.CharField(max_length=32)
    query = models.CharField(max_length=300)
    found = models.BooleanField(default=True)
    lat = models.FloatField(null=True)
    lng = models.FloatField(null=True)
    label = models.CharField(max_length=300, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "query"], name="geocode_cache_provider_query"
            )
        ]

    def __str__(self) -> str:
        return f"{self.provider}: {self.query}"
