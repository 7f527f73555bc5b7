"""Writes on tickets: one module per concern, every name importable from here.

Every change adds a TicketEvent (the timeline) and sends a real-time event after commit to the
ticket's assignee and team; reactions to "ticket.transitioned" run the SLA clock and follow-ups.
creation: four ways in; workflow: the one transition service, assignment, details; comments:
replies, notes and refusals citing a rule; playbooks: checklists; saved_views: the list's filters.
"""

from .comments import (
    rule_citation,
    ticket_comment_add,
    ticket_decline_with_rule,
)
from .creation import (
    QUOTED_MESSAGES,
    conversation_quote,
    ticket_create,
    ticket_create_by_customer,
    ticket_create_from_conversation,
)
from .playbooks import (
    playbook_update,
    ticket_checklist_tick,
)
from .saved_views import (
    saved_view_delete,
    saved_view_save,
)
from .timeline import (
    ticket_actions_for,
    ticket_timeline_add,
)
from .workflow import (
    UPDATABLE_FIELDS,
    ticket_assign,
    ticket_transition,
    ticket_update,
)

__all__ = [
    "QUOTED_MESSAGES",
    "UPDATABLE_FIELDS",
    "conversation_quote",
    "playbook_update",
    "rule_citation",
    "saved_view_delete",
    "saved_view_save",
    "ticket_actions_for",
    "ticket_assign",
    "ticket_checklist_tick",
    "ticket_comment_add",
    "ticket_create",
    "ticket_create_by_customer",
    "ticket_create_from_conversation",
    "ticket_decline_with_rule",
    "ticket_timeline_add",
    "ticket_transition",
    "ticket_update",
]
