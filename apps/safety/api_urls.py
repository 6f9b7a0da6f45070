from django.urls import path

from apps.safety import api

urlpatterns = [
    path("blocks", api.BlockListApi.as_view(), name="blocks"),
    path("blocks/<int:user_id>", api.BlockDetailApi.as_view(), name="block-detail"),
    path("reports", api.ReportCreateApi.as_view(), name="reports"),
]
