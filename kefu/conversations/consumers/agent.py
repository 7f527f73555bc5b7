"""The workbench's socket (docs/realtime-protocol.md): every conversation event an agent may see, and their actions."""

from __future__ import annotations

from typing import Any

from channels.db import database_sync_to_async
from django.utils import timezone
from django.utils.translation import gettext as _

from kefu.accounts.models import Team, User
from kefu.events import outbox_relay_ensure_started

from .. import selectors, services
from ..errors import ChatError
from ..models import Conversation
from ..payloads import conversation_summary, message_payload
from .base import FORWARDED_REMEMBERED, ChatConsumer, _int, _language


class AgentConsumer(ChatConsumer):
    """The workbench's socket: every conversation event the agent may see, and the agent's actions."""

    handlers = {
        "message.send": "message_job",
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
        conversation = services.conversation_by_pk(pk)  # the same rule as selectors.conversations_visible_to, without its query building
        if conversation is None or not services.conversation_visible_to_agent(conversation, self.agent):
            raise ChatError("not_found", _("This conversation does not exist or is not yours to see."))
        return conversation

    def message_job(self, frame: dict):
        pk = _int(frame.get("conversation"), "not_found")
        agent = self.agent

        def send():  # runs in a batch on the database thread; the service checks that the agent may see the conversation
            message, _created = services.agent_message_send(
                conversation_id=pk,
                agent=agent,
                body=frame.get("body", ""),
                attachments=frame.get("attachments") or [],
                client_id=frame.get("client_id", ""),
                private=bool(frame.get("private")),
            )
            return message, message_payload(message)

        return send

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

    async def event_wanted(self, event: dict[str, Any]) -> bool:
        """Pass every event on; a message reaching this socket through two groups (inbox and agent) goes down once."""
        if event.get("type") == "message.created":
            key = (event.get("conversation"), (event.get("message") or {}).get("seq"))
            if key in self.forwarded:
                return False
            self.forwarded[key] = None
            if len(self.forwarded) > FORWARDED_REMEMBERED:
                del self.forwarded[next(iter(self.forwarded))]
        return True

    async def on_ping(self, frame: dict, ref: dict) -> None:
        await database_sync_to_async(services.agent_heartbeat)(agent=self.agent)
        await self.send_json({"type": "pong", "server_time": timezone.now().isoformat(), **ref})
