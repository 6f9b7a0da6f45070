"""OpenAPI for the safety endpoints.

* Our JWT authentication is SimpleJWT's bearer scheme (the same `jwtAuth` component).
* Error responses come from `apps.core.api.schema` (automatic ones, plus `error_responses`).
"""

from drf_spectacular.contrib.rest_framework_simplejwt import SimpleJWTScheme


class SafetyJWTScheme(SimpleJWTScheme):
    target_class = "apps.safety.authentication.JWTAuthentication"
