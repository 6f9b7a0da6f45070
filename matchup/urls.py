from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from apps.core.views import healthz

api_v1 = [
    path("", include("apps.accounts.api_urls")),
    path("", include("apps.safety.api_urls")),
    path("", include("apps.notifications.api_urls")),
    # Events before venues: it serves GET /venues/{id} with the venue's upcoming events.
    path("", include("apps.events.api_urls")),
    path("", include("apps.venues.api_urls")),
    path("", include("apps.matching.api_urls")),
    path("schema", SpectacularAPIView.as_view(), name="schema"),
]

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("api/v1/", include((api_v1, "v1"))),
    path("api/docs", SpectacularSwaggerView.as_view(url_name="v1:schema"), name="api-docs"),
    path("admin/", admin.site.urls),
    path("accounts/", include("allauth.urls")),
    path("", include("apps.accounts.urls")),
    path("", include("apps.safety.urls")),
    path("", include("apps.notifications.urls")),
    path("", include("apps.venues.urls")),
    path("", include("apps.events.urls")),
    path("", include("apps.matching.urls")),
    path("", include("apps.web.urls")),
]

handler400 = "apps.core.views.bad_request"
handler403 = "apps.core.views.permission_denied"
handler404 = "apps.core.views.page_not_found"
handler500 = "apps.core.views.server_error"
