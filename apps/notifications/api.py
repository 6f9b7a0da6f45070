"""REST API for devices and in-app notifications (contract: Devices and notifications)."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.generics import ListAPIView
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.core.api.schema import ErrorResponse
from apps.notifications import selectors, services
from apps.notifications.models import Device, Kind, Notification


class DeviceOutput(serializers.Serializer):
    platform = serializers.ChoiceField(choices=Device.Platform.choices)
    token = serializers.CharField()


class NotificationOutput(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=Kind.choices)
    title = serializers.CharField()
    body = serializers.CharField()
    url = serializers.CharField(help_text="Path on the web site, or empty.")
    data = serializers.DictField(help_text="What the message is about (ids, local times).")
    created_at = serializers.DateTimeField()
    read_at = serializers.DateTimeField(allow_null=True)
    unread = serializers.SerializerMethodField()

    def get_unread(self, obj: Notification) -> bool:
        return obj.read_at is None


class DeviceCreateApi(APIView):
    class Input(serializers.Serializer):
        platform = serializers.ChoiceField(choices=Device.Platform.choices)
        token = serializers.CharField(max_length=1024, trim_whitespace=True)

        class Meta:
            ref_name = "DeviceCreate"

    @extend_schema(operation_id="devices_create", request=Input, responses={201: DeviceOutput})
    def post(self, request: Request) -> Response:
        payload = self.Input(data=request.data)
        payload.is_valid(raise_exception=True)
        device = services.device_register(user=request.user, **payload.validated_data)
        return Response(DeviceOutput(device).data, status=status.HTTP_201_CREATED)


class DeviceDeleteApi(APIView):
    @extend_schema(
        operation_id="devices_destroy",
        responses={
            204: None,
            404: OpenApiResponse(ErrorResponse, description="Not your device, or no such token."),
        },
    )
    def delete(self, request: Request, token: str) -> Response:
        services.device_delete(user=request.user, token=token)
        return Response(status=status.HTTP_204_NO_CONTENT)


class NotificationListApi(ListAPIView):
    serializer_class = NotificationOutput

    class Filters(serializers.Serializer):
        unread = serializers.BooleanField(required=False, allow_null=True, default=None)

    def get_queryset(self):  # type: ignore[no-untyped-def]  # DRF's generic signature
        filters = self.Filters(data=self.request.query_params)
        filters.is_valid(raise_exception=True)
        return selectors.notification_list_for(
            user=self.request.user, unread=filters.validated_data.get("unread")
        )

    @extend_schema(
        operation_id="notifications_list",
        parameters=[
            OpenApiParameter(
                "unread",
                OpenApiTypes.BOOL,
                description="true: only unread; false: only read; absent: all.",
            )
        ],
    )
    def get(self, request: Request) -> Response:
        return super().get(request)


class NotificationReadApi(APIView):
    class Input(serializers.Serializer):
        ids = serializers.ListField(
            child=serializers.IntegerField(min_value=1), max_length=500, allow_empty=True
        )

        class Meta:
            ref_name = "NotificationsRead"

    @extend_schema(operation_id="notifications_read", request=Input, responses={204: None})
    def post(self, request: Request) -> Response:
        payload = self.Input(data=request.data)
        payload.is_valid(raise_exception=True)
        services.notifications_mark_read(user=request.user, ids=payload.validated_data["ids"])
        return Response(status=status.HTTP_204_NO_CONTENT)
