"""OpenAPI generation: drf-standardized-errors' AutoSchema (documents the error shape of every
4xx) with component names that stay unique for the `Input`/`Output` serializers nested in views."""

from typing import Any

from drf_standardized_errors.openapi import AutoSchema as StandardizedErrorsAutoSchema


class AutoSchema(StandardizedErrorsAutoSchema):
    def get_serializer_name(self, serializer: Any, direction: str) -> str:
        cls = serializer if isinstance(serializer, type) else serializer.__class__
        outer, _, inner = cls.__qualname__.rpartition(".")
        if outer:
            # "RegisterApi.Input" → "RegisterInput"; "EventListApi.Output" → "EventListOutput".
            return outer.split(".")[-1].removesuffix("Api") + inner
        return super().get_serializer_name(serializer, direction)
