"""Typed real-time events: sent after commit, only from services, to explicit groups.

A service builds an ``Event`` (each app declares its own in ``<app>/events.py``) and calls
``event_send_on_commit(event, groups=[...])``. When the transaction commits:

1. the payload goes to the named channel-layer groups (``inbox.<id>``, ``agent.<id>``,
   ``team.<id>``, ``visitor.<id>``, ``supervisors``), where the WebSocket consumers relay
   it to browsers;
2. the handlers registered for the event's type in ``kefu.reactions.REACTIONS`` run.

In the embedded setup the channel layer lives in the server's memory, so a task worker
cannot reach it directly: the worker writes its events to the ``web.OutboxEvent`` table and
the server relays them (``outbox_relay``). With Redis every process sends directly.
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime
import logging
from collections.abc import Iterable
from typing import Any, ClassVar

from asgiref.sync import async_to_sync
from channels.layers import InMemoryChannelLayer, get_channel_layer
from django.db import transaction
from django.utils.module_loading import import_string

from kefu.web.channel_layer import KefuInMemoryChannelLayer

logger = logging.getLogger(__name__)

LAYER_MESSAGE_TYPE = "kefu.event"  # consumers implement kefu_event(self, message)
_outbox_writer = False  # set in the task worker of the embedded setup


@dataclasses.dataclass(frozen=True, kw_only=True)
class Event:
    """Base of every real-time event; subclasses set ``type`` and declare their fields."""

    type: ClassVar[str]

    def payload(self) -> dict[str, Any]:
        """Return the JSON-ready body sent to clients: the type plus the fields."""
        return {"type": self.type, **{field.name: _json_ready(getattr(self, field.name)) for field in dataclasses.fields(self)}}


def _json_ready(value: Any) -> Any:
    if isinstance(value, datetime.datetime):
        return value.astimezone(datetime.UTC).isoformat().replace("+00:00", "Z")
    if isinstance(value, dict):
        return {key: _json_ready(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_json_ready(item) for item in value]
    return value


def event_send_on_commit(event: Event, *, groups: Iterable[str]) -> None:
    """Send the event to the groups and run its reactions once the current transaction commits."""
    group_names = tuple(dict.fromkeys(groups))
    payload = event.payload()
    transaction.on_commit(lambda: _deliver(event, group_names, payload), robust=True)


def _deliver(event: Event, groups: tuple[str, ...], payload: dict[str, Any]) -> None:
    groups_send(groups, payload)
    reactions_run(event)


def groups_send(groups: Iterable[str], payload: dict[str, Any]) -> None:
    """Send one payload to channel-layer groups, through the outbox when this process cannot reach the layer."""
    groups = tuple(groups)
    if not groups:
        return
    if _outbox_writer:
        from kefu.web.models import OutboxEvent

        OutboxEvent.objects.create(groups=list(groups), payload=payload)
        return
    layer = get_channel_layer()
    if layer is None:
        return
    message = {"type": LAYER_MESSAGE_TYPE, "event": payload}
    loop = layer.loop if isinstance(layer, KefuInMemoryChannelLayer) else None
    if loop is not None and not loop.is_closed():
        # In-process layer: hand the sends to the server's loop without waiting for it (order is kept).
        for group in groups:
            loop.call_soon_threadsafe(layer.group_send_nowait, group, message)
        return

    async def send_all() -> None:
        for group in groups:
            await layer.group_send(group, message)

    try:
        asyncio.get_running_loop()
    except RuntimeError:
        async_to_sync(send_all)()
    else:  # called from async code by mistake: never block the loop
        raise RuntimeError("groups_send must be called from synchronous code")


def reactions_run(event: Event) -> None:
    """Run the handlers registered for the event's type; one failing handler does not stop the others."""
    from kefu.reactions import REACTIONS

    for path in REACTIONS.get(event.type, ()):
        try:
            import_string(path)(event)
        except Exception:
            logger.exception("Reaction %s to %s failed", path, event.type)


def outbox_writer_enable() -> None:
    """Make this process write its events to the outbox: a worker beside an in-memory channel layer."""
    global _outbox_writer
    _outbox_writer = isinstance(get_channel_layer(), InMemoryChannelLayer)


async def outbox_relay(*, interval: float = 0.2) -> None:
    """Forever move events written by other processes from the outbox to this process's channel layer."""
    from channels.db import database_sync_to_async

    from kefu.web.models import OutboxEvent

    layer = get_channel_layer()

    def take(limit: int = 200) -> list[OutboxEvent]:
        rows = list(OutboxEvent.objects.order_by("pk")[:limit])
        if rows:
            OutboxEvent.objects.filter(pk__lte=rows[-1].pk).delete()
        return rows

    while True:
        try:
            rows = await database_sync_to_async(take)()
            for row in rows:
                for group in row.groups:
                    await layer.group_send(group, {"type": LAYER_MESSAGE_TYPE, "event": row.payload})
        except Exception:
            logger.exception("Outbox relay failed; retrying")
        await asyncio.sleep(interval)


_relay_task: asyncio.Task | None = None


def outbox_relay_ensure_started() -> None:
    """Start the relay in this event loop once, when the channel layer is process-local."""
    global _relay_task
    layer = get_channel_layer()
    if not isinstance(layer, InMemoryChannelLayer):
        return
    if isinstance(layer, KefuInMemoryChannelLayer):
        layer.loop = asyncio.get_running_loop()
    if _relay_task is None or _relay_task.done():
        _relay_task = asyncio.get_running_loop().create_task(outbox_relay())
