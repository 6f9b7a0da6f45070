"""REST API after the meetup (contract: "After the meetup"; Privacy rule).

`POST /meetups/{event_id}/feedback` once per person per event (409 the second time; the same
`Idempotency-Key` replays the first answer instead). An event the caller may not see is a 404
like one that does not exist; a public event they were not going to is a 403.
`GET /connections` is the only response that ever carries someone's contact details.
"""

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.accounts.models import User
from apps.core.api.idempotency import IDEMPOTENCY_KEY_PARAMETER, idempotent
from apps.core.api.pagination import PageNumberPagination
from apps.core.api.schema import error_responses
from apps.core.errors import NotFound
from apps.events import selectors, services
from apps.events.models import Feedback
from apps.events.selectors.feedback import (
    ConnectionView,
    connection_list_for,
    feedback_get,
    feedback_named,
)
from apps.events.services.feedback import MAX_NAMED


class FeedbackNotFound(NotFound):
    code = "feedback_not_found"
    default_detail = "You have not given feedback on this event."


class FeedbackOutput(serializers.Serializer):
    event_id = serializers.IntegerField()
    attended = serializers.BooleanField()
    venue_rating = serializers.IntegerField(allow_null=True, min_value=1, max_value=5)
    meet_again = serializers.ListField(child=serializers.IntegerField())
    no_show = serializers.ListField(child=serializers.IntegerField())
    created_at = serializers.DateTimeField()


def feedback_data(feedback: Feedback, named: dict[str, list[int]]) -> dict[str, Any]:
    return {
        "event_id": feedback.event_id,
        "attended": feedback.attended,
        "venue_rating": feedback.venue_rating,
        "meet_again": named["meet_again"],
        "no_show": named["no_show"],
        "created_at": feedback.created_at,
    }


def _people_field(help_text: str) -> serializers.ListField:
    return serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=2**63 - 1),
        required=False,
        default=list,
        max_length=MAX_NAMED,
        help_text=help_text,
    )


class MeetupFeedbackApi(APIView):
    permission_classes = [IsAuthenticated]

    class Input(serializers.Serializer):
        attended = serializers.BooleanField(help_text="Did you go?")
        venue_rating = serializers.IntegerField(
            min_value=1, max_value=5, allow_null=True, required=False, default=None
        )
        meet_again = _people_field(
            "Ids of people who were going whom you would meet again. When they say the same "
            "about you, you both see each other under /connections."
        )
        no_show = _people_field("Ids of people who were going but did not come.")

    class Output(FeedbackOutput):
        connections_made = serializers.ListField(
            child=serializers.IntegerField(),
            help_text="Ids of people you are now connected with (they said the same about you).",
        )

    @extend_schema(
        operation_id="meetups_feedback_create",
        summary="Your feedback on a meetup you were going to (once, after it started)",
        request=Input,
        parameters=[IDEMPOTENCY_KEY_PARAMETER],
        responses={
            201: Output,
            **error_responses(
                400,
                403,
                404,
                409,
                422,
                e400="Invalid input, `attr` names the field: `not_attendees` (people who were "
                "not going, named in `detail`), `self_named`, `contradictory` (the same person "
                "in both lists), `not_attended` (names while `attended` is false), a rating "
                "outside 1–5.",
                e403="`not_attendee`: only people who were going may give feedback.",
                e404="No such event, or a private meetup you were not part of.",
                e409="`feedback_already_given`, `feedback_too_early` (before it starts), "
                "`event_cancelled`.",
            ),
        },
    )
    @idempotent
    def post(self, request: Request, event_id: int) -> Response:
        user: User = request.user  # type: ignore[assignment]
        event = selectors.event_get_for(user=user, event_id=event_id)
        body = self.Input(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        result = services.feedback_submit(
            event=event,
            user=user,
            attended=data["attended"],
            venue_rating=data["venue_rating"],
            meet_again=data["meet_again"],
            no_show=data["no_show"],
        )
        named = {"meet_again": result.meet_again, "no_show": result.no_show}
        output = {
            **feedback_data(result.feedback, named),
            "connections_made": result.connections_made,
        }
        return Response(self.Output(output).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        operation_id="meetups_feedback_retrieve",
        summary="The feedback you gave on a meetup",
        responses={
            200: FeedbackOutput,
            **error_responses(404, e404="`feedback_not_found`, or no such event."),
        },
    )
    def get(self, request: Request, event_id: int) -> Response:
        user: User = request.user  # type: ignore[assignment]
        event = selectors.event_get_for(user=user, event_id=event_id)
        feedback = feedback_get(event=event, user=user)
        if feedback is None:
            raise FeedbackNotFound()
        return Response(
            FeedbackOutput(feedback_data(feedback, feedback_named(feedback=feedback))).data
        )


class MetAtOutput(serializers.Serializer):
    event_id = serializers.IntegerField()
    venue = serializers.CharField(help_text="The venue's name.")
    date = serializers.DateField(help_text="The meetup's date, in the venue's time zone.")


class ConnectionOutput(serializers.Serializer):
    id = serializers.IntegerField(help_text="The other person's user id.")
    display_name = serializers.CharField()
    met_at = MetAtOutput()
    contact = serializers.CharField(
        help_text="What they chose to share with connections (their email if they left it "
        "empty). Shown nowhere else."
    )


class ConnectionPageOutput(serializers.Serializer):
    count = serializers.IntegerField()
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = ConnectionOutput(many=True)


def connection_data(connection: ConnectionView) -> dict[str, Any]:
    return {
        "id": connection.id,
        "display_name": connection.display_name,
        "met_at": {
            "event_id": connection.event_id,
            "venue": connection.venue,
            "date": connection.date.isoformat(),
        },
        "contact": connection.contact,
    }


class ConnectionListApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="connections_list",
        summary="People with whom you both said “meet again”, with their contact",
        parameters=[
            OpenApiParameter("page", OpenApiTypes.INT),
            OpenApiParameter("page_size", OpenApiTypes.INT, description="At most 100."),
        ],
        responses={200: ConnectionPageOutput, **error_responses(404)},
    )
    def get(self, request: Request) -> Response:
        connections = connection_list_for(user=request.user)  # type: ignore[arg-type]
        paginator = PageNumberPagination()
        page = paginator.paginate_queryset(connections, request, view=self) or []  # type: ignore[arg-type]
        return paginator.get_paginated_response([connection_data(item) for item in page])
