from django.urls import URLPattern, URLResolver, path

from apps.safety import views

app_name = "safety"
urlpatterns: list[URLPattern | URLResolver] = [
    path("me/blocked/", views.blocked_list, name="blocked"),
    path("safety/block/", views.block, name="block"),
    path("safety/unblock/", views.unblock, name="unblock"),
    path("safety/report/", views.report, name="report"),
]
