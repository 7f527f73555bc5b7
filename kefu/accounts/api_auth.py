"""API authentication: a token as `Authorization: Bearer <token>` or `X-Api-Key: <token>`."""

from django.http import HttpRequest
from ninja.security import APIKeyHeader, HttpBearer

from .models import User
from .services import api_token_authenticate


class BearerTokenAuth(HttpBearer):
    """Resolve `Authorization: Bearer kefu_...` to the token's active user."""

    def authenticate(self, request: HttpRequest, token: str) -> User | None:
        return api_token_authenticate(secret=token.strip())


class ApiKeyHeaderAuth(APIKeyHeader):
    """Resolve `X-Api-Key: kefu_...`, for clients that cannot set the Authorization header."""

    param_name = "X-Api-Key"

    def authenticate(self, request: HttpRequest, key: str | None) -> User | None:
        return api_token_authenticate(secret=(key or "").strip())


API_AUTH = [BearerTokenAuth(), ApiKeyHeaderAuth()]


def request_sent_credentials(request: HttpRequest) -> bool:
    """Tell a wrong token from a missing one, so the 401 message can say which."""
    return bool(request.headers.get("Authorization") or request.headers.get("X-Api-Key"))


def request_actor(request: HttpRequest) -> User:
    """Return the authenticated user of an API request."""
    return request.auth  # type: ignore[attr-defined]


def request_ip(request: HttpRequest) -> str | None:
    """Return the client's address as the server saw it, for the audit log."""
    return request.META.get("REMOTE_ADDR") or None
