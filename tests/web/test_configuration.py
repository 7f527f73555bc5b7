"""Configuration comes from the environment only: each variable, in a fresh process."""

import json
import os
import stat
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

PROBE = """
import json, django
django.setup()
from django.conf import settings
from django.test import Client
page = Client().get("/login/").content.decode()
print(json.dumps({
    "secret": settings.SECRET_KEY, "debug": settings.DEBUG, "hosts": settings.ALLOWED_HOSTS,
    "language": settings.LANGUAGE_CODE, "database": settings.DATABASES["default"]["ENGINE"],
    "layer": settings.CHANNEL_LAYERS["default"]["BACKEND"], "huey": settings.HUEY["huey_class"],
    "cache": settings.CACHES["default"]["BACKEND"], "page": page,
}))
"""


def probe(tmp_path, **env_overrides) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL", "SECRET_KEY", "DEBUG", "ALLOWED_HOSTS", "KEFU_LANGUAGE"}}
    env.update({"DJANGO_SETTINGS_MODULE": "kefu.settings", "KEFU_VAR_DIR": str(tmp_path)}, **env_overrides)
    out = subprocess.run([sys.executable, "-c", PROBE], env=env, capture_output=True, text=True, timeout=60, cwd=ROOT)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_defaults_are_the_embedded_setup_in_chinese(tmp_path):
    result = probe(tmp_path)

    assert result["debug"] is False
    assert result["language"] == "zh-hans"
    assert result["database"] == "django.db.backends.sqlite3"
    assert result["layer"] == "kefu.web.channel_layer.KefuInMemoryChannelLayer"  # Channels' in-memory layer, made cheaper
    assert result["huey"] == "huey.SqliteHuey"
    assert "用户名" in result["page"] and "登录" in result["page"]


def test_secret_key_is_generated_once_into_var_and_kept_private(tmp_path):
    first = probe(tmp_path)["secret"]
    second = probe(tmp_path)["secret"]

    key_file = tmp_path / "secret_key"
    assert first == second == key_file.read_text().strip()
    assert len(first) >= 50
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600


def test_environment_overrides_everything(tmp_path):
    result = probe(
        tmp_path,
        SECRET_KEY="from-the-environment-" + "x" * 40,
        KEFU_LANGUAGE="en",
        ALLOWED_HOSTS="kefu.example.com,testserver",
        REDIS_URL="redis://127.0.0.1:6379/0",
        DEBUG="1",
    )

    assert result["secret"].startswith("from-the-environment-")
    assert not (tmp_path / "secret_key").exists()
    assert result["language"] == "en"
    assert "Username" in result["page"]
    assert result["hosts"] == ["kefu.example.com", "testserver"]
    assert result["debug"] is True
    assert result["layer"] == "channels_redis.pubsub.RedisPubSubChannelLayer"
    assert result["huey"] == "huey.RedisHuey"
    assert result["cache"] == "django.core.cache.backends.redis.RedisCache"
