"""Shared fixtures: one user per role, teams, and an API client with a real token."""

import pytest
from django.test import Client

from kefu.accounts.enums import Role
from kefu.accounts.models import Team, User
from kefu.accounts.services import api_token_create, team_add_member

PASSWORD = "test-pass-123"


@pytest.fixture(autouse=True)
def default_language():
    """Start every test in the shop's default language.

    A request through the test client leaves its language active in the thread
    (LocaleMiddleware activates it and nothing deactivates it), so a test that
    asked for 繁體 would otherwise decide the language of whatever runs next.
    """
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


def make_user(username: str, role: str, **extra) -> User:
    user = User.objects.create_user(username=username, password=PASSWORD, role=role, **extra)
    return user


@pytest.fixture
def presale_team(db) -> Team:
    return Team.objects.create(name="售前组")


@pytest.fixture
def aftersale_team(db) -> Team:
    return Team.objects.create(name="售后组")


@pytest.fixture
def admin_user(db) -> User:
    return make_user("admin", Role.ADMIN, is_staff=True, is_superuser=True)


@pytest.fixture
def supervisor(db, presale_team, aftersale_team) -> User:
    user = make_user("supervisor", Role.SUPERVISOR, is_staff=True)
    team_add_member(team=presale_team, user=user, is_lead=True)
    team_add_member(team=aftersale_team, user=user, is_lead=True)
    return user


@pytest.fixture
def agent(db, presale_team) -> User:
    user = make_user("agent", Role.AGENT, display_name="小美")
    team_add_member(team=presale_team, user=user)
    return user


@pytest.fixture
def other_agent(db, aftersale_team) -> User:
    """Return an agent of another team (售后组)."""
    user = make_user("other_agent", Role.AGENT, display_name="阿强")
    team_add_member(team=aftersale_team, user=user)
    return user


class ApiClient:
    """A Django test client that sends a real API token on every request."""

    def __init__(self, user: User | None):
        self.client = Client()
        self.headers = {}
        if user is not None:
            _token, secret = api_token_create(user=user, name="test")
            self.headers = {"Authorization": f"Bearer {secret}"}

    def _call(self, method: str, path: str, data=None, **extra):
        kwargs = {"headers": {**self.headers, **extra.pop("headers", {})}, **extra}
        if data is not None and method in {"post", "put", "patch"}:
            kwargs.setdefault("content_type", "application/json")
        return getattr(self.client, method)(path, data, **kwargs) if data is not None else getattr(self.client, method)(path, **kwargs)

    def get(self, path, data=None, **extra):
        return self._call("get", path, data, **extra)

    def post(self, path, data=None, **extra):
        return self._call("post", path, data, **extra)

    def patch(self, path, data=None, **extra):
        return self._call("patch", path, data, **extra)

    def put(self, path, data=None, **extra):
        return self._call("put", path, data, **extra)

    def delete(self, path, **extra):
        return self._call("delete", path, None, **extra)


@pytest.fixture
def api_client_for():
    """Build an ApiClient for a user (None: no token)."""
    return ApiClient


@pytest.fixture
def agent_with_contact(db, presale_team) -> User:
    """Make an agent granted the right to see phone numbers and addresses."""
    user = make_user("agent_contact", Role.AGENT, can_view_contact=True)
    team_add_member(team=presale_team, user=user)
    return user


@pytest.fixture
def client_for_role(api_client_for, admin_user, supervisor, agent):
    """Build an ApiClient by role name: "admin", "supervisor" or "agent"."""
    users = {"admin": admin_user, "supervisor": supervisor, "agent": agent}
    return lambda role: api_client_for(users[role])


@pytest.fixture
def in_memory_layer(settings):
    """Use the embedded in-memory channel layer, whatever REDIS_URL says.

    For tests that listen on groups from synchronous code: each async_to_sync call runs its own
    event loop, which Redis pub/sub subscriptions cannot span.
    """
    from channels.layers import channel_layers

    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "kefu.web.channel_layer.KefuInMemoryChannelLayer"}}
    channel_layers.backends.clear()
    yield
    channel_layers.backends.clear()
