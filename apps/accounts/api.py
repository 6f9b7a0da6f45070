"""REST API for accounts, profiles and interests (contract: Accounts and Interests)."""

from typing import Any

from allauth.account.forms import ResetPasswordForm
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.tokens import RefreshToken
from rest_framework_simplejwt.views import TokenObtainPairView, TokenRefreshView

from apps.accounts import selectors, services
from apps.accounts.models import Profile
from apps.accounts.validation import (
    MAX_AVAILABILITY_SLOTS,
    MAX_INTERESTS,
    MAX_REMINDER_HOURS,
    MAX_REMINDERS,
)
from apps.core.api.schema import error_responses
from apps.core.kinds import VenueKind

TIME_PATTERN = r"^([01]\d|2[0-3]):[0-5]\d$|^24:00$"


# --- Shapes ---------------------------------------------------------------------------------
class AvailabilitySlotSerializer(serializers.Serializer):
    weekday = serializers.IntegerField(
        min_value=0, max_value=6, help_text="0 = Monday … 6 = Sunday"
    )
    start = serializers.RegexField(TIME_PATTERN, help_text="HH:MM, local time")
    end = serializers.RegexField(TIME_PATTERN, help_text="HH:MM, after start; 24:00 allowed")


class NotifySerializer(serializers.Serializer):
    email = serializers.BooleanField()
    push = serializers.BooleanField()
    reminder_hours = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=MAX_REMINDER_HOURS),
        max_length=MAX_REMINDERS,
    )


class HomeSerializer(serializers.Serializer):
    lat = serializers.FloatField()
    lng = serializers.FloatField()
    area_label = serializers.CharField()


class ProfileOutput(serializers.Serializer):
    """The owner's own profile. Other people are never serialized with this shape."""

    id = serializers.IntegerField()
    email = serializers.EmailField()
    display_name = serializers.CharField()
    bio = serializers.CharField()
    birth_year = serializers.IntegerField(allow_null=True)
    email_verified = serializers.BooleanField()
    interests = serializers.ListField(child=serializers.SlugField())
    home = HomeSerializer(allow_null=True)
    timezone = serializers.CharField()
    max_travel_km = serializers.FloatField()
    venue_kinds = serializers.ListField(child=serializers.ChoiceField(choices=VenueKind.choices))
    group_size = serializers.ChoiceField(choices=Profile.GroupSize.choices)
    availability = AvailabilitySlotSerializer(many=True)
    languages = serializers.ListField(child=serializers.CharField(min_length=2, max_length=2))
    open_to_meet = serializers.BooleanField()
    notify = NotifySerializer()
    age_min = serializers.IntegerField(allow_null=True)
    age_max = serializers.IntegerField(allow_null=True)
    contact = serializers.CharField()
    onboarded = serializers.BooleanField()


class NotifyPatchSerializer(NotifySerializer):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.required = False


class ProfilePatchInput(serializers.Serializer):
    display_name = serializers.CharField(max_length=50, required=False)
    bio = serializers.CharField(max_length=500, required=False, allow_blank=True)
    birth_year = serializers.IntegerField(required=False, allow_null=True, min_value=1900)
    interests = serializers.ListField(
        child=serializers.CharField(max_length=60), required=False, max_length=MAX_INTERESTS
    )
    timezone = serializers.CharField(max_length=64, required=False)
    max_travel_km = serializers.FloatField(
        min_value=Profile.MIN_TRAVEL_KM, max_value=Profile.MAX_TRAVEL_KM, required=False
    )
    venue_kinds = serializers.ListField(
        child=serializers.ChoiceField(choices=VenueKind.choices), required=False
    )
    group_size = serializers.ChoiceField(choices=Profile.GroupSize.choices, required=False)
    availability = AvailabilitySlotSerializer(
        many=True, required=False, max_length=MAX_AVAILABILITY_SLOTS
    )
    languages = serializers.ListField(
        child=serializers.CharField(min_length=2, max_length=2), required=False
    )
    open_to_meet = serializers.BooleanField(required=False)
    notify = NotifyPatchSerializer(required=False)
    age_min = serializers.IntegerField(required=False, allow_null=True, min_value=18, max_value=120)
    age_max = serializers.IntegerField(required=False, allow_null=True, min_value=18, max_value=120)
    contact = serializers.CharField(max_length=200, required=False, allow_blank=True)

    def to_service_changes(self) -> dict[str, Any]:
        data = dict(self.validated_data)
        notify = data.pop("notify", {})
        for key, field in (("email", "notify_email"), ("push", "notify_push")):
            if key in notify:
                data[field] = notify[key]
        if "reminder_hours" in notify:
            data["reminder_hours"] = notify["reminder_hours"]
        if "availability" in data:
            data["availability"] = [dict(slot) for slot in data["availability"]]
        return data


def owner_profile_data(profile: Profile) -> dict[str, Any]:
    verified = selectors.user_email_verified(user=profile.user)
    return selectors.profile_as_owner_dict(profile=profile, email_verified=verified)


# --- Accounts -------------------------------------------------------------------------------
class RegisterApi(APIView):
    throttle_scope = "auth_register"  # rates: settings.API_RATE_LIMITS
    permission_classes = [AllowAny]
    authentication_classes: list[type] = []

    class Input(serializers.Serializer):
        email = serializers.EmailField(max_length=254)
        password = serializers.CharField(max_length=128, trim_whitespace=False)
        display_name = serializers.CharField(max_length=50)

    class Output(serializers.Serializer):
        id = serializers.IntegerField()
        email = serializers.EmailField()
        display_name = serializers.CharField()
        email_verified = serializers.BooleanField()

    @extend_schema(operation_id="auth_register", request=Input, responses={201: Output})
    def post(self, request: Request) -> Response:
        payload = self.Input(data=request.data)
        payload.is_valid(raise_exception=True)
        user = services.user_register(request=request._request, **payload.validated_data)
        body = {
            "id": user.pk,
            "email": user.email,
            "display_name": user.profile.display_name,
            "email_verified": False,
        }
        return Response(self.Output(body).data, status=status.HTTP_201_CREATED)


class VerifyEmailApi(APIView):
    throttle_scope = "auth_verify_email"  # rates: settings.API_RATE_LIMITS
    permission_classes = [AllowAny]
    authentication_classes: list[type] = []

    class Input(serializers.Serializer):
        key = serializers.CharField(max_length=200)

    class Output(serializers.Serializer):
        email = serializers.EmailField()
        email_verified = serializers.BooleanField()

    @extend_schema(operation_id="auth_verify_email", request=Input, responses={200: Output})
    def post(self, request: Request) -> Response:
        payload = self.Input(data=request.data)
        payload.is_valid(raise_exception=True)
        address = services.email_verify(request=request._request, key=payload.validated_data["key"])
        return Response(self.Output({"email": address.email, "email_verified": True}).data)


class TokenPairOutput(serializers.Serializer):
    access = serializers.CharField(help_text="Short-lived; send as `Authorization: Bearer …`.")
    refresh = serializers.CharField(help_text="Long-lived; rotates on every refresh.")


class TokenApi(TokenObtainPairView):
    """`{email, password}` → `{access, refresh}`. Unverified accounts may log in (ADR 0002)."""

    authentication_classes: list[type] = []
    throttle_scope = "auth_token"  # rates: settings.API_RATE_LIMITS

    @extend_schema(
        operation_id="auth_token",
        responses={
            200: TokenPairOutput,
            **error_responses(
                401,
                403,
                e401="Wrong email or password (`no_active_account`).",
                e403="The account is suspended or banned (`account_suspended`, `account_banned`).",
            ),
        },
    )
    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().post(request, *args, **kwargs)


class TokenRefreshApi(TokenRefreshView):
    """`{refresh}` → a new `{access, refresh}`; the old refresh token is revoked."""

    authentication_classes: list[type] = []
    throttle_scope = "auth_token_refresh"  # rates: settings.API_RATE_LIMITS

    @extend_schema(
        operation_id="auth_token_refresh",
        responses={
            200: TokenPairOutput,
            **error_responses(
                401,
                403,
                e401="The refresh token is invalid, expired or revoked (`token_not_valid`).",
                e403="The account is suspended or banned (`account_suspended`, `account_banned`).",
            ),
        },
    )
    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().post(request, *args, **kwargs)


class LogoutApi(APIView):
    permission_classes = [AllowAny]
    authentication_classes: list[type] = []

    class Input(serializers.Serializer):
        refresh = serializers.CharField(max_length=2000)

    @extend_schema(operation_id="auth_logout", request=Input, responses={204: None})
    def post(self, request: Request) -> Response:
        payload = self.Input(data=request.data)
        payload.is_valid(raise_exception=True)
        try:
            RefreshToken(payload.validated_data["refresh"]).blacklist()
        except TokenError as exc:
            # An already revoked token is logged out already: saying so is harmless and makes
            # a retried logout succeed. Anything else is not a refresh token of ours.
            if "blacklisted" not in str(exc):
                raise serializers.ValidationError(
                    {
                        "refresh": [
                            serializers.ErrorDetail("Not a valid refresh token.", "token_not_valid")
                        ]
                    }
                ) from exc
        return Response(status=status.HTTP_204_NO_CONTENT)


class PasswordResetApi(APIView):
    throttle_scope = "auth_password_reset"  # rates: settings.API_RATE_LIMITS
    permission_classes = [AllowAny]
    authentication_classes: list[type] = []

    class Input(serializers.Serializer):
        email = serializers.EmailField(max_length=254)

    @extend_schema(
        operation_id="auth_password_reset",
        request=Input,
        responses={
            202: OpenApiResponse(description="Accepted, whether or not the email is registered.")
        },
    )
    def post(self, request: Request) -> Response:
        payload = self.Input(data=request.data)
        payload.is_valid(raise_exception=True)
        # allauth's form mails a reset link to an account, or a "no account here" note to an
        # unknown address, so the answer never tells whether the email is registered.
        form = ResetPasswordForm(data={"email": payload.validated_data["email"]})
        if form.is_valid():
            form.save(request._request)
        return Response(status=status.HTTP_202_ACCEPTED)


# --- The caller's own profile ---------------------------------------------------------------
class MeApi(APIView):
    class DeleteInput(serializers.Serializer):
        password = serializers.CharField(max_length=128, trim_whitespace=False)

    @extend_schema(operation_id="me_retrieve", responses={200: ProfileOutput})
    def get(self, request: Request) -> Response:
        profile = selectors.profile_get_own(user=request.user)
        return Response(ProfileOutput(owner_profile_data(profile)).data)

    @extend_schema(
        operation_id="me_update", request=ProfilePatchInput, responses={200: ProfileOutput}
    )
    def patch(self, request: Request) -> Response:
        payload = ProfilePatchInput(data=request.data)
        payload.is_valid(raise_exception=True)
        profile = selectors.profile_get_own(user=request.user)
        services.profile_update(profile=profile, changes=payload.to_service_changes())
        profile = selectors.profile_get_own(user=request.user)
        return Response(ProfileOutput(owner_profile_data(profile)).data)

    @extend_schema(operation_id="me_delete", request=DeleteInput, responses={204: None})
    def delete(self, request: Request) -> Response:
        payload = self.DeleteInput(data=request.data)
        payload.is_valid(raise_exception=True)
        services.account_delete(user=request.user, password=payload.validated_data["password"])
        return Response(status=status.HTTP_204_NO_CONTENT)


class MeLocationApi(APIView):
    class Input(serializers.Serializer):
        lat = serializers.FloatField(min_value=-90, max_value=90, required=False)
        lng = serializers.FloatField(min_value=-180, max_value=180, required=False)
        address = serializers.CharField(max_length=300, required=False)

        def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
            has_point = "lat" in attrs or "lng" in attrs
            if has_point and not ("lat" in attrs and "lng" in attrs):
                missing = "lng" if "lat" in attrs else "lat"
                raise serializers.ValidationError(
                    {missing: ["This field is required with the other coordinate."]}
                )
            if has_point == ("address" in attrs):
                raise serializers.ValidationError(
                    "Send either {lat, lng} or {address}.", code="point_or_address"
                )
            return attrs

    class Output(serializers.Serializer):
        lat = serializers.FloatField()
        lng = serializers.FloatField()
        area_label = serializers.CharField()
        timezone = serializers.CharField()

    @extend_schema(
        operation_id="me_location_update",
        request=Input,
        responses={200: Output, 503: OpenApiResponse(description="Address lookup unavailable.")},
    )
    def put(self, request: Request) -> Response:
        payload = self.Input(data=request.data)
        payload.is_valid(raise_exception=True)
        profile = selectors.profile_get_own(user=request.user)
        profile = services.profile_set_home(profile=profile, **payload.validated_data)
        home = selectors.home_as_dict(profile) or {}
        return Response(self.Output({**home, "timezone": profile.timezone}).data)


class MeExportApi(APIView):
    @extend_schema(
        operation_id="me_export",
        responses={
            200: inline_serializer(
                "AccountExport", {"account": serializers.DictField(), "profile": ProfileOutput()}
            )
        },
    )
    def get(self, request: Request) -> Response:
        response = Response(selectors.account_export(user=request.user))
        response["Content-Disposition"] = 'attachment; filename="matchup-export.json"'
        return response


# --- Interests ------------------------------------------------------------------------------
class InterestListApi(APIView):
    permission_classes = [AllowAny]

    class Output(serializers.Serializer):
        slug = serializers.SlugField()
        name = serializers.CharField()
        category = serializers.CharField(source="category.slug")
        category_name = serializers.CharField(source="category.name")

    @extend_schema(operation_id="interests_list", responses={200: Output(many=True)})
    def get(self, request: Request) -> Response:
        return Response(self.Output(selectors.interest_list(), many=True).data)
