"""Live-chat fixtures: an inbox owned by the presale team, real WebSocket communicators on the ASGI app."""

import asyncio
import json
import sys
import types
from pathlib import Path

import channels
import pytest
from channels.layers import channel_layers

# channels.testing's __init__ imports Daphne for its live-server case, which Kefu does not use (it
# serves with uvicorn); load the communicator modules without it.
if "channels.testing" not in sys.modules:
    _testing = types.ModuleType("channels.testing")
    _testing.__path__ = [str(Path(channels.__file__).parent / "testing")]
    sys.modules["channels.testing"] = _testing
from channels.testing.websocket import WebsocketCommunicator  # noqa: E402

from kefu.inboxes.models import Inbox

ALWAYS_OPEN = {day: [["00:00", "23:59"]] for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}


@pytest.fixture(autouse=True)
def fresh_channel_layer():
    """Each test runs its own event loop, so each gets its own in-memory channel layer."""
    channel_layers.backends.clear()
    yield
    channel_layers.backends.clear()


@pytest.fixture
def inbox(db, presale_team) -> Inbox:
    inbox = Inbox.objects.create(name="官网在线客服", channel="web", public_key="test-web", settings={"hours": ALWAYS_OPEN, "holding_after_seconds": 30})
    inbox.teams.add(presale_team)
    return inbox


def run(coro):
    return asyncio.run(coro)


async def connect_customer(key: str = "test-web", *, headers=None) -> WebsocketCommunicator:
    from kefu.asgi import application

    communicator = WebsocketCommunicator(application, f"/ws/chat/{key}/", headers=headers or [(b"accept-language", b"zh-hans")])
    connected, _ = await communicator.connect()
    assert connected
    return communicator


async def connect_agent(user) -> WebsocketCommunicator:
    """Connect with a real session cookie made by logging the user in through Django's test client."""
    from asgiref.sync import sync_to_async
    from django.test import Client

    from kefu.asgi import application

    def login_cookie() -> bytes:
        client = Client()
        client.force_login(user)
        return f"sessionid={client.cookies['sessionid'].value}".encode()

    cookie = await sync_to_async(login_cookie)()
    communicator = WebsocketCommunicator(application, "/ws/agent/", headers=[(b"cookie", cookie), (b"accept-language", b"zh-hans")])
    connected, _ = await communicator.connect()
    assert connected
    welcome = await communicator.receive_json_from(timeout=5)
    assert welcome["type"] == "welcome"
    return communicator


async def receive_until(communicator: WebsocketCommunicator, predicate, *, timeout: float = 5) -> dict:
    """Receive frames until one matches; fail with the frames seen otherwise."""
    seen = []
    while True:
        try:
            frame = await communicator.receive_json_from(timeout=timeout)
        except TimeoutError:
            raise AssertionError(f"no matching frame; saw {json.dumps(seen, ensure_ascii=False)[:2000]}") from None
        seen.append(frame)
        if predicate(frame):
            return frame
