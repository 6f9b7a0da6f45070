"""OpenAPI: our JWT authentication is SimpleJWT's bearer scheme (same `jwtAuth` component)."""

from drf_spectacular.contrib.rest_framework_simplejwt import SimpleJWTScheme


class SafetyJWTScheme(SimpleJWTScheme):
    target_class = "apps.safety.authentication.JWTAuthentication"
