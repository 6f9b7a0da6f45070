from django.urls import path

from apps.venues import api

urlpatterns = [
    path("venues", api.VenueListApi.as_view(), name="venues"),
    path("venues/<int:venue_id>", api.VenueDetailApi.as_view(), name="venue-detail"),
]
