"""The ticket workflow as data: which status may follow which, and what entering one stamps.

new → assigned → in progress ⇄ waiting (customer / carrier or warehouse) → resolved → follow-up
(回访) → closed (archived). A resolved or followed-up ticket can be reopened (back to in
progress) until it is closed; a closed ticket is the archive and never changes again.
"""

from .enums import TicketStatus as S

ALLOWED: dict[str, frozenset[str]] = {
    S.NEW: frozenset({S.ASSIGNED, S.IN_PROGRESS, S.WAITING_CUSTOMER, S.WAITING_CARRIER, S.RESOLVED}),
    S.ASSIGNED: frozenset({S.IN_PROGRESS, S.WAITING_CUSTOMER, S.WAITING_CARRIER, S.RESOLVED}),
    S.IN_PROGRESS: frozenset({S.WAITING_CUSTOMER, S.WAITING_CARRIER, S.RESOLVED}),
    S.WAITING_CUSTOMER: frozenset({S.IN_PROGRESS, S.WAITING_CARRIER, S.RESOLVED}),
    S.WAITING_CARRIER: frozenset({S.IN_PROGRESS, S.WAITING_CUSTOMER, S.RESOLVED}),
    S.RESOLVED: frozenset({S.FOLLOW_UP, S.CLOSED, S.IN_PROGRESS}),
    S.FOLLOW_UP: frozenset({S.CLOSED, S.IN_PROGRESS}),
    S.CLOSED: frozenset(),
}

# Going from one of these back to work is a reopening: counted, and the resolution time cleared.
REOPENABLE: frozenset[str] = frozenset({S.RESOLVED, S.FOLLOW_UP})

# Entering a status stamps this field (only the first time for first_response_at and assigned_at).
STAMPS: dict[str, str] = {
    S.ASSIGNED: "assigned_at",
    S.RESOLVED: "resolved_at",
    S.CLOSED: "closed_at",
}

# Statuses in which the ticket still needs work (lists and counters use them).
# A tuple in a fixed order: the partial index of open tickets is declared with this very list,
# and the databases use that index only when a query repeats it.
OPEN_STATUSES: tuple[str, ...] = (S.NEW, S.ASSIGNED, S.IN_PROGRESS, S.WAITING_CUSTOMER, S.WAITING_CARRIER)


def transition_allowed(from_status: str, to_status: str) -> bool:
    return to_status in ALLOWED.get(from_status, frozenset())


def transitions_from(status: str) -> list[str]:
    """Return the statuses reachable from one, in the workflow's order (for buttons and the API)."""
    order = list(S.values)
    return sorted(ALLOWED.get(status, frozenset()), key=order.index)


def is_reopening(from_status: str, to_status: str) -> bool:
    return from_status in REOPENABLE and to_status == S.IN_PROGRESS
