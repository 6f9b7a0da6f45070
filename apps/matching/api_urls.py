from django.urls import URLPattern, URLResolver, path

from apps.matching import api

urlpatterns: list[URLPattern | URLResolver] = [
    path("suggestions", api.SuggestionListApi.as_view(), name="suggestions"),
    path(
        "suggestions/<int:suggestion_id>/accept",
        api.SuggestionAcceptApi.as_view(),
        name="suggestion-accept",
    ),
    path(
        "suggestions/<int:suggestion_id>/decline",
        api.SuggestionDeclineApi.as_view(),
        name="suggestion-decline",
    ),
]
