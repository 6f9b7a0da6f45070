from django.urls import URLPattern, URLResolver, path

from apps.events import views
from apps.events.views import feedback

app_name = "events"
urlpatterns: list[URLPattern | URLResolver] = [
    path("events/", views.event_list, name="list"),
    path("events/new/", views.event_create, name="create"),
    path("events/mine/", views.my_events, name="mine"),
    path("events/mine/calendar/reset/", views.calendar_reset, name="calendar-reset"),
    path("events/<int:event_id>/", views.event_detail, name="detail"),
    path("events/<int:event_id>/edit/", views.event_edit, name="edit"),
    path("events/<int:event_id>/cancel/", views.event_cancel, name="cancel"),
    path("events/<int:event_id>/rsvp/", views.event_rsvp, name="rsvp"),
    path("events/<int:event_id>/rsvp/cancel/", views.event_rsvp_cancel, name="rsvp-cancel"),
    path("events/<int:event_id>/calendar.ics", views.event_ics, name="ics"),
    path("events/<int:event_id>/feedback/", feedback.meetup_feedback, name="feedback"),
    path("connections/", feedback.connections, name="connections"),
    path("calendar/<str:token>.ics", views.calendar_feed, name="calendar-feed"),
]
