"""The embedded setup's channel layer: Channels' in-memory layer without its per-call costs.

Channels' ``InMemoryChannelLayer`` scans every channel and group for expired entries on each
send and receive, deep-copies each message once per recipient and starts a task per
recipient. With a thousand sockets that dominated the server's time (bench/RESULTS.md). Kefu's
event payloads are JSON that nobody mutates, so this layer shares them, cleans up at most once
a second, and can be fed from a database thread without waiting for the event loop.
"""

from __future__ import annotations

import asyncio
import time

from channels.exceptions import ChannelFull
from channels.layers import InMemoryChannelLayer


class KefuInMemoryChannelLayer(InMemoryChannelLayer):
    _last_clean = 0.0
    loop: asyncio.AbstractEventLoop | None = None  # the server's event loop, set when the first socket connects

    def _clean_expired(self) -> None:
        now = time.monotonic()
        if now - self._last_clean >= 1.0:
            self._last_clean = now
            super()._clean_expired()

    def _put(self, channel: str, message: dict) -> None:
        queue = self.channels.get(channel)
        if queue is None:
            queue = self.channels[channel] = asyncio.Queue(maxsize=self.get_capacity(channel))
        try:
            queue.put_nowait((time.time() + self.expiry, message))
        except asyncio.QueueFull:
            raise ChannelFull(channel) from None

    async def send(self, channel: str, message: dict) -> None:
        assert isinstance(message, dict), "message is not a dict"
        self._put(channel, message)

    def group_send_nowait(self, group: str, message: dict) -> None:
        """Deliver to every member now; a full channel (a stuck socket) misses the message, as in Channels."""
        self._clean_expired()
        for channel in list(self.groups.get(group, ())):
            try:
                self._put(channel, message)
            except ChannelFull:
                pass

    async def receive(self, channel: str) -> dict:
        """Receive the next message of a channel (Channels' own, without a new queue and a name check per call)."""
        self._clean_expired()
        queue = self.channels.get(channel)
        if queue is None:
            queue = self.channels[channel] = asyncio.Queue(maxsize=self.get_capacity(channel))
        try:
            _expires, message = await queue.get()
        finally:
            if queue.empty() and self.channels.get(channel) is queue:
                del self.channels[channel]
        return message

    async def group_send(self, group: str, message: dict) -> None:
        assert isinstance(message, dict), "Message is not a dict"
        self.group_send_nowait(group, message)
