"""The frame handling both sockets share: JSON frames in order, errors in the caller's language, group commit, event relay."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import json
import logging
from typing import Any

from channels.consumer import get_handler_name
from channels.generic.websocket import AsyncWebsocketConsumer
from channels.sessions import InstanceSessionWrapper
from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _

from ..batching import batch_run
from ..errors import ChatError

logger = logging.getLogger(__name__)
MAX_FRAME = 64 * 1024
MAX_QUEUED_FRAMES = 200  # frames waiting for the database on one connection; beyond it the client floods
FORWARDED_REMEMBERED = 512  # messages an agent socket remembers having forwarded, to drop a second copy


def _language(scope) -> str:
    """Pick the connection's language: the language cookie, else the browser's Accept-Language, else the default."""
    headers = {key.decode("latin-1").lower(): value.decode("latin-1") for key, value in scope.get("headers", [])}
    cookie_name = settings.LANGUAGE_COOKIE_NAME + "="
    for part in headers.get("cookie", "").split(";"):
        part = part.strip()
        if part.startswith(cookie_name):
            try:
                return translation.get_supported_language_variant(part[len(cookie_name) :])
            except LookupError:
                break
    for accept, _quality in translation.trans_real.parse_accept_lang_header(headers.get("accept-language", "")):
        try:
            return translation.get_supported_language_variant(accept)
        except LookupError:
            continue
    return settings.LANGUAGE_CODE


class ChatConsumer(AsyncWebsocketConsumer):
    """Shared frame handling: JSON parsing, errors in the caller's language, event relay."""

    language = settings.LANGUAGE_CODE
    handlers: dict[str, str] = {}

    async def send_json(self, payload: dict[str, Any]) -> None:
        await self.send_text(_encode(payload))

    async def send_text(self, text: str) -> None:
        """Send one text frame straight to the server's socket.

        Channels' session wrapper in between looks at the session on every frame, though it only
        saves it on HTTP responses; a busy agent's socket sends hundreds of frames a second.
        """
        send = self.__dict__.get("_text_send")
        if send is None:
            wrapper = getattr(self.base_send, "__self__", None)
            send = wrapper.real_send if isinstance(wrapper, InstanceSessionWrapper) and "websocket.send" not in wrapper.save_message_types else self.base_send
            self._text_send = send
        await send({"type": "websocket.send", "text": text})

    async def send_error(self, code: str, message: str, **extra: Any) -> None:
        await self.send_json({"type": "error", "code": code, "message": message, **extra})

    _frames: asyncio.Queue | None = None
    _frame_worker: asyncio.Task | None = None

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        """Queue the frame for this connection's worker, so events keep flowing while a frame waits for the database."""
        if self._frames is None:
            self._frames = asyncio.Queue()
            self._frame_worker = asyncio.get_running_loop().create_task(self._work_frames())
        if self._frames.qsize() >= MAX_QUEUED_FRAMES:
            with translation.override(self.language):
                await self.send_error("rate_limited", _("You are sending messages too fast. Please wait a few seconds."))
            return
        self._frames.put_nowait((text_data, bytes_data))

    async def _work_frames(self) -> None:
        while True:
            text_data, bytes_data = await self._frames.get()
            await self.handle_frame(text_data, bytes_data)

    async def websocket_disconnect(self, message) -> None:
        if self._frame_worker is not None:
            self._frame_worker.cancel()
        await super().websocket_disconnect(message)

    async def handle_frame(self, text_data: str | None, bytes_data: bytes | None) -> None:
        """Handle frames one at a time, in the order they came."""
        with translation.override(self.language):
            if text_data is None or len(text_data) > MAX_FRAME:
                await self.send_error("invalid", _("Send one JSON object per text frame, at most 64 KB."))
                return
            try:
                frame = json.loads(text_data)
            except ValueError:
                frame = None
            if not isinstance(frame, dict) or not isinstance(frame.get("type"), str):
                await self.send_error("invalid", _("Send one JSON object per text frame, at most 64 KB."))
                return
            handler = self.handlers.get(frame["type"])
            ref = {"ref": frame["ref"]} if isinstance(frame.get("ref"), str | int) else {}
            if handler is None:
                await self.send_error("invalid", _("Unknown frame type."), **ref)
                return
            if frame["type"] == "message.send":
                await self._message_pipelined(frame, ref)
                return
            await self._replies_flush()  # earlier messages are answered first, and stored before this frame runs
            try:
                await getattr(self, handler)(frame, ref)
            except Exception as error:
                await self._frame_failed(frame, ref, error)

    async def _frame_failed(self, frame: dict, ref: dict, error: Exception) -> None:
        if isinstance(error, ChatError):
            extra = {"client_id": frame["client_id"]} if isinstance(frame.get("client_id"), str) else {}
            await self.send_error(error.code, str(error.message), **ref, **extra)
        else:
            logger.error("Frame %s failed", frame.get("type"), exc_info=error)
            await self.send_error("server_error", _("Something went wrong on our side. Please try again."), **ref)

    _replies: asyncio.Task | None = None  # the ack of the last message sent on this connection, in flight
    _in_flight = 0

    async def _message_pipelined(self, frame: dict, ref: dict) -> None:
        """Queue the message for the next group commit without waiting for it; acks and errors go out in order.

        A connection does not wait for one message to be stored before passing on the next, so a
        busy agent's socket is not limited to one database round trip per message. Order holds:
        the batches run jobs in the order they came, and each ack waits for the one before.
        """
        if self._in_flight >= MAX_QUEUED_FRAMES:
            await self._replies_flush()
        try:
            job = self.message_job(frame)
        except Exception as error:  # a bad frame (ChatError) or a bug: answered in turn like any other failure
            future = asyncio.get_running_loop().create_future()
            future.set_exception(error)
        else:
            future = batch_run(functools.partial(_in_language, self.language, job))
        self._in_flight += 1
        self._replies = asyncio.get_running_loop().create_task(self._message_reply(self._replies, future, frame, ref))

    async def _message_reply(self, previous: asyncio.Task | None, future: asyncio.Future, frame: dict, ref: dict) -> None:
        try:
            if previous is not None:
                with contextlib.suppress(Exception):
                    await asyncio.shield(previous)
            with translation.override(self.language):
                try:
                    message, payload = await future
                except Exception as error:
                    await self._frame_failed(frame, ref, error)
                    return
                await self.send_json(
                    {"type": "ack", "client_id": message.client_id, "conversation": message.conversation_id, "seq": message.seq, "message": payload, **ref}
                )
        finally:
            self._in_flight -= 1

    async def _replies_flush(self) -> None:
        if self._replies is not None:
            with contextlib.suppress(Exception):
                await asyncio.shield(self._replies)

    def message_job(self, frame: dict):
        """Return the synchronous job that stores a message.send frame and returns (message, ack payload)."""
        raise NotImplementedError

    async def dispatch(self, message: dict[str, Any]) -> None:
        """Handle a message without Channels' hop to the database thread before each one.

        Channels closes stale database connections before every handler, which sends every
        event through the single database thread and queues it behind all database work. Here
        every database call already goes through database_sync_to_async, which does that itself.
        """
        handler = getattr(self, get_handler_name(message), None)
        if handler is None:
            raise ValueError(f"No handler for message type {message['type']}")
        await handler(message)

    async def kefu_event(self, message: dict[str, Any]) -> None:
        if await self.event_wanted(message["event"]):
            await self.send_text(_event_text(message))

    async def event_wanted(self, event: dict[str, Any]) -> bool:
        """Tell whether this socket passes the event on (subclasses filter)."""
        return True


def _encode(payload: dict[str, Any]) -> str:
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":"))


def _event_text(message: dict[str, Any]) -> str:
    """Encode a channel-layer event once for all the sockets it reaches (they share the message)."""
    text = message.get("text")
    if text is None:
        text = message["text"] = _encode(message["event"])
    return text


def _in_language(language: str, job):
    with translation.override(language):
        return job()


def _int(value: Any, code: str = "invalid") -> int:
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise ChatError(code, _("A number was expected."))
    try:
        return int(value)
    except ValueError:
        raise ChatError(code, _("A number was expected.")) from None
