"""REST API for suggestions (contract: Suggestions; Privacy rule).

`GET /suggestions?status=…` lists the caller's proposals; `POST /suggestions/{id}/accept` and
`…/decline {reason?}` answer one and return it as updated (200; `Idempotency-Key` replays).
Other members appear only as `{id, display_name, shared_interests}`; the one distance shown is
from the caller's own home to the venue. Times are RFC 3339 in the venue's local offset, like
the events API. Someone else's proposal is a 404; answering after `respond_by` a 409.
"""

from datetime import datetime
from typing import Any

from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.accounts.models import User
from apps.core.api.fields import LatLngSerializer, PersonOutput, distance_km
from apps.core.api.idempotency import IDEMPOTENCY_KEY_PARAMETER, idempotent
from apps.core.api.pagination import PageNumberPagination
from apps.core.api.schema import error_responses
from apps.core.kinds import VenueKind
from apps.matching import selectors, services
from apps.matching.models import Suggestion
from apps.venues.selectors import venue_local_time

STATUS_HELP = (
    "For you: `pending` (waiting for your answer), `accepted` (you said yes, waiting for the "
    "others), `confirmed` (it happens: you are going), `declined` (you said no), `expired` (the "
    "time to answer passed, or it can no longer take place)."
)


# --- Shapes -----------------------------------------------------------------------------------
class SuggestionVenueOutput(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    kind = serializers.ChoiceField(choices=VenueKind.choices)
    location = LatLngSerializer()
    address = serializers.CharField()
    distance_km = serializers.FloatField(
        allow_null=True, help_text="From your home to the venue; null without a home."
    )
    timezone = serializers.CharField(help_text="IANA zone; the times are shown in it.")


class SuggestionOutput(serializers.Serializer):
    id = serializers.IntegerField()
    starts_at = serializers.DateTimeField(help_text="RFC 3339 in the venue's local offset.")
    ends_at = serializers.DateTimeField()
    venue = SuggestionVenueOutput()
    members = PersonOutput(
        many=True, help_text="The other people (not you), who have not declined."
    )
    why = serializers.CharField(help_text='e.g. "You both like board games and jazz".')
    respond_by = serializers.DateTimeField(help_text="Answer before this (venue's local offset).")
    my_response = serializers.ChoiceField(choices=["pending", "accepted", "declined"])
    status = serializers.ChoiceField(choices=selectors.VIEWER_STATUSES, help_text=STATUS_HELP)
    event_id = serializers.IntegerField(
        allow_null=True, help_text="The private meetup, once confirmed and you are going."
    )


class SuggestionPageOutput(serializers.Serializer):
    count = serializers.IntegerField()
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = SuggestionOutput(many=True)


def _local(suggestion: Suggestion, when: datetime) -> str:
    return venue_local_time(suggestion.venue, when).isoformat()


def suggestion_data(suggestion: Suggestion, *, members: list[dict[str, Any]]) -> dict[str, Any]:
    """A suggestion annotated by the selectors (`my_response`, `viewer_status`, `distance_m`)
    in the contract's shape."""
    venue = suggestion.venue
    status = suggestion.viewer_status  # type: ignore[attr-defined]
    return {
        "id": suggestion.pk,
        "starts_at": _local(suggestion, suggestion.starts_at),
        "ends_at": _local(suggestion, suggestion.ends_at),
        "venue": {
            "id": venue.pk,
            "name": venue.name,
            "kind": venue.kind,
            "location": {"lat": round(venue.location.y, 6), "lng": round(venue.location.x, 6)},
            "address": venue.address,
            "distance_km": distance_km(suggestion.distance_m),  # type: ignore[attr-defined]
            "timezone": venue.timezone,
        },
        "members": members,
        "why": suggestion.why,
        "respond_by": _local(suggestion, suggestion.respond_by),
        "my_response": suggestion.my_response,  # type: ignore[attr-defined]
        "status": status,
        "event_id": suggestion.event_id if status == "confirmed" else None,
    }


def _one(user: User, suggestion_id: int) -> dict[str, Any]:
    suggestion = selectors.suggestion_get_for(user=user, suggestion_id=suggestion_id)
    people = selectors.suggestion_people_for(viewer=user, suggestion_ids=[suggestion.pk])
    return suggestion_data(suggestion, members=people[suggestion.pk])


# --- Views ------------------------------------------------------------------------------------
class SuggestionListApi(APIView):
    permission_classes = [IsAuthenticated]

    class Query(serializers.Serializer):
        status = serializers.ChoiceField(
            choices=selectors.VIEWER_STATUSES, required=False, help_text=STATUS_HELP
        )

    @extend_schema(
        operation_id="suggestions_list",
        summary="Your meetup suggestions (soonest first)",
        parameters=[
            Query,
            OpenApiParameter("page", OpenApiTypes.INT),
            OpenApiParameter("page_size", OpenApiTypes.INT, description="At most 100."),
        ],
        responses={200: SuggestionPageOutput, **error_responses(400, 404)},
    )
    def get(self, request: Request) -> Response:
        query = self.Query(data=request.query_params)
        query.is_valid(raise_exception=True)
        user: User = request.user  # type: ignore[assignment]
        suggestions = selectors.suggestion_list_for(
            user=user, status=query.validated_data.get("status"), now=timezone.now()
        )
        paginator = PageNumberPagination()
        page = paginator.paginate_queryset(suggestions, request, view=self) or []
        people = selectors.suggestion_people_for(viewer=user, suggestion_ids=[s.pk for s in page])
        return paginator.get_paginated_response(
            [suggestion_data(s, members=people[s.pk]) for s in page]
        )


ANSWER_ERRORS = error_responses(
    404,
    409,
    422,
    e404="`suggestion_not_found`: not one of your suggestions.",
    e409="`respond_by_passed` (too late to answer), `suggestion_closed` (accepting one that "
    "can no longer take place), `suggestion_declined` (accepting after declining), "
    "`meetup_confirmed` (declining a confirmed meetup you are going to: leave the event "
    "instead), `event_cancelled`.",
)


class SuggestionAcceptApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="suggestions_accept",
        summary="Accept: when enough people do, the meetup is confirmed",
        request=None,
        parameters=[IDEMPOTENCY_KEY_PARAMETER],
        responses={200: SuggestionOutput, **ANSWER_ERRORS},
    )
    @idempotent
    def post(self, request: Request, suggestion_id: int) -> Response:
        user: User = request.user  # type: ignore[assignment]
        suggestion = selectors.suggestion_get_for(user=user, suggestion_id=suggestion_id)
        services.suggestion_accept(suggestion=suggestion, user=user)
        return Response(_one(user, suggestion_id))


class SuggestionDeclineApi(APIView):
    permission_classes = [IsAuthenticated]

    class Input(serializers.Serializer):
        reason = serializers.CharField(
            max_length=300,
            required=False,
            allow_blank=True,
            default="",
            help_text="Optional; only MatchUp sees it.",
        )

    @extend_schema(
        operation_id="suggestions_decline",
        summary="Decline (you are free for the next round)",
        request=Input,
        parameters=[IDEMPOTENCY_KEY_PARAMETER],
        responses={200: SuggestionOutput, **error_responses(400), **ANSWER_ERRORS},
    )
    @idempotent
    def post(self, request: Request, suggestion_id: int) -> Response:
        body = self.Input(data=request.data)
        body.is_valid(raise_exception=True)
        user: User = request.user  # type: ignore[assignment]
        suggestion = selectors.suggestion_get_for(user=user, suggestion_id=suggestion_id)
        services.suggestion_decline(
            suggestion=suggestion, user=user, reason=body.validated_data["reason"]
        )
        return Response(_one(user, suggestion_id))
