"""Integration tests need PostgreSQL and Redis, chosen by DATABASE_URL and REDIS_URL."""

import os

import pytest
from django.conf import settings

RUNS_ON_SQLITE = {"test_chat_durability.py"}  # starts its own servers on SQLite: no services needed


def pytest_collection_modifyitems(config, items):
    on_services = os.environ.get("REDIS_URL") and os.environ.get("DATABASE_URL", "").startswith("postgres")
    skip = pytest.mark.skip(reason="needs DATABASE_URL=postgres://... and REDIS_URL (make test-integration)")
    for item in items:
        if "tests/integration" in str(item.fspath):
            if item.fspath.basename in RUNS_ON_SQLITE:
                continue
            item.add_marker(pytest.mark.integration)
            if not on_services:
                item.add_marker(skip)


@pytest.fixture
def redis_url() -> str:
    return settings.REDIS_URL
