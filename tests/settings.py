"""Test settings: the product's settings, with tasks run inline and fast password hashing."""

from kefu.settings import *  # noqa: F403
from kefu.settings import HUEY

HUEY = {**HUEY, "immediate": True}
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
