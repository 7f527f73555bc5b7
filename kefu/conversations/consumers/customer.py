"""The widget's socket (docs/realtime-protocol.md): one visitor of one inbox."""

from __future__ import annotations

from typing import Any

from channels.db import database_sync_to_async
from django.utils import timezone
from django.utils.translation import gettext as _

from kefu.events import outbox_relay_ensure_started
from kefu.inboxes.models import Inbox
from kefu.inboxes.options import InboxOptions

from .. import selectors, services
from ..errors import ChatError
from ..models import Conversation, Visitor
from ..payloads import conversation_summary, customer_display_name, message_payload
from .base import ChatConsumer, _int, _language


class CustomerConsumer(ChatConsumer):
    """The widget's socket: one visitor of one inbox, who sees only their own conversation."""

    handlers = {
        "hello": "on_hello",
        "message.send": "message_job",
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

    def message_job(self, frame: dict):
        visitor = self._require_visitor()

        def receive():  # runs in a batch on the database thread: the message and its ack payload
            message, _created = services.customer_message_receive(
                visitor=visitor, body=frame.get("body", ""), attachments=frame.get("attachments") or [], client_id=frame.get("client_id", "")
            )
            return message, message_payload(message, for_customer=True)

        return receive

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

    async def event_wanted(self, event: dict[str, Any]) -> bool:
        return not (event.get("type") == "message.created" and event.get("message", {}).get("is_private"))
