"""The ticket state machine: every allowed move works and is recorded; every other one changes nothing."""

import itertools

import pytest
from django.core.exceptions import ValidationError

from kefu.tickets.enums import TicketEventAction, TicketStatus, TicketType
from kefu.tickets.models import Ticket, TicketEvent
from kefu.tickets.services import ticket_create, ticket_transition
from kefu.tickets.transitions import ALLOWED, REOPENABLE
from tests.factories import customer_factory

ALL = list(TicketStatus.values)
ALLOWED_PAIRS = [(a, b) for a in ALL for b in sorted(ALLOWED[a])]
FORBIDDEN_PAIRS = [(a, b) for a, b in itertools.product(ALL, ALL) if b not in ALLOWED[a]]


def _ticket_in(status: str, *, assignee=None) -> Ticket:
    """Given a ticket placed directly in a status (the way the workflow would have left it)."""
    ticket = ticket_create(actor=None, customer=customer_factory(), type=TicketType.TECHNICAL, subject="遥控器连不上")
    Ticket.objects.filter(pk=ticket.pk).update(status=status, assignee=assignee)
    ticket.refresh_from_db()
    return ticket


def test_the_map_covers_every_status_and_closed_is_final():
    assert set(ALLOWED) == set(ALL)
    assert ALLOWED[TicketStatus.CLOSED] == frozenset()
    assert len(ALLOWED_PAIRS) + len(FORBIDDEN_PAIRS) == len(ALL) ** 2


@pytest.mark.django_db
@pytest.mark.parametrize(("from_status", "to_status"), ALLOWED_PAIRS)
def test_every_allowed_transition_moves_stamps_and_records(from_status, to_status, other_agent):
    ticket = _ticket_in(from_status, assignee=other_agent)
    events_before = TicketEvent.objects.filter(ticket=ticket).count()

    moved = ticket_transition(ticket=ticket, to_status=to_status, actor=other_agent, note="核实完毕")

    assert moved.status == to_status
    assert Ticket.objects.get(pk=ticket.pk).status == to_status
    event = TicketEvent.objects.filter(ticket=ticket).latest("id")
    assert TicketEvent.objects.filter(ticket=ticket).count() == events_before + 1
    assert (event.from_status, event.to_status, event.actor) == (from_status, to_status, other_agent)
    assert event.params == {"note": "核实完毕"}
    reopening = from_status in REOPENABLE and to_status == TicketStatus.IN_PROGRESS
    assert event.action == (TicketEventAction.REOPENED if reopening else TicketEventAction.TRANSITIONED)
    assert moved.reopened_count == (1 if reopening else 0)
    if to_status == TicketStatus.RESOLVED:
        assert moved.resolved_at == event.created_at
    if to_status == TicketStatus.CLOSED:
        assert moved.closed_at == event.created_at
    if reopening:
        assert moved.resolved_at is None


@pytest.mark.django_db
@pytest.mark.parametrize(("from_status", "to_status"), FORBIDDEN_PAIRS)
def test_every_forbidden_transition_is_refused_and_changes_nothing(from_status, to_status, other_agent):
    ticket = _ticket_in(from_status, assignee=other_agent)
    before = Ticket.objects.filter(pk=ticket.pk).values().get()
    events_before = TicketEvent.objects.filter(ticket=ticket).count()

    with pytest.raises(ValidationError) as caught:
        ticket_transition(ticket=ticket, to_status=to_status, actor=other_agent)

    assert caught.value.error_dict["to_status"][0].code == "transition_not_allowed"
    assert Ticket.objects.filter(pk=ticket.pk).values().get() == before
    assert TicketEvent.objects.filter(ticket=ticket).count() == events_before


@pytest.mark.django_db
def test_the_refusal_names_both_statuses_in_the_callers_language(other_agent):
    from django.utils import translation

    ticket = _ticket_in(TicketStatus.CLOSED, assignee=other_agent)
    with translation.override("en"), pytest.raises(ValidationError) as caught:
        ticket_transition(ticket=ticket, to_status=TicketStatus.IN_PROGRESS, actor=other_agent)
    error = caught.value.error_dict["to_status"][0]
    assert error.message % error.params == "A ticket cannot go from “Closed” to “In progress”."


@pytest.mark.django_db
def test_an_unknown_status_is_refused(other_agent):
    ticket = _ticket_in(TicketStatus.NEW)
    with pytest.raises(ValidationError) as caught:
        ticket_transition(ticket=ticket, to_status="archived", actor=other_agent)
    assert caught.value.error_dict["to_status"][0].code == "invalid_choice"


@pytest.mark.django_db
def test_assigned_needs_an_assignee():
    ticket = _ticket_in(TicketStatus.NEW)
    with pytest.raises(ValidationError) as caught:
        ticket_transition(ticket=ticket, to_status=TicketStatus.ASSIGNED, actor=None)
    assert caught.value.error_dict["to_status"][0].code == "no_assignee"
    assert Ticket.objects.get(pk=ticket.pk).status == TicketStatus.NEW


@pytest.mark.django_db
def test_a_stale_copy_cannot_move_the_ticket_twice(other_agent):
    """Two agents press 'resolve' on the same page: the second one is refused, one event is written."""
    ticket = _ticket_in(TicketStatus.IN_PROGRESS, assignee=other_agent)
    stale = Ticket.objects.get(pk=ticket.pk)
    ticket_transition(ticket=ticket, to_status=TicketStatus.RESOLVED, actor=other_agent)
    ticket_transition(ticket=ticket, to_status=TicketStatus.FOLLOW_UP, actor=None)

    with pytest.raises(ValidationError):
        ticket_transition(ticket=stale, to_status=TicketStatus.RESOLVED, actor=other_agent)
    assert TicketEvent.objects.filter(ticket=ticket, to_status=TicketStatus.RESOLVED).count() == 1


RECEIVED: list = []


def record_event(event) -> None:
    """Stand in for a reaction handler (registered for the test in kefu.reactions)."""
    RECEIVED.append(event)


@pytest.mark.django_db
def test_the_transition_event_goes_out_after_commit_to_assignee_team_and_reactions(
    in_memory_layer,
    other_agent, aftersale_team, django_capture_on_commit_callbacks, monkeypatch
):
    from asgiref.sync import async_to_sync
    from channels.layers import get_channel_layer

    from kefu import reactions

    monkeypatch.setitem(reactions.REACTIONS, "ticket.transitioned", ["tests.tickets.test_transitions.record_event"])
    RECEIVED.clear()
    layer = get_channel_layer()
    agent_channel = async_to_sync(layer.new_channel)()
    team_channel = async_to_sync(layer.new_channel)()
    async_to_sync(layer.group_add)(f"agent.{other_agent.pk}", agent_channel)
    async_to_sync(layer.group_add)(f"team.{aftersale_team.pk}", team_channel)
    ticket = _ticket_in(TicketStatus.ASSIGNED, assignee=other_agent)
    Ticket.objects.filter(pk=ticket.pk).update(team=aftersale_team)

    with django_capture_on_commit_callbacks(execute=True):
        ticket_transition(ticket=ticket, to_status=TicketStatus.IN_PROGRESS, actor=other_agent)

    for channel in (agent_channel, team_channel):
        message = async_to_sync(layer.receive)(channel)
        assert message["event"]["type"] == "ticket.transitioned"
        assert (message["event"]["ticket_id"], message["event"]["from_status"], message["event"]["to_status"]) == (
            ticket.pk,
            "assigned",
            "in_progress",
        )
    assert [(event.ticket_id, event.to_status, event.actor_id) for event in RECEIVED] == [(ticket.pk, "in_progress", other_agent.pk)]
