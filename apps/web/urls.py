from django.urls import path

from apps.web import views

app_name = "web"
urlpatterns = [
    path("", views.landing, name="landing"),
    path("home/", views.home, name="home"),
    path("venues/<int:venue_id>/", views.venue_detail, name="venue-detail"),
]
