from django.urls import path

from apps.accounts import api

urlpatterns = [
    path("auth/register", api.RegisterApi.as_view(), name="auth-register"),
    path("auth/verify-email", api.VerifyEmailApi.as_view(), name="auth-verify-email"),
    path("auth/token", api.TokenApi.as_view(), name="auth-token"),
    path("auth/token/refresh", api.TokenRefreshApi.as_view(), name="auth-token-refresh"),
    path("auth/logout", api.LogoutApi.as_view(), name="auth-logout"),
    path("auth/password-reset", api.PasswordResetApi.as_view(), name="auth-password-reset"),
    path("me", api.MeApi.as_view(), name="me"),
    path("me/location", api.MeLocationApi.as_view(), name="me-location"),
    path("me/export", api.MeExportApi.as_view(), name="me-export"),
    path("interests", api.InterestListApi.as_view(), name="interests"),
]
