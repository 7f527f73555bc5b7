"""Test settings: the product's settings, with tasks run inline and fast password hashing."""

from kefu.settings import *  # noqa: F403
from kefu.settings import HUEY

HUEY = {**HUEY, "immediate": True}
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# Connections opened by worker threads during a test are closed at once, so the test database can be dropped.
from kefu.settings import DATABASES  # noqa: E402

DATABASES = {"default": {**DATABASES["default"], "CONN_MAX_AGE": 0}}

# Each test process keeps its own knowledge version (a file cache would be shared by the parallel test processes).
from kefu.settings import CACHES  # noqa: E402

CACHES = {**CACHES, "shared": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "kefu-shared"}}
