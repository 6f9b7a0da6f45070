"""A tiny write endpoint for testing `@idempotent` in isolation (used with pytest.mark.urls)."""

import uuid

from django.urls import path
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.core.api.idempotency import idempotent
from apps.core.models import GeocodeCacheEntry


class CreateThingApi(APIView):
    class Input(serializers.Serializer):
        name = serializers.CharField(max_length=50)

    @idempotent
    def post(self, request: Request) -> Response:
        payload = self.Input(data=request.data)
        payload.is_valid(raise_exception=True)
        name = f"{payload.validated_data['name']}-{uuid.uuid4()}"
        entry = GeocodeCacheEntry.objects.create(provider="thing", query=name)
        return Response({"id": entry.pk}, status=status.HTTP_201_CREATED)


urlpatterns = [path("api/v1/things", CreateThingApi.as_view())]
