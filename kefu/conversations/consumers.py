"""WebSocket consumers of the widget and the workbench (docs/realtime-protocol.md): parse, call one service, reply."""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

from channels.consumer import get_handler_name
from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from kefu.accounts.models import Team, User
from kefu.events import outbox_relay_ensure_started
from kefu.inboxes.models import Inbox
from kefu.inboxes.options import InboxOptions

from . import selectors, services
from .errors import ChatError
from .models import Conversation, Visitor
from .payloads import conversation_summary, customer_display_name, message_payload

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
        await self.send(text_data=json.dumps(payload, ensure_ascii=False, separators=(",", ":")))

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
            try:
                await getattr(self, handler)(frame, ref)
            except ChatError as error:
                extra = {"client_id": frame["client_id"]} if isinstance(frame.get("client_id"), str) else {}
                await self.send_error(error.code, str(error.message), **ref, **extra)
            except Exception:
                logger.exception("Frame %s failed", frame.get("type"))
                await self.send_error("server_error", _("Something went wrong on our side. Please try again."), **ref)

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
        await self.event_forward(message["event"])

    async def event_forward(self, event: dict[str, Any]) -> None:
        await self.send_json(event)


def _int(value: Any, code: str = "invalid") -> int:
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise ChatError(code, _("A number was expected."))
    try:
        return int(value)
    except ValueError:
        raise ChatError(code, _("A number was expected.")) from None


class CustomerConsumer(ChatConsumer):
    """The widget's socket: one visitor of one inbox, who sees only their own conversation."""

    handlers = {
        "hello": "on_hello",
        "message.send": "on_message_send",
        "resume": "on_resume",
        "typing": "on_typing",
        "read": "on_read",
        "identify": "on_identify",
        "human.request": "on_human_request",
        "rate": "on_rate",
        "ping": "on_ping",
    }

    async def connect(self) -> None:
        self.language = _language(self.scope)
        self.visitor: Visitor | None = None
        self.inbox = await database_sync_to_async(Inbox.objects.filter(public_key=self.scope["url_route"]["kwargs"]["key"], is_active=True).first)()
        if self.inbox is None:
            await self.close(code=4404)
            return
        outbox_relay_ensure_started()
        await self.accept()

    async def disconnect(self, code: int) -> None:
        if self.visitor is not None:
            await self.channel_layer.group_discard(self.visitor.group, self.channel_name)

    def _require_visitor(self) -> Visitor:
        if self.visitor is None:
            raise ChatError("invalid", _("Say hello first."))
        return self.visitor

    async def on_hello(self, frame: dict, ref: dict) -> None:
        user_agent = dict(self.scope.get("headers", [])).get(b"user-agent", b"").decode("latin-1")
        welcome = await database_sync_to_async(self._hello)(frame.get("token"), frame.get("after_seq", 0), user_agent)
        if welcome is None:
            await self.send_error("bad_token", _("This chat link is not valid here. Please reload the page."), **ref)
            await self.close(code=4401)
            return
        await self.channel_layer.group_add(self.visitor.group, self.channel_name)
        await self.send_json({"type": "welcome", **welcome, **ref})

    def _hello(self, token: Any, after_seq: Any, user_agent: str) -> dict | None:
        visitor = services.visitor_arrive(inbox=self.inbox, token=token, user_agent=user_agent)
        if visitor is None:
            return None
        self.visitor = visitor
        options = InboxOptions.of(self.inbox)
        conversation = services.visitor_current_conversation(visitor)
        messages, summary, position = [], None, None
        if conversation:
            after = _int(after_seq) if after_seq else 0
            messages = [message_payload(m, conversation=conversation, for_customer=True) for m in selectors.messages_after(conversation, after, include_private=False)]
            summary = conversation_summary(conversation, for_customer=True)
            position = services.queue_position(conversation)
        return {
            "token": services.visitor_token(visitor),
            "visitor": {"id": visitor.key.hex, "name": customer_display_name(visitor.customer)},
            "inbox": {
                "name": self.inbox.name,
                "color": options.color,
                "greeting": self.inbox.greeting,
                "hours": options.hours_text(),
                "online": options.is_open(),
                "bot_name": options.bot_name,
            },
            "conversation": summary,
            "queue_position": position,
            "messages": messages,
        }

    async def on_message_send(self, frame: dict, ref: dict) -> None:
        visitor = self._require_visitor()

        def receive():  # one trip to the database thread for the message and its payload
            message, _created = services.customer_message_receive(
                visitor=visitor, body=frame.get("body", ""), attachments=frame.get("attachments") or [], client_id=frame.get("client_id", "")
            )
            return message, message_payload(message, for_customer=True)

        message, payload = await database_sync_to_async(receive)()
        await self.send_json({"type": "ack", "client_id": message.client_id, "conversation": message.conversation_id, "seq": message.seq, "message": payload, **ref})

    async def on_resume(self, frame: dict, ref: dict) -> None:
        visitor = self._require_visitor()
        after = _int(frame.get("after_seq", 0))

        def load() -> dict:
            conversation = services.visitor_current_conversation(visitor)
            if conversation is None:
                return {"conversation": None, "messages": []}
            rows = selectors.messages_after(conversation, after, include_private=False)
            return {"conversation": conversation.pk, "messages": [message_payload(m, conversation=conversation, for_customer=True) for m in rows]}

        await self.send_json({"type": "messages", **await database_sync_to_async(load)(), **ref})

    async def _conversation_id(self) -> int | None:
        visitor = self._require_visitor()
        return await database_sync_to_async(lambda: Conversation.objects.filter(visitor=visitor).order_by("-created_at", "-pk").values_list("pk", "inbox_id").first())()

    async def on_typing(self, frame: dict, ref: dict) -> None:
        row = await self._conversation_id()
        if row:
            event = {"type": "typing", "conversation": row[0], "sender_kind": "customer", "name": "", "active": bool(frame.get("active"))}
            await self.channel_layer.group_send(f"inbox.{row[1]}", {"type": "kefu.event", "event": event})

    async def on_read(self, frame: dict, ref: dict) -> None:
        row = await self._conversation_id()
        if row:
            event = {"type": "read", "conversation": row[0], "seq": _int(frame.get("seq", 0)), "sender_kind": "customer"}
            await self.channel_layer.group_send(f"inbox.{row[1]}", {"type": "kefu.event", "event": event})

    async def on_identify(self, frame: dict, ref: dict) -> None:
        visitor = self._require_visitor()
        customer = await database_sync_to_async(services.visitor_identify)(
            visitor=visitor, order_number=str(frame.get("order_number", ""))[:64], phone=str(frame.get("phone", ""))[:32]
        )
        await self.send_json({"type": "identified", "customer": {"name": customer_display_name(customer)}, **ref})

    async def on_human_request(self, frame: dict, ref: dict) -> None:
        position = await database_sync_to_async(services.visitor_handover)(visitor=self._require_visitor())
        await self.send_json({"type": "result", "ok": True, "queue_position": position, **ref})

    async def on_rate(self, frame: dict, ref: dict) -> None:
        visitor, score, comment = self._require_visitor(), _int(frame.get("score")), str(frame.get("comment", ""))[:500]
        await database_sync_to_async(services.visitor_rate)(visitor=visitor, score=score, comment=comment)
        await self.send_json({"type": "result", "ok": True, **ref})

    async def on_ping(self, frame: dict, ref: dict) -> None:
        await self.send_json({"type": "pong", "server_time": timezone.now().isoformat(), **ref})

    async def event_forward(self, event: dict[str, Any]) -> None:
        if event.get("type") == "message.created" and event.get("message", {}).get("is_private"):
            return
        await self.send_json(event)


class AgentConsumer(ChatConsumer):
    """The workbench's socket: every conversation event the agent may see, and the agent's actions."""

    handlers = {
        "message.send": "on_message_send",
        "resume": "on_resume",
        "typing": "on_typing",
        "read": "on_read",
        "presence.set": "on_presence_set",
        "conversation.claim": "on_claim",
        "conversation.transfer": "on_transfer",
        "conversation.resolve": "on_resolve",
        "conversation.reopen": "on_reopen",
        "conversation.conversion": "on_conversion",
        "ping": "on_ping",
    }

    async def connect(self) -> None:
        self.language = _language(self.scope)
        user = self.scope.get("user")
        if user is None or not user.is_authenticated or not user.is_active:
            await self.close(code=4401)
            return
        self.forwarded: dict[tuple, None] = {}  # (conversation, seq) of the last messages sent down this socket
        self.agent: User = await database_sync_to_async(User.objects.get)(pk=user.pk)
        self.groups_joined = await database_sync_to_async(self._groups)()
        for group in self.groups_joined:
            await self.channel_layer.group_add(group, self.channel_name)
        outbox_relay_ensure_started()
        await self.accept()
        await database_sync_to_async(services.agent_heartbeat)(agent=self.agent)
        await self.send_json(
            {
                "type": "welcome",
                "agent": {"id": self.agent.pk, "name": str(self.agent), "presence": self.agent.presence, "role": self.agent.role},
                "server_time": timezone.now().isoformat(),
            }
        )

    def _groups(self) -> list[str]:
        groups = [f"agent.{self.agent.pk}"]
        groups += [f"team.{pk}" for pk in self.agent.memberships.values_list("team_id", flat=True)]
        groups += [f"inbox.{pk}" for pk in selectors.inboxes_visible_to(self.agent).values_list("pk", flat=True)]
        if self.agent.is_supervisor_or_admin:
            groups.append("supervisors")
        return groups

    async def disconnect(self, code: int) -> None:
        for group in getattr(self, "groups_joined", []):
            await self.channel_layer.group_discard(group, self.channel_name)

    def _conversation(self, frame: dict) -> Conversation:
        pk = _int(frame.get("conversation"), "not_found")
        conversation = selectors.conversations_visible_to(self.agent).select_related(*selectors.LIST_RELATED).filter(pk=pk).first()
        if conversation is None:
            raise ChatError("not_found", _("This conversation does not exist or is not yours to see."))
        return conversation

    async def on_message_send(self, frame: dict, ref: dict) -> None:
        def send():
            conversation = self._conversation(frame)
            message, _created = services.agent_message_send(
                conversation=conversation,
                agent=self.agent,
                body=frame.get("body", ""),
                attachments=frame.get("attachments") or [],
                client_id=frame.get("client_id", ""),
                private=bool(frame.get("private")),
            )
            return message, message_payload(message)

        message, payload = await database_sync_to_async(send)()
        await self.send_json({"type": "ack", "client_id": message.client_id, "conversation": message.conversation_id, "seq": message.seq, "message": payload, **ref})

    async def on_resume(self, frame: dict, ref: dict) -> None:
        after = _int(frame.get("after_seq", 0))

        def load() -> dict:
            conversation = self._conversation(frame)
            rows = selectors.messages_after(conversation, after, include_private=True)
            return {"conversation": conversation.pk, "messages": [message_payload(m, conversation=conversation) for m in rows]}

        await self.send_json({"type": "messages", **await database_sync_to_async(load)(), **ref})

    async def on_typing(self, frame: dict, ref: dict) -> None:
        conversation = await database_sync_to_async(self._conversation)(frame)
        event = {"type": "typing", "conversation": conversation.pk, "sender_kind": "agent", "name": str(self.agent), "active": bool(frame.get("active"))}
        groups = [f"inbox.{conversation.inbox_id}"] + ([f"visitor.{conversation.visitor.key.hex}"] if conversation.visitor_id else [])
        for group in groups:
            await self.channel_layer.group_send(group, {"type": "kefu.event", "event": event})

    async def on_read(self, frame: dict, ref: dict) -> None:
        seq = _int(frame.get("seq", 0))

        def read() -> Conversation:
            conversation = self._conversation(frame)
            services.conversation_read(conversation=conversation, agent=self.agent, seq=seq)
            return conversation

        conversation = await database_sync_to_async(read)()
        if conversation.visitor_id:
            event = {"type": "read", "conversation": conversation.pk, "seq": seq, "sender_kind": "agent"}
            await self.channel_layer.group_send(f"visitor.{conversation.visitor.key.hex}", {"type": "kefu.event", "event": event})

    async def on_presence_set(self, frame: dict, ref: dict) -> None:
        await database_sync_to_async(services.agent_presence_set)(agent=self.agent, presence=str(frame.get("presence", "")))
        await self.send_json({"type": "result", "ok": True, "presence": self.agent.presence, **ref})

    async def _summary_result(self, conversation: Conversation, ref: dict) -> None:
        summary = await database_sync_to_async(conversation_summary)(conversation)
        await self.send_json({"type": "result", "ok": True, "conversation": summary, **ref})

    async def on_claim(self, frame: dict, ref: dict) -> None:
        def claim():
            return services.conversation_claim(conversation=self._conversation(frame), agent=self.agent)

        await self._summary_result(await database_sync_to_async(claim)(), ref)

    async def on_transfer(self, frame: dict, ref: dict) -> None:
        def transfer():
            conversation = self._conversation(frame)
            to_agent = to_team = None
            if frame.get("to_agent") not in (None, ""):
                to_agent = User.objects.filter(pk=_int(frame["to_agent"]), is_active=True).first()
                if to_agent is None:
                    raise ChatError("invalid", _("Choose another active agent."))
            if frame.get("to_team") not in (None, ""):
                to_team = Team.objects.filter(pk=_int(frame["to_team"])).first()
                if to_team is None:
                    raise ChatError("invalid", _("Unknown team."))
            return services.conversation_transfer(conversation=conversation, actor=self.agent, to_agent=to_agent, to_team=to_team, note=str(frame.get("note", "")))

        await self._summary_result(await database_sync_to_async(transfer)(), ref)

    async def on_resolve(self, frame: dict, ref: dict) -> None:
        def resolve():
            return services.conversation_resolve(conversation=self._conversation(frame), actor=self.agent)

        await self._summary_result(await database_sync_to_async(resolve)(), ref)

    async def on_reopen(self, frame: dict, ref: dict) -> None:
        def reopen():
            return services.conversation_reopen(conversation=self._conversation(frame), actor=self.agent)

        await self._summary_result(await database_sync_to_async(reopen)(), ref)

    async def on_conversion(self, frame: dict, ref: dict) -> None:
        def mark():
            return services.conversation_conversion_mark(
                conversation=self._conversation(frame), actor=self.agent, converted=bool(frame.get("converted")), reason=str(frame.get("reason", ""))
            )

        await self._summary_result(await database_sync_to_async(mark)(), ref)

    async def event_forward(self, event: dict[str, Any]) -> None:
        """Forward an event; a message reaching this socket through two groups (inbox and agent) goes down once."""
        if event.get("type") == "message.created":
            key = (event.get("conversation"), (event.get("message") or {}).get("seq"))
            if key in self.forwarded:
                return
            self.forwarded[key] = None
            if len(self.forwarded) > FORWARDED_REMEMBERED:
                del self.forwarded[next(iter(self.forwarded))]
        await self.send_json(event)

    async def on_ping(self, frame: dict, ref: dict) -> None:
        await database_sync_to_async(services.agent_heartbeat)(agent=self.agent)
        await self.send_json({"type": "pong", "server_time": timezone.now().isoformat(), **ref})

