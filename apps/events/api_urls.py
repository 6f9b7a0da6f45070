from django.urls import URLPattern, URLResolver, path

from apps.events import api
from apps.events.api import feedback as feedback_api

urlpatterns: list[URLPattern | URLResolver] = [
    path("events", api.EventListApi.as_view(), name="events"),
    path("events/<int:event_id>", api.EventDetailApi.as_view(), name="event-detail"),
    path("events/<int:event_id>/rsvp", api.EventRsvpApi.as_view(), name="event-rsvp"),
    path(
        "events/<int:event_id>/attendees", api.EventAttendeesApi.as_view(), name="event-attendees"
    ),
    path("events/<int:event_id>/ics", api.EventIcsApi.as_view(), name="event-ics"),
    path(
        "meetups/<int:event_id>/feedback",
        feedback_api.MeetupFeedbackApi.as_view(),
        name="meetup-feedback",
    ),
    path("connections", feedback_api.ConnectionListApi.as_view(), name="connections"),
    path("me/events", api.MyEventsApi.as_view(), name="me-events"),
    path("me/calendar-url", api.MyCalendarUrlApi.as_view(), name="me-calendar-url"),
    # Replaces the venues app's own detail route (matchup/urls.py lists events first).
    path("venues/<int:venue_id>", api.VenueWithEventsDetailApi.as_view(), name="venue-detail"),
]
