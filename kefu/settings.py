"""Django settings, read from the environment only.

Embedded default: SQLite under var/, in-process channel layer, local-memory cache and
Huey on SQLite. Setting REDIS_URL moves the channel layer, cache and Huey to Redis;
DATABASE_URL picks PostgreSQL.
"""

import os
import secrets
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent.parent
PACKAGE_DIR = Path(__file__).resolve().parent
VAR_DIR = Path(os.environ.get("KEFU_VAR_DIR", BASE_DIR / "var")).resolve()
VAR_DIR.mkdir(parents=True, exist_ok=True)
(VAR_DIR / "static").mkdir(exist_ok=True)


def _env_bool(name: str, default: bool = False) -> bool:
    return os.environ.get(name, str(default)).strip().lower() in {"1", "true", "yes", "on"}


def _secret_key() -> str:
    """Use SECRET_KEY, else a key generated once into var/ so sessions survive restarts."""
    if os.environ.get("SECRET_KEY"):
        return os.environ["SECRET_KEY"]
    key_file = VAR_DIR / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(50))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


SECRET_KEY = _secret_key()
DEBUG = _env_bool("DEBUG")
ALLOWED_HOSTS = [h.strip() for h in os.environ.get("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1],testserver").split(",") if h.strip()]
CSRF_TRUSTED_ORIGINS = [o.strip() for o in os.environ.get("CSRF_TRUSTED_ORIGINS", "").split(",") if o.strip()]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "channels",
    "ninja",  # serves the API docs (Swagger UI) from the package, not a CDN
    "django_htmx",
    "huey.contrib.djhuey",
    "kefu.accounts",
    "kefu.inboxes",
    "kefu.customers",
    "kefu.catalog",
    "kefu.orders",
    "kefu.conversations",
    "kefu.knowledge",
    "kefu.tickets",
    "kefu.web",
    "kefu.importing",
    "kefu.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "kefu.web.middleware.RejectNulCharactersMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "kefu.urls"
ASGI_APPLICATION = "kefu.asgi.application"
WSGI_APPLICATION = None

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PACKAGE_DIR / "web" / "templates"],  # first, so admin/base_site.html is overridden
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# --- database -------------------------------------------------------------------------
DATABASE_URL = os.environ.get("DATABASE_URL", f"sqlite:///{VAR_DIR / 'kefu.sqlite3'}")
# Persistent connections: live chat calls the database from one thread per server process many
# times a second; opening and closing a connection each time cost ~40% of that thread (bench/RESULTS.md).
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=600, conn_health_checks=True)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {
        # WAL lets readers and one writer work at once; IMMEDIATE avoids upgrade deadlocks.
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=5000;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- redis: channel layer, cache, tasks -------------------------------------------------
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
            "CONFIG": {"hosts": [REDIS_URL]},
        }
    }
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL},
        "shared": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL},
    }
    HUEY = {
        "huey_class": "huey.RedisHuey",
        "name": os.environ.get("KEFU_HUEY_NAME", "kefu"),
        "url": REDIS_URL,
        "immediate": _env_bool("KEFU_TASKS_IMMEDIATE"),
        "consumer": {"workers": 2, "worker_type": "thread"},
    }
else:
    # capacity: a busy agent socket may have thousands of events waiting; the default 100 would drop them
    CHANNEL_LAYERS = {"default": {"BACKEND": "kefu.web.channel_layer.KefuInMemoryChannelLayer", "CONFIG": {"capacity": 5000}}}
    # "shared": what every process must see, here the server and the task worker (the knowledge version)
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "kefu"},
        "shared": {"BACKEND": "django.core.cache.backends.filebased.FileBasedCache", "LOCATION": str(VAR_DIR / "cache")},
    }
    HUEY = {
        "huey_class": "huey.SqliteHuey",
        "name": "kefu",
        "filename": str(VAR_DIR / "huey.sqlite3"),
        "immediate": _env_bool("KEFU_TASKS_IMMEDIATE"),
        # look for new tasks every 0.1-0.25 s when idle (huey's default backs off to 10 s): the bot answers from here
        "consumer": {"workers": 2, "worker_type": "thread", "initial_delay": 0.1, "max_delay": 0.25},
    }

# --- auth -----------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "web:login"
LOGIN_REDIRECT_URL = "web:home"
LOGOUT_REDIRECT_URL = "web:login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
]
SESSION_COOKIE_HTTPONLY = True
MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"  # one-time secrets never sit in a cookie
SESSION_COOKIE_SECURE = _env_bool("SECURE_COOKIES")
CSRF_COOKIE_SECURE = _env_bool("SECURE_COOKIES")

# --- i18n: Chinese first ----------------------------------------------------------------
LANGUAGE_CODE = os.environ.get("KEFU_LANGUAGE", "zh-hans")
LANGUAGES = [("zh-hans", "简体中文"), ("zh-hant", "繁體中文"), ("en", "English")]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
TIME_ZONE = os.environ.get("TIME_ZONE", "Asia/Shanghai")
USE_I18N = True
USE_TZ = True

# --- static files -----------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
WHITENOISE_USE_FINDERS = True  # serve from the package without a collectstatic step
MEDIA_URL = "/media/"
MEDIA_ROOT = VAR_DIR / "media"
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    # huey: a handler of its own, or `run_huey` adds one at INFO and every task is logged twice
    "loggers": {"django.db.backends": {"level": "WARNING"}, "huey": {"handlers": ["console"], "level": "WARNING", "propagate": False}},
}

# --- e-mail: printed to the console unless KEFU_EMAIL_HOST names an SMTP server ---------------
EMAIL_BACKEND = os.environ.get(
    "KEFU_EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend" if os.environ.get("KEFU_EMAIL_HOST") else "django.core.mail.backends.console.EmailBackend",
)
EMAIL_HOST = os.environ.get("KEFU_EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("KEFU_EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("KEFU_EMAIL_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("KEFU_EMAIL_PASSWORD", "")
EMAIL_USE_TLS = _env_bool("KEFU_EMAIL_TLS")
EMAIL_USE_SSL = _env_bool("KEFU_EMAIL_SSL")
EMAIL_TIMEOUT = 10
DEFAULT_FROM_EMAIL = os.environ.get("KEFU_EMAIL_FROM", "Kefu <kefu@localhost>")
KEFU_PUBLIC_URL = os.environ.get("KEFU_PUBLIC_URL", "").rstrip("/")  # absolute links in follow-up messages and e-mails

# --- kefu ------------------------------------------------------------------------------
KEFU_CONVERSION_WINDOW_HOURS = int(os.environ.get("KEFU_CONVERSION_WINDOW_HOURS", "72"))  # an order this soon after a chat marks it 成交
KEFU = {
    "API_PAGE_SIZE": 50,
    "API_MAX_PAGE_SIZE": 500,
    "IMPORT_BATCH_SIZE": 1000,
}

