"""WebSocket consumers of the widget and the workbench (docs/realtime-protocol.md): parse, call one service, reply."""

from .agent import AgentConsumer
from .base import ChatConsumer
from .customer import CustomerConsumer

__all__ = ["AgentConsumer", "ChatConsumer", "CustomerConsumer"]
