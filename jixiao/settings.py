"""Settings from the environment.

Development (the default) runs on an embedded SQLite file in WAL mode. Production is
`JIXIAO_PRODUCTION=1`, which turns DEBUG off, requires a secret and allowed hosts, and enables the
HTTPS-only settings that `manage.py check --deploy` asks for.
"""

from datetime import timedelta
from pathlib import Path

import environ
from django.utils.csp import CSP

BASE_DIR = Path(__file__).resolve().parent.parent
env = environ.Env()

PRODUCTION = env.bool("JIXIAO_PRODUCTION", default=False)
DEBUG = env.bool("DJANGO_DEBUG", default=not PRODUCTION)
if PRODUCTION:
    SECRET_KEY = env.str("DJANGO_SECRET_KEY")
    ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS")
else:
    SECRET_KEY = env.str("DJANGO_SECRET_KEY", default="dev-only-not-secret-" + "x" * 40)
    ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])

DATA_DIR = Path(env.str("JIXIAO_DATA_DIR", default=str(BASE_DIR / "data")))
DATA_DIR.mkdir(parents=True, exist_ok=True)

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "drf_spectacular",
    "django_filters",
    "django_htmx",
    "simple_history",
    "axes",
    "django_tasks_db",
    "jixiao.core",
    "jixiao.orgs",
    "jixiao.projects",
    "jixiao.goals",
    "jixiao.imports",
    "jixiao.evaluations",
    "jixiao.appraisals",
    "jixiao.monitoring",
    "jixiao.payments",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "jixiao.core.middleware.RequestContextMiddleware",
    "jixiao.core.middleware.NoStoreMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "jixiao.urls"
WSGI_APPLICATION = "jixiao.wsgi.application"
AUTH_USER_MODEL = "orgs.User"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "jixiao" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.csp",
                "jixiao.core.context_processors.navigation",
            ],
            "builtins": ["jixiao.core.templatetags.money"],
        },
    }
]

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{DATA_DIR / 'jixiao.sqlite3'}"),
}
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA busy_timeout=5000; PRAGMA synchronous=NORMAL;",
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

TASKS = {"default": {"BACKEND": env.str("JIXIAO_TASKS_BACKEND", default="django_tasks_db.DatabaseBackend")}}

# --- Login security (等保 level 3, docs/configuration.md) ---
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "jixiao.core.passwords.CharacterClassValidator", "OPTIONS": {"min_classes": 2}},
]
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env.int("JIXIAO_LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("JIXIAO_LOCKOUT_MINUTES", default=15))
# Each parameter locks on its own: five failures on one account, or from one address, lock it.
AXES_LOCKOUT_PARAMETERS = env.list("JIXIAO_LOCKOUT_PARAMETERS", default=["username", "ip_address"])
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_VERBOSE = False
AXES_ENABLE_ACCESS_FAILURE_LOG = True  # every failed login kept, for the security page
# Reverse proxies in front of the app: the client's address is then read from X-Forwarded-For, the same
# way for lockouts and for the audit log (`jixiao.core.middleware.client_ip`).
JIXIAO_PROXY_COUNT = env.int("JIXIAO_PROXY_COUNT", default=0)
AXES_CLIENT_IP_CALLABLE = "jixiao.core.middleware.client_ip"

SESSION_COOKIE_AGE = env.int("JIXIAO_IDLE_TIMEOUT_SECONDS", default=15 * 60)
SESSION_SAVE_EVERY_REQUEST = True  # the timeout counts from the last request: an idle timeout
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF, "data:"],
    "connect-src": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "form-action": [CSP.SELF],
    "base-uri": [CSP.SELF],
    "object-src": [CSP.NONE],
}
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if PRODUCTION:
    SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
    SECURE_HSTS_SECONDS = env.int("DJANGO_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

# --- Language and formats ---
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文")]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True
USE_THOUSAND_SEPARATOR = True
FORMAT_MODULE_PATH = ["jixiao.core.formats"]

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STATICFILES_DIRS = [
    BASE_DIR / "jixiao" / "static",
    ("vendor/bootstrap", BASE_DIR / "node_modules" / "bootstrap" / "dist"),
    ("vendor/echarts", BASE_DIR / "node_modules" / "echarts" / "dist"),
]
MEDIA_ROOT = DATA_DIR / "media"
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# Imports: the largest upload accepted and the largest size its zip members may expand to.
JIXIAO_IMPORT_MAX_UPLOAD_BYTES = env.int("JIXIAO_IMPORT_MAX_UPLOAD_BYTES", default=50 * 1024 * 1024)
JIXIAO_IMPORT_MAX_UNCOMPRESSED_BYTES = env.int("JIXIAO_IMPORT_MAX_UNCOMPRESSED_BYTES", default=500 * 1024 * 1024)
# Imports with more rows than this run as background tasks; smaller ones finish in the request.
JIXIAO_IMPORT_INLINE_ROWS = env.int("JIXIAO_IMPORT_INLINE_ROWS", default=2000)

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["rest_framework.authentication.SessionAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "jixiao.api.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "COERCE_DECIMAL_TO_STRING": True,
    "EXCEPTION_HANDLER": "jixiao.api.errors.exception_handler",
}
# The empty choice of filter select boxes (django-filter's own is "---------").
FILTERS_EMPTY_CHOICE_LABEL = "全部"
SPECTACULAR_SETTINGS = {
    "TITLE": "jixiao API",
    "DESCRIPTION": "全过程预算绩效管理平台 REST API. Amounts are decimal strings in 元.",
    "VERSION": "0.1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    # Several serializers have a `kind` field; name the project one so the schema (and check --deploy) is stable.
    "ENUM_NAME_OVERRIDES": {
        "ProjectKindEnum": "jixiao.projects.models.Project.Kind",
        "ReviewResultEnum": "jixiao.goals.models.ReviewResult",
        "ConclusionEnum": "jixiao.appraisals.models.Conclusion",
        "ColourEnum": "jixiao.monitoring.models.Colour",
        "DispositionKindEnum": "jixiao.monitoring.models.Disposition.Kind",
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("JIXIAO_LOG_LEVEL", default="WARNING")},
}
