"""The event bus: events leave after commit only, run their reactions, and cross from a worker through the outbox."""

import asyncio
import dataclasses
from typing import ClassVar

import pytest
from channels.layers import channel_layers, get_channel_layer
from django.db import transaction

from kefu import events, reactions
from kefu.web.models import OutboxEvent

pytestmark = pytest.mark.django_db(transaction=True)
seen: list = []


@dataclasses.dataclass(frozen=True, kw_only=True)
class Pinged(events.Event):
    type: ClassVar[str] = "test.pinged"
    number: int


def remember(event) -> None:
    seen.append(event.number)


def explode(event) -> None:
    raise RuntimeError("a broken handler must not stop the others")


@pytest.fixture(autouse=True)
def clean(monkeypatch):
    channel_layers.backends.clear()
    seen.clear()
    monkeypatch.setitem(reactions.REACTIONS, "test.pinged", ["tests.web.test_events.explode", "tests.web.test_events.remember"])
    yield
    events._outbox_writer = False
    channel_layers.backends.clear()


def test_nothing_is_sent_when_the_transaction_rolls_back():
    with pytest.raises(RuntimeError), transaction.atomic():
        events.event_send_on_commit(Pinged(number=1), groups=["agent.1"])
        raise RuntimeError("the service failed after publishing")
    assert seen == []
    with transaction.atomic():
        events.event_send_on_commit(Pinged(number=2), groups=["agent.1"])
        assert seen == []
    assert seen == [2]


def test_a_worker_writes_to_the_outbox_and_the_server_relays_in_order():
    events._outbox_writer = True
    events.event_send_on_commit(Pinged(number=3), groups=["agent.7"])
    events.event_send_on_commit(Pinged(number=4), groups=["agent.7"])
    assert list(OutboxEvent.objects.values_list("payload__number", flat=True)) == [3, 4]
    events._outbox_writer = False

    async def relay_once():
        layer = get_channel_layer()
        channel = await layer.new_channel()
        await layer.group_add("agent.7", channel)
        task = asyncio.get_running_loop().create_task(events.outbox_relay(interval=0.05))
        received = [await asyncio.wait_for(layer.receive(channel), 5) for _ in range(2)]
        task.cancel()
        return received

    received = asyncio.run(relay_once())
    assert [message["event"]["number"] for message in received] == [3, 4]
    assert received[0]["event"]["type"] == "test.pinged"
    assert not OutboxEvent.objects.exists()
