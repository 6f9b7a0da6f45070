"""MatchUp settings: one file, every deployment difference read from the environment.

Development defaults live in `.env.example` (copied to `.env` by `make run`/`make test`);
production sets DEBUG=false and must provide SECRET_KEY, ALLOWED_HOSTS and EMAIL_URL, or the
process refuses to start. README.md ("Configuration") documents every variable.
"""

from datetime import timedelta
from pathlib import Path

import environ

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
if (BASE_DIR / ".env").is_file():
    env.read_env(BASE_DIR / ".env")

DEBUG = env.bool("DEBUG", default=False)
SECRET_KEY = (
    env.str("SECRET_KEY")
    if not DEBUG
    else env.str(
        "SECRET_KEY", default="dev-insecure-only-for-local-development-never-in-production"
    )
)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.gis",
    "rest_framework",
    "rest_framework_gis",
    "rest_framework_simplejwt.token_blacklist",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "drf_standardized_errors",
    "django_filters",
    "allauth",
    "allauth.account",
    "django_celery_beat",
    # MatchUp, lower layers first (see STYLE: imports point down this list).
    "apps.core",
    "apps.accounts",
    "apps.safety",
    "apps.notifications",
    "apps.venues",
    "apps.events",
    "apps.matching",
    "apps.web",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "apps.core.middleware.ApiJsonErrorsMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
]

ROOT_URLCONF = "matchup.urls"
WSGI_APPLICATION = "matchup.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# --- Data stores -------------------------------------------------------------------------
DATABASES = {"default": env.db("DATABASE_URL", default="postgis://postgres@127.0.0.1:5432/matchup")}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=0)
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env.str("REDIS_URL", default="redis://127.0.0.1:6379/0")
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": env.str("CACHE_KEY_PREFIX", default="matchup"),
        "TIMEOUT": 300,
    }
}

# --- Accounts ------------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "web:home"
LOGOUT_REDIRECT_URL = "web:landing"

# django-allauth: email is the login; verification is sent at sign-up and required for
# matching (not for logging in), the same rule on the web and the API (docs/adr/0002).
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_SIGNUP_FORM_CLASS = "apps.accounts.forms.SignupExtraForm"
ACCOUNT_EMAIL_VERIFICATION = "optional"
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_SESSION_REMEMBER = None
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_ADAPTER = "apps.accounts.adapters.AccountAdapter"
ACCOUNT_SIGNUP_REDIRECT_URL = "/onboarding/"
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[MatchUp] "
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "http" if DEBUG else "https"

# --- Email ---------------------------------------------------------------------------------
# Development writes each message as a file under var/mail/ so links can be followed offline.
EMAIL_FILE_PATH = env.str("EMAIL_FILE_PATH", default=str(BASE_DIR / "var" / "mail"))
if "EMAIL_URL" in env or not DEBUG:
    vars().update(env.email_url("EMAIL_URL"))
else:
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="MatchUp <hello@matchup.example>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- REST API ------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework_simplejwt.authentication.JWTAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_PAGINATION_CLASS": "apps.core.api.pagination.PageNumberPagination",
    "PAGE_SIZE": 20,
    "EXCEPTION_HANDLER": "apps.core.api.exceptions.exception_handler",
    "DEFAULT_SCHEMA_CLASS": "apps.core.api.schema.AutoSchema",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
DRF_STANDARDIZED_ERRORS = {
    "ENABLE_IN_DEBUG_FOR_UNHANDLED_EXCEPTIONS": False,
    # 413 (body too large) can answer any write; 500 is not ours to promise in the schema.
    "ALLOWED_ERROR_STATUS_CODES": ["400", "401", "403", "404", "405", "406", "415", "429"],
}
SIMPLE_JWT = {
    "ACCESS_TOKEN_LIFETIME": timedelta(minutes=env.int("JWT_ACCESS_MINUTES", default=15)),
    "REFRESH_TOKEN_LIFETIME": timedelta(days=env.int("JWT_REFRESH_DAYS", default=30)),
    "ROTATE_REFRESH_TOKENS": True,
    "BLACKLIST_AFTER_ROTATION": True,
    "UPDATE_LAST_LOGIN": True,
    "AUTH_HEADER_TYPES": ("Bearer",),
}
SPECTACULAR_SETTINGS = {
    "TITLE": "MatchUp API",
    "DESCRIPTION": "The REST API the MatchUp mobile app is written against (contract: api-v1).",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # Swagger UI served from our own static files: the docs work with no internet access.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "ErrorTypeEnum": "apps.core.api.schema.ERROR_TYPES",
    }
    | {
        f"{name}Enum": f"drf_standardized_errors.openapi_serializers.{name}Enum.choices"
        for name in (
            "ValidationError",
            "ClientError",
            "ServerError",
            "ErrorCode401",
            "ErrorCode403",
            "ErrorCode404",
            "ErrorCode405",
            "ErrorCode406",
            "ErrorCode415",
            "ErrorCode429",
            "ErrorCode500",
        )
    },
    "POSTPROCESSING_HOOKS": ["drf_standardized_errors.openapi_hooks.postprocess_schema_enums"],
}
# Request bodies larger than this are refused: 413 in the contract's error shape on the API.
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("DATA_UPLOAD_MAX_MEMORY_SIZE", default=1024 * 1024)
API_MAX_BODY_BYTES = env.int("API_MAX_BODY_BYTES", default=64 * 1024)

# --- Celery --------------------------------------------------------------------------------
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=REDIS_URL)
CELERY_RESULT_BACKEND = env.str("CELERY_RESULT_BACKEND", default=REDIS_URL)
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = "UTC"
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=300)
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=360)
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_RESULT_EXPIRES = timedelta(days=1)
# With Redis, an unacknowledged message is redelivered after the visibility timeout: no task
# ETA/countdown may exceed it (see docs/adr), and late-acked tasks must finish well within it.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=3600)
}
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)

# --- Geo -----------------------------------------------------------------------------------
# "offline" uses the bundled GeoNames gazetteer (no network); "nominatim" calls NOMINATIM_URL.
GEOCODER = env.str("GEOCODER", default="offline")
NOMINATIM_DOMAIN = env.str("NOMINATIM_DOMAIN", default="nominatim.openstreetmap.org")
NOMINATIM_SCHEME = env.str("NOMINATIM_SCHEME", default="https")
NOMINATIM_USER_AGENT = env.str(
    "NOMINATIM_USER_AGENT", default="MatchUp/0.1 (+https://matchup.example; hello@matchup.example)"
)
NOMINATIM_MIN_DELAY_SECONDS = env.float("NOMINATIM_MIN_DELAY_SECONDS", default=1.0)
NOMINATIM_TIMEOUT_SECONDS = env.float("NOMINATIM_TIMEOUT_SECONDS", default=5.0)
GEOCODE_CACHE_DAYS = env.int("GEOCODE_CACHE_DAYS", default=90)
# Debian 12 ships GDAL 3.6, which cannot block file/network access from crafted spatial
# references. No user input reaches GDAL (the API takes lat/lng numbers, files are parsed in
# Python); only staff map widgets do. Accepted risk, recorded in docs/adr/0003.
SILENCED_SYSTEM_CHECKS = ["gis.W001"]
if "GDAL_LIBRARY_PATH" in env:
    GDAL_LIBRARY_PATH = env.str("GDAL_LIBRARY_PATH")
if "GEOS_LIBRARY_PATH" in env:
    GEOS_LIBRARY_PATH = env.str("GEOS_LIBRARY_PATH")

# --- Internationalisation, static files ----------------------------------------------------
LANGUAGE_CODE = "en"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "var" / "static"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

# --- Security (production) -----------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False  # the "use my location" script posts forms; the token is in the form
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if not DEBUG:
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    if env.bool("BEHIND_TLS_PROXY", default=False):
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
}

# --- notifications (and the Celery plumbing every app relies on; docs/adr/0020) --------------
# Queues: one per kind of work, so a venue import never delays a reminder. Routes by task
# name prefix; every task carries an explicit `name="<app>.<verb>_<noun>"`.
CELERY_TASK_DEFAULT_QUEUE = "celery"
CELERY_TASK_ROUTES = {
    **globals().get("CELERY_TASK_ROUTES", {}),
    "notifications.*": {"queue": "notifications"},
    "venues.*": {"queue": "venues"},
    "matching.*": {"queue": "matching"},
}
# acks_late/reject_on_worker_lost are set per task, only on tasks that are safe to run twice.
# A late-acked task interrupted by a lost broker connection is cancelled and redelivered.
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = True
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Exactly one beat ticks: the scheduler holds a Redis lock and renews it on every tick.
CELERY_BEAT_SCHEDULER = "matchup.beat:SingleBeatScheduler"
BEAT_LOCK_URL = env.str("BEAT_LOCK_URL", default=REDIS_URL)
BEAT_LOCK_KEY = env.str("BEAT_LOCK_KEY", default="matchup:beat-lock")
BEAT_LOCK_TTL_SECONDS = env.int("BEAT_LOCK_TTL_SECONDS", default=30)
CELERY_BEAT_SCHEDULE = {
    **globals().get("CELERY_BEAT_SCHEDULE", {}),
    "notifications-dispatch-due": {
        "task": "notifications.dispatch_due_deliveries",
        "schedule": env.float("NOTIFICATIONS_SCAN_SECONDS", default=30.0),
        "options": {"expire_seconds": 25},  # a scan stuck in the queue is dropped, not piled up
    },
}

TEMPLATES[0]["OPTIONS"]["context_processors"].append(
    "apps.notifications.context_processors.notifications"
)
# A claimed delivery stays leased longer than its task may run (the hard time limit), so no
# second worker can pick it up while the first could still be sending (checked at startup).
NOTIFICATIONS_LEASE_SECONDS = env.int(
    "NOTIFICATIONS_LEASE_SECONDS", default=CELERY_TASK_TIME_LIMIT + 60
)
NOTIFICATIONS_BATCH_SIZE = env.int("NOTIFICATIONS_BATCH_SIZE", default=200)
NOTIFICATIONS_SCAN_LIMIT = env.int("NOTIFICATIONS_SCAN_LIMIT", default=20_000)
# A pending row whose task has not run this long after the scan enqueued it is enqueued again.
NOTIFICATIONS_REDISPATCH_SECONDS = env.int("NOTIFICATIONS_REDISPATCH_SECONDS", default=600)
NOTIFICATIONS_MAX_ATTEMPTS = env.int("NOTIFICATIONS_MAX_ATTEMPTS", default=6)
NOTIFICATIONS_RETRY_BASE_SECONDS = env.int("NOTIFICATIONS_RETRY_BASE_SECONDS", default=30)
NOTIFICATIONS_RETRY_MAX_SECONDS = env.int("NOTIFICATIONS_RETRY_MAX_SECONDS", default=3600)
# Push: Firebase Cloud Messaging (HTTP v1) when credentials are given, else a logging sender.
FCM_CREDENTIALS_FILE = env.str("FCM_CREDENTIALS_FILE", default="")
FCM_CREDENTIALS_JSON = env.str("FCM_CREDENTIALS_JSON", default="")
FCM_PROJECT_ID = env.str("FCM_PROJECT_ID", default="")
FCM_API_URL = env.str("FCM_API_URL", default="https://fcm.googleapis.com/v1").rstrip("/")
FCM_TIMEOUT_SECONDS = env.float("FCM_TIMEOUT_SECONDS", default=10.0)
NOTIFICATIONS_PUSH_SENDER = env.str(
    "NOTIFICATIONS_PUSH_SENDER",
    default="apps.notifications.channels.push.FcmPushSender"
    if FCM_CREDENTIALS_FILE or FCM_CREDENTIALS_JSON
    else "apps.notifications.channels.push.LoggingPushSender",
)

# --- safety ----------------------------------------------------------------------------------
# Blocks, reports and moderation (apps/safety); abuse limits (DRF throttles, allauth form limits,
# django-axes lockout); the Content Security Policy (django-csp). README: "Safety".
from csp.constants import NONCE, NONE, SELF, UNSAFE_INLINE  # noqa: E402

INSTALLED_APPS += ["axes", "csp"]


def _insert_after(items: list[str], anchor: str, *new: str) -> list[str]:
    at = items.index(anchor) + 1
    return [*items[:at], *new, *items[at:]]


MIDDLEWARE = _insert_after(
    MIDDLEWARE,
    "django.middleware.security.SecurityMiddleware",
    "apps.safety.middleware.ContentSecurityPolicyMiddleware",
    "apps.safety.middleware.RetryAfterMiddleware",
)
MIDDLEWARE = _insert_after(
    MIDDLEWARE,
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "apps.safety.middleware.AccountRestrictionMiddleware",
)
MIDDLEWARE += ["axes.middleware.AxesMiddleware"]  # last, as django-axes asks
TEMPLATES[0]["OPTIONS"]["context_processors"] += ["csp.context_processors.nonce"]

# Suspended and banned accounts: refused by the API's token authentication and token views, by
# the web login (adapter) and in open sessions (middleware).
ACCOUNT_ADAPTER = "apps.safety.adapters.SafetyAccountAdapter"
REST_FRAMEWORK["DEFAULT_AUTHENTICATION_CLASSES"] = [
    "apps.safety.authentication.JWTAuthentication"
    if path == "rest_framework_simplejwt.authentication.JWTAuthentication"
    else path
    for path in REST_FRAMEWORK["DEFAULT_AUTHENTICATION_CLASSES"]
]
SIMPLE_JWT["USER_AUTHENTICATION_RULE"] = "apps.safety.authentication.user_authentication_rule"
SIMPLE_JWT["TOKEN_OBTAIN_SERIALIZER"] = "apps.safety.tokens.TokenObtainPairSerializer"  # noqa: S105

# Client addresses: X-Forwarded-For is believed only from this many proxies of ours (0 = none,
# use the connection's address), the same rule for the API's limits, allauth's and the lockout.
# Behind the TLS proxy (BEHIND_TLS_PROXY) that is one unless said otherwise.
TRUSTED_PROXY_COUNT = env.int(
    "TRUSTED_PROXY_COUNT", default=1 if env.bool("BEHIND_TLS_PROXY", default=False) else 0
)
ALLAUTH_TRUSTED_PROXY_COUNT = TRUSTED_PROXY_COUNT
REST_FRAMEWORK["NUM_PROXIES"] = TRUSTED_PROXY_COUNT

# Rate limits. API: "N/s|min|h|day" or "N/15m" per scope, per person (per IP when anonymous);
# over the limit → 429 `throttled` with Retry-After. Read per request, so tests may lower them.
RATE_LIMITS_ENABLED = env.bool("RATE_LIMITS_ENABLED", default=True)
API_RATE_LIMITS = {
    "auth_register": env.str("RATE_LIMIT_REGISTER", default="10/h"),
    "auth_token": env.str("RATE_LIMIT_LOGIN", default="20/min"),
    "auth_token_refresh": env.str("RATE_LIMIT_TOKEN_REFRESH", default="60/min"),
    "auth_password_reset": env.str("RATE_LIMIT_PASSWORD_RESET", default="5/h"),
    "auth_verify_email": env.str("RATE_LIMIT_VERIFY_EMAIL", default="30/h"),
    "reports": env.str("RATE_LIMIT_REPORTS", default="30/day"),
    "writes": env.str("RATE_LIMIT_WRITES", default="120/min"),
}
REST_FRAMEWORK["DEFAULT_THROTTLE_CLASSES"] = [
    "apps.safety.ratelimit.ScopedThrottle",
    "apps.safety.ratelimit.WriteThrottle",
]
# Web forms (django-allauth's format "N/<period>/<ip|key|user>", comma-separated). Failed logins
# are counted by the lockout below, for the web and the API alike, so allauth's own
# "login_failed" limit is off.
ACCOUNT_RATE_LIMITS = (
    {
        "login": env.str("RATE_LIMIT_WEB_LOGIN", default="30/m/ip"),
        "login_failed": None,
        "signup": env.str("RATE_LIMIT_WEB_SIGNUP", default="10/h/ip"),
        "reset_password": env.str("RATE_LIMIT_WEB_PASSWORD_RESET", default="10/h/ip,3/h/key"),
    }
    if RATE_LIMITS_ENABLED
    else False
)
WEB_RATE_LIMIT_RETRY_AFTER = env.int("WEB_RATE_LIMIT_RETRY_AFTER", default=60)

# Brute-force lockout (django-axes): after LOGIN_FAILURE_LIMIT failed logins for one email from
# one address, that pair is locked for LOGIN_LOCKOUT_MINUTES (each new try restarts the clock),
# even with the right password. Counted in the cache (Redis), so the records expire by themselves.
# The same backends, loading the user with the account state joined (apps/safety/backends.py).
_JOINED_BACKENDS = {
    "django.contrib.auth.backends.ModelBackend": "apps.safety.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend": (
        "apps.safety.backends.AuthenticationBackend"
    ),
}
AUTHENTICATION_BACKENDS = [
    "apps.safety.lockout.LoginLockoutBackend",
    *(_JOINED_BACKENDS.get(path, path) for path in AUTHENTICATION_BACKENDS),
]
AXES_ENABLED = env.bool("LOGIN_LOCKOUT_ENABLED", default=True)
AXES_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("LOGIN_LOCKOUT_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_HANDLER = "apps.safety.lockout.CacheHandler"
AXES_USERNAME_CALLABLE = "apps.safety.lockout.lockout_username"
AXES_CLIENT_IP_CALLABLE = "apps.safety.ratelimit.client_ip"
AXES_LOCKOUT_CALLABLE = "apps.safety.lockout.lockout_response"
AXES_RESET_ON_SUCCESS = True
AXES_ENABLE_ADMIN = False  # nothing in the database to show: attempts live in the cache
AXES_DISABLE_ACCESS_LOG = True  # no log of every login's address: we do not need it

# Content Security Policy: our pages load scripts, styles, images and fonts only from us
# (scripts also by per-response nonce: `nonce="{{ CSP_NONCE }}"`); nothing may frame us.
# Map tiles are the one outside source (CSP_EXTRA_IMG_SOURCES).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF],
        "img-src": [
            SELF,
            *env.list("CSP_EXTRA_IMG_SOURCES", default=["https://tile.openstreetmap.org"]),
        ],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}
# Per path prefix, directives replaced: Swagger UI (drf-spectacular's page) runs inline code.
CONTENT_SECURITY_POLICY_PATH_OVERRIDES = {
    "/api/docs": {
        "script-src": [SELF, UNSAFE_INLINE],
        "style-src": [SELF, UNSAFE_INLINE],
        "img-src": [SELF, "data:"],
    },
}

# --- venues --------------------------------------------------------------------------------
# django-leaflet: Leaflet served from our own static files; admin map widgets.
INSTALLED_APPS += ["leaflet"]
# The Overpass API (OpenStreetMap) that regions with the "overpass" provider refresh from.
OVERPASS_URL = env.str("OVERPASS_URL", default="https://overpass-api.de/api/interpreter")
OVERPASS_USER_AGENT = env.str(
    "OVERPASS_USER_AGENT",
    default="MatchUp/0.1 venue refresh (+https://matchup.example; hello@matchup.example)",
)
# The query's [timeout:]; the client waits for the answer (and the whole download) up to
# OVERPASS_READ_TIMEOUT_SECONDS, by default the query's timeout + 30 s.
OVERPASS_TIMEOUT_SECONDS = env.int("OVERPASS_TIMEOUT_SECONDS", default=180)
OVERPASS_READ_TIMEOUT_SECONDS = env.float("OVERPASS_READ_TIMEOUT_SECONDS", default=0) or None
OVERPASS_CONNECT_TIMEOUT_SECONDS = env.float("OVERPASS_CONNECT_TIMEOUT_SECONDS", default=10.0)
OVERPASS_MAX_ATTEMPTS = env.int("OVERPASS_MAX_ATTEMPTS", default=3)
OVERPASS_BACKOFF_SECONDS = env.float("OVERPASS_BACKOFF_SECONDS", default=5.0)
OVERPASS_MAX_RETRY_WAIT_SECONDS = env.float("OVERPASS_MAX_RETRY_WAIT_SECONDS", default=60.0)
OVERPASS_MAX_BYTES = env.int("OVERPASS_MAX_BYTES", default=256 * 1024 * 1024)
# File regions may only read inside these folders (paths relative to the project are fine).
VENUES_IMPORT_DIRS = env.list(
    "VENUES_IMPORT_DIRS", default=[str(BASE_DIR / "apps" / "venues" / "data")]
)
# Beat asks for a refresh of a due region again only after this long (queued, running or failing).
VENUES_REFRESH_RETRY_MINUTES = env.int("VENUES_REFRESH_RETRY_MINUTES", default=60)
# A complete refresh that would retire more than this share of a region's venues is refused
# (it looks like an incomplete download); regions smaller than the minimum are not guarded.
VENUES_MAX_DEACTIVATE_FRACTION = env.float("VENUES_MAX_DEACTIVATE_FRACTION", default=0.5)
VENUES_SHRINK_GUARD_MIN_VENUES = env.int("VENUES_SHRINK_GUARD_MIN_VENUES", default=20)
# Anonymous callers of the public venue endpoints, per IP (signed-in callers are not limited here).
VENUES_ANON_RATE = env.str("VENUES_ANON_RATE", default="120/min")
# Map tiles for every Leaflet map (OpenStreetMap's by default; they simply do not load offline).
MAP_TILES_URL = env.str("MAP_TILES_URL", default="https://tile.openstreetmap.org/{z}/{x}/{y}.png")
MAP_TILES_ATTRIBUTION = env.str(
    "MAP_TILES_ATTRIBUTION",
    default='© <a href="https://www.openstreetmap.org/copyright">OpenStreetMap contributors</a>',
)
LEAFLET_CONFIG = {
    "TILES": [
        ("OpenStreetMap", MAP_TILES_URL, {"attribution": MAP_TILES_ATTRIBUTION, "maxZoom": 19})
    ],
    "DEFAULT_CENTER": (48.137, 11.575),
    "DEFAULT_ZOOM": 12,
    "MAX_ZOOM": 19,
    "RESET_VIEW": False,
    "ATTRIBUTION_PREFIX": '<a href="https://leafletjs.com">Leaflet</a>',
}
CELERY_TASK_ROUTES = {**globals().get("CELERY_TASK_ROUTES", {}), "venues.*": {"queue": "venues"}}
CELERY_BEAT_SCHEDULE = {
    **globals().get("CELERY_BEAT_SCHEDULE", {}),
    "venues-refresh-due-regions": {
        "task": "venues.refresh_due_regions",
        "schedule": timedelta(minutes=env.int("VENUES_SCAN_MINUTES", default=15)),
        "options": {"queue": "venues", "expire_seconds": 600},  # dropped if not run in time
    },
}
SPECTACULAR_SETTINGS["ENUM_NAME_OVERRIDES"] = {
    **SPECTACULAR_SETTINGS["ENUM_NAME_OVERRIDES"],
    "VenueKindEnum": "apps.core.kinds.VenueKind",
}

# --- events --------------------------------------------------------------------------------
# Anonymous browsing of events (GET /api/v1/events…), per IP; signed-in callers are not limited
# by it.
EVENTS_ANON_RATE = env.str("EVENTS_ANON_RATE", default="120/min")
SPECTACULAR_SETTINGS["ENUM_NAME_OVERRIDES"] = {
    **SPECTACULAR_SETTINGS["ENUM_NAME_OVERRIDES"],
    "EventStatusEnum": "apps.events.models.Event.Status",
    "EventVisibilityEnum": ["public", "private"],
    "MyRsvpEnum": ["going", "waitlisted"],
    "GeoJSONPointTypeEnum": ["Point"],
    "GeoJSONFeatureTypeEnum": ["Feature"],
    "GeoJSONFeatureCollectionTypeEnum": ["FeatureCollection"],
}

# --- events: reminders, feedback, connections (docs/adr/0050) ------------------------------
# Reminders are written by a scan every REMINDERS_SCAN_SECONDS for what comes due within the
# next REMINDERS_AHEAD_MINUTES (keep it well above the scan interval), each due exactly its
# lead time before the start; one missed by up to REMINDERS_LATE_MINUTES (workers down) is
# still sent, older ones are skipped.
REMINDERS_SCAN_SECONDS = env.float("REMINDERS_SCAN_SECONDS", default=60.0)
REMINDERS_AHEAD_MINUTES = env.int("REMINDERS_AHEAD_MINUTES", default=15)
REMINDERS_LATE_MINUTES = env.int("REMINDERS_LATE_MINUTES", default=60)
# Ended events become `completed`; each person who was going is asked for feedback this many
# hours after the end (not for events that ended more than FEEDBACK_PROMPT_MAX_AGE_HOURS ago).
EVENTS_COMPLETE_SCAN_SECONDS = env.float("EVENTS_COMPLETE_SCAN_SECONDS", default=300.0)
EVENTS_COMPLETE_BATCH = env.int("EVENTS_COMPLETE_BATCH", default=500)
FEEDBACK_PROMPT_DELAY_HOURS = env.float("FEEDBACK_PROMPT_DELAY_HOURS", default=3.0)
FEEDBACK_PROMPT_MAX_AGE_HOURS = env.float("FEEDBACK_PROMPT_MAX_AGE_HOURS", default=48.0)
# No-shows: NO_SHOW_LIMIT in NO_SHOW_WINDOW_DAYS pause suggestions for NO_SHOW_PAUSE_DAYS.
NO_SHOW_LIMIT = env.int("NO_SHOW_LIMIT", default=3)
NO_SHOW_WINDOW_DAYS = env.int("NO_SHOW_WINDOW_DAYS", default=90)
NO_SHOW_PAUSE_DAYS = env.int("NO_SHOW_PAUSE_DAYS", default=30)
CELERY_BEAT_SCHEDULE = {
    **globals().get("CELERY_BEAT_SCHEDULE", {}),
    "events-schedule-due-reminders": {
        "task": "events.schedule_due_reminders",
        "schedule": REMINDERS_SCAN_SECONDS,
        "options": {"expire_seconds": max(REMINDERS_SCAN_SECONDS - 5, 5)},
    },
    "events-complete-ended": {
        "task": "events.complete_ended_events",
        "schedule": EVENTS_COMPLETE_SCAN_SECONDS,
        "options": {"expire_seconds": max(EVENTS_COMPLETE_SCAN_SECONDS - 10, 10)},
    },
}

# --- matching --------------------------------------------------------------------------------
# Rounds (apps/matching): who meets whom, where and when. README: "Matching rounds".
from celery.schedules import crontab  # noqa: E402

# A round's window: slots of MATCHING_SLOT_HOURS starting every MATCHING_SLOT_STEP_MINUTES,
# over MATCHING_WINDOW_DAYS, from the first full hour MATCHING_WINDOW_LEAD_HOURS ahead (time to
# answer plus a margin, so every proposal leaves a full day to answer).
MATCHING_WINDOW_DAYS = env.int("MATCHING_WINDOW_DAYS", default=7)
MATCHING_WINDOW_LEAD_HOURS = env.int("MATCHING_WINDOW_LEAD_HOURS", default=26)
MATCHING_SLOT_HOURS = env.float("MATCHING_SLOT_HOURS", default=2.0)
MATCHING_SLOT_STEP_MINUTES = env.int("MATCHING_SLOT_STEP_MINUTES", default=60)
# Answers: respond_by = min(proposal + MATCHING_RESPOND_HOURS,
# start - MATCHING_RESPOND_MARGIN_HOURS); a reminder goes MATCHING_REMIND_HOURS before
# respond_by to those who have not answered.
MATCHING_RESPOND_HOURS = env.int("MATCHING_RESPOND_HOURS", default=24)
MATCHING_RESPOND_MARGIN_HOURS = env.int("MATCHING_RESPOND_MARGIN_HOURS", default=2)
MATCHING_REMIND_HOURS = env.int("MATCHING_REMIND_HOURS", default=4)
# People who met in the last weeks are not grouped again (unless both asked to meet again).
MATCHING_RECENTLY_MET_WEEKS = env.int("MATCHING_RECENTLY_MET_WEEKS", default=8)
MATCHING_MAX_GROUPS_PER_VENUE_SLOT = env.int("MATCHING_MAX_GROUPS_PER_VENUE_SLOT", default=1)
# People per cell (one Celery task each); 0 = the engine's default (1,200).
MATCHING_MAX_CELL_SIZE = env.int("MATCHING_MAX_CELL_SIZE", default=0)
# A running round is held this long; a run that died is then failed by the scan.
MATCHING_ROUND_LEASE_MINUTES = env.int("MATCHING_ROUND_LEASE_MINUTES", default=60)
MATCHING_TASK_SOFT_TIME_LIMIT = env.int("MATCHING_TASK_SOFT_TIME_LIMIT", default=25 * 60)
CELERY_TASK_ROUTES = {
    **globals().get("CELERY_TASK_ROUTES", {}),
    "matching.*": {"queue": "matching"},
}
CELERY_BEAT_SCHEDULE = {
    **globals().get("CELERY_BEAT_SCHEDULE", {}),
    "matching-rounds": {
        "task": "matching.schedule_rounds",
        # Daily; rounds for the window starting MATCHING_WINDOW_LEAD_HOURS later.
        "schedule": crontab(
            minute=env.int("MATCHING_ROUND_MINUTE", default=0),
            hour=env.str("MATCHING_ROUND_HOURS_UTC", default="6"),
        ),
        "options": {"queue": "matching", "expire_seconds": 3600},
    },
    "matching-scan": {
        "task": "matching.scan",
        "schedule": timedelta(minutes=env.int("MATCHING_SCAN_MINUTES", default=5)),
        "options": {"queue": "matching", "expire_seconds": 240},
    },
}
