"""Real-time events of tickets, sent after commit to the assignee and the team."""

from __future__ import annotations

import dataclasses
import datetime
from typing import Any, ClassVar

from kefu.events import Event


@dataclasses.dataclass(frozen=True, kw_only=True)
class TicketCreated(Event):
    type: ClassVar[str] = "ticket.created"
    ticket_id: int
    number: str
    ticket_type: str
    cause: str
    priority: str
    status: str
    channel: str
    customer_id: int
    order_id: int | None
    product_id: int | None
    team_id: int | None
    assignee_id: int | None
    actor_id: int | None
    created_at: datetime.datetime


@dataclasses.dataclass(frozen=True, kw_only=True)
class TicketTransitioned(Event):
    """A ticket changed status; reactions pause or resume the SLA clock and schedule the follow-up visit."""

    type: ClassVar[str] = "ticket.transitioned"
    ticket_id: int
    number: str
    from_status: str
    to_status: str
    reopened: bool
    actor_id: int | None
    team_id: int | None
    assignee_id: int | None
    at: datetime.datetime


@dataclasses.dataclass(frozen=True, kw_only=True)
class TicketAssigned(Event):
    type: ClassVar[str] = "ticket.assigned"
    ticket_id: int
    number: str
    assignee_id: int | None
    previous_assignee_id: int | None
    team_id: int | None
    actor_id: int | None


@dataclasses.dataclass(frozen=True, kw_only=True)
class TicketUpdated(Event):
    """Anything else that adds a line to the timeline: a reply, a note, a tick, a refund."""

    type: ClassVar[str] = "ticket.updated"
    ticket_id: int
    number: str
    action: str
    actor_id: int | None
    params: dict[str, Any]


def ticket_groups(*, team_id: int | None, assignee_id: int | None, extra: tuple[int | None, ...] = ()) -> list[str]:
    """Return the groups that follow a ticket: its assignee (and a previous one) and its team."""
    groups = [f"agent.{user_id}" for user_id in (assignee_id, *extra) if user_id]
    if team_id:
        groups.append(f"team.{team_id}")
    return groups
