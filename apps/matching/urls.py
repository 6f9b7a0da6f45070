from django.urls import URLPattern, URLResolver, path

from apps.matching import views

app_name = "matching"
urlpatterns: list[URLPattern | URLResolver] = [
    path("suggestions/", views.suggestion_inbox, name="inbox"),
    path("suggestions/<int:suggestion_id>/accept/", views.suggestion_accept, name="accept"),
    path("suggestions/<int:suggestion_id>/decline/", views.suggestion_decline, name="decline"),
]
