from django.urls import URLPattern, URLResolver, path

from apps.notifications import api

urlpatterns: list[URLPattern | URLResolver] = [
    path("devices", api.DeviceCreateApi.as_view(), name="devices"),
    path("devices/<str:token>", api.DeviceDeleteApi.as_view(), name="device"),
    path("notifications", api.NotificationListApi.as_view(), name="notifications"),
    path("notifications/read", api.NotificationReadApi.as_view(), name="notifications-read"),
]
