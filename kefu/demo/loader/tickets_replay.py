"""Replaying the planned history through the real services, each step at its own moment in the past.

Every ticket is opened, assigned, moved, ticked, returned, refunded, compensated and visited by
the same services the workbench calls. ``ticket_create``, ``compensation_propose``,
``follow_up_schedule`` and ``follow_up_expire`` take the moment as a parameter; the others stamp
"now", so each step is followed by an update that puts its rows (timeline, audit log,
notifications, the stamped fields) at the step's moment.

The reactions to ticket events (the SLA clock, the follow-up visit) normally run after commit
with the moment the service ran. The replay drops that after-commit work and runs the reactions
itself, step by step, with the step's moment: the clocks and visits come out as if the history
had happened live.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import heapq
import itertools
from collections.abc import Callable, Iterator

from django.db import connection as default_connection
from django.db import transaction
from django.utils.module_loading import import_string

from kefu.accounts.models import AuditLog
from kefu.tickets.enums import TicketStatus
from kefu.tickets.events import TicketTransitioned
from kefu.tickets.models import ChecklistTick, Notification, Ticket, TicketEvent

MOMENT_MODELS = (TicketEvent, AuditLog, Notification)
HELD_EVENTS = ("ticket.created", "ticket.transitioned")
CLOCK_STANDS = frozenset({TicketStatus.WAITING_CUSTOMER, TicketStatus.RESOLVED, TicketStatus.FOLLOW_UP})
FINISHED = frozenset({TicketStatus.RESOLVED, TicketStatus.FOLLOW_UP, TicketStatus.CLOSED})


def reactions_paths() -> dict[str, list[str]]:
    """Return the ticket reactions as registered in ``kefu.reactions``."""
    from kefu import reactions

    return {name: list(reactions.REACTIONS.get(name) or []) for name in HELD_EVENTS}


@contextlib.contextmanager
def live_events_dropped() -> Iterator[None]:
    """Drop the after-commit work (real-time events, their reactions) registered inside the block.

    A replayed history announces nothing live: its events are long past and no browser waits
    for them, and their reactions would run with today's time. The replay runs them itself.
    """
    connection = transaction.get_connection()
    if not connection.in_atomic_block:
        raise RuntimeError("the demo's history is replayed inside its load's transaction")
    mark = len(connection.run_on_commit)
    try:
        yield
    finally:
        del connection.run_on_commit[mark:]


class Timeline:
    """Runs steps in time order and puts what each step wrote at the step's moment."""

    def __init__(self, *, cut: dt.datetime, reactions: dict[str, list[str]]) -> None:
        self.cut = cut
        self.queue: list[tuple[dt.datetime, int, Callable[[dt.datetime], None]]] = []
        self.order = itertools.count()
        self.handlers = {name: [(path, import_string(path)) for path in paths] for name, paths in reactions.items()}

    def at(self, when: dt.datetime, step: Callable[[dt.datetime], None]) -> None:
        """Plan a step; steps after the present are dropped (the story is cut there)."""
        if when <= self.cut:
            heapq.heappush(self.queue, (when, next(self.order), step))

    def run(self) -> None:
        while self.queue:
            when, _n, step = heapq.heappop(self.queue)
            step(when)

    @contextlib.contextmanager
    def moment(self, when: dt.datetime) -> Iterator[None]:
        """Put the timeline, audit and notification rows written inside the block at ``when``."""
        before = self._last_ids()
        yield
        for model, mark, last in zip(MOMENT_MODELS, before, self._last_ids(), strict=True):
            if last > mark:
                model.objects.filter(pk__gt=mark).update(created_at=when)

    @staticmethod
    def _last_ids() -> tuple[int, ...]:
        tables = ", ".join(f"(SELECT COALESCE(MAX(id), 0) FROM {model._meta.db_table})" for model in MOMENT_MODELS)
        with default_connection.cursor() as cursor:
            cursor.execute(f"SELECT {tables}")  # noqa: S608 - table names from the models
            return tuple(cursor.fetchone())

    def transitioned(self, ticket: Ticket, from_status: str, to_status: str, when: dt.datetime, *, reopened: bool = False) -> None:
        """Run the transition's reactions (SLA clock, follow-up visit) as of ``when``, skipping those that would change nothing.

        The clock moves only when it pauses, resumes from a pause or a resolution, or stops; the
        visit only on a resolution, a reopening or the close. Other moves leave both as they are.
        """
        clock_moves = to_status in (TicketStatus.WAITING_CUSTOMER, TicketStatus.RESOLVED) or (
            from_status in CLOCK_STANDS and to_status not in FINISHED
        )
        visit_moves = to_status in (TicketStatus.RESOLVED, TicketStatus.CLOSED) or reopened
        if not (clock_moves or visit_moves):
            return
        event = TicketTransitioned(
            ticket_id=ticket.pk, number=ticket.number, from_status=from_status, to_status=to_status, reopened=reopened,
            actor_id=None, team_id=ticket.team_id, assignee_id=ticket.assignee_id, at=when,
        )  # fmt: skip
        for path, handler in self.handlers.get("ticket.transitioned", []):
            if (clock_moves and ".sla." in path) or (visit_moves and ".followups." in path) or ".sla." not in path and ".followups." not in path:
                handler(event)

    def created(self, ticket: Ticket) -> None:
        """Start the new ticket's clock (the reaction to "ticket.created" reads only the ticket)."""
        from types import SimpleNamespace

        for _path, handler in self.handlers.get("ticket.created", []):
            handler(SimpleNamespace(ticket_id=ticket.pk))


def ticket_stamp(ticket: Ticket, when: dt.datetime, **fields: dt.datetime | None) -> None:
    """Put the ticket's stamps written by a step at the step's moment."""
    Ticket.objects.filter(pk=ticket.pk).update(updated_at=when, **fields)


def tick_stamp(tick: ChecklistTick | None, when: dt.datetime) -> None:
    if tick is not None:
        ChecklistTick.objects.filter(pk=tick.pk).update(done_at=when)
