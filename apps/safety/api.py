"""REST API for blocks and reports (contract: Safety)."""

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.generics import ListAPIView
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.core.api.schema import error_responses
from apps.safety import selectors, services
from apps.safety.models import Block, Report

# Ids are 64-bit in the database: anything larger cannot name a row (and must not reach SQL).
MAX_ID = 2**63 - 1


class BlockOutput(serializers.Serializer):
    """A person you blocked, in the public shape (`id`, `display_name`) plus when."""

    id = serializers.IntegerField(source="blocked_id", help_text="The blocked person's user id.")
    display_name = serializers.CharField(source="blocked_display_name")
    blocked_at = serializers.DateTimeField(source="created_at")


def _block_output(block: Block) -> dict[str, Any]:
    person = selectors.public_person(block.blocked)
    return {
        "blocked_id": person["id"],
        "blocked_display_name": person["display_name"],
        "created_at": block.created_at,
    }


class BlockListApi(ListAPIView[Block]):
    """Your blocks: people you never meet, see or get matched with (and who never see you)."""

    serializer_class = BlockOutput

    class Input(serializers.Serializer):
        user_id = serializers.IntegerField(min_value=1, max_value=MAX_ID)

    def get_queryset(self) -> QuerySet[Block]:
        return selectors.block_list_for(user=self.request.user)  # type: ignore[arg-type]

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        page = self.paginate_queryset(self.get_queryset()) or []
        data = BlockOutput([_block_output(block) for block in page], many=True).data
        return self.get_paginated_response(data)

    @extend_schema(
        operation_id="blocks_list",
        responses={
            200: BlockOutput(many=True),
            **error_responses(401, 403, 404, 429, e404="No such page."),
        },
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(
        operation_id="blocks_create",
        request=Input,
        responses={
            201: OpenApiResponse(
                BlockOutput,
                description="Blocked (blocking someone already blocked returns the same block).",
            ),
            **error_responses(
                400,
                401,
                403,
                404,
                429,
                e400="Invalid `user_id`, or your own (`cannot_block_self`).",
                e404="No such person (`not_found`).",
            ),
        },
    )
    def post(self, request: Request) -> Response:
        payload = self.Input(data=request.data)
        payload.is_valid(raise_exception=True)
        block = services.block_create(
            blocker=request.user,  # type: ignore[arg-type]
            blocked_id=payload.validated_data["user_id"],
        )
        return Response(BlockOutput(_block_output(block)).data, status=status.HTTP_201_CREATED)


class BlockDetailApi(APIView):
    @extend_schema(
        operation_id="blocks_delete",
        parameters=[OpenApiParameter("user_id", int, OpenApiParameter.PATH)],
        responses={
            204: None,
            **error_responses(
                401, 403, 404, 429, e404="You have not blocked this person (`not_found`)."
            ),
        },
    )
    def delete(self, request: Request, user_id: int) -> Response:
        services.block_delete(blocker=request.user, blocked_id=user_id)  # type: ignore[arg-type]
        return Response(status=status.HTTP_204_NO_CONTENT)


class ReportOutput(serializers.Serializer):
    id = serializers.IntegerField()
    user_id = serializers.IntegerField(
        allow_null=True, help_text="The person reported; null for a report about an event."
    )
    event_id = serializers.IntegerField(allow_null=True)
    reason = serializers.ChoiceField(choices=Report.Reason.choices)
    details = serializers.CharField()
    status = serializers.ChoiceField(choices=Report.Status.choices)
    created_at = serializers.DateTimeField()


def _report_output(report: Report) -> dict[str, Any]:
    return {
        "id": report.pk,
        # For an event, the organizer is filed for the moderators but not echoed back.
        "user_id": report.reported_user_id if report.target_kind == Report.Target.USER else None,
        "event_id": report.event_id,
        "reason": report.reason,
        "details": report.details,
        "status": report.status,
        "created_at": report.created_at,
    }


class ReportCreateApi(APIView):
    """Tell the moderators about a person or an event. Only moderators see reports."""

    throttle_scope = "reports"  # rates: settings.API_RATE_LIMITS

    class Input(serializers.Serializer):
        user_id = serializers.IntegerField(min_value=1, max_value=MAX_ID, required=False)
        event_id = serializers.IntegerField(min_value=1, max_value=MAX_ID, required=False)
        reason = serializers.ChoiceField(choices=Report.Reason.choices)
        details = serializers.CharField(
            max_length=Report.DETAILS_MAX_LENGTH, required=False, allow_blank=True, default=""
        )

        def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
            if ("user_id" in attrs) == ("event_id" in attrs):
                raise serializers.ValidationError(
                    "Report either a person (user_id) or an event (event_id), exactly one.",
                    code="report_target_required",
                )
            return attrs

    @extend_schema(
        operation_id="reports_create",
        request=Input,
        responses={
            201: ReportOutput,
            **error_responses(
                400,
                401,
                403,
                404,
                429,
                e400="Invalid input, not exactly one target (`report_target_required`), or "
                "yourself (`cannot_report_self`).",
                e404="No such person or event (`not_found`).",
            ),
        },
    )
    def post(self, request: Request) -> Response:
        payload = self.Input(data=request.data)
        payload.is_valid(raise_exception=True)
        report = services.report_create(reporter=request.user, **payload.validated_data)  # type: ignore[arg-type]
        return Response(ReportOutput(_report_output(report)).data, status=status.HTTP_201_CREATED)
