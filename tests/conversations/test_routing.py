"""Queues and assignment through the real services: policies, capacity, returning customers, presence, transfers."""

import datetime

import pytest
from django.utils import timezone

from kefu.accounts.enums import Presence, RoutingPolicy
from kefu.conversations.enums import ConversationAction, ConversationStatus
from kefu.conversations.errors import ChatError
from kefu.conversations.models import Conversation
from kefu.conversations.services import (
    agent_message_send,
    agent_presence_set,
    conversation_claim,
    conversation_resolve,
    conversation_transfer,
    customer_message_receive,
    presence_sweep,
    queue_position,
    visitor_create,
)
from tests.conftest import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def run_commits(django_capture_on_commit_callbacks):
    """Run after-commit work (queue draining, events) as a real commit would."""

    def call(function, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return function(*args, **kwargs)

    return call


def _online(*agents):
    for agent in agents:
        agent_presence_set(agent=agent, presence=Presence.ONLINE)


def _new_chat(inbox, run_commits, text="你好", *, visitor=None, value_level=""):
    visitor = visitor or visitor_create(inbox=inbox)
    if value_level:
        visitor.customer.value_level = value_level
        visitor.customer.save(update_fields=["value_level"])
    message, _ = run_commits(customer_message_receive, visitor=visitor, body=text, client_id=f"c-{timezone.now().timestamp()}")
    return Conversation.objects.get(pk=message.conversation_id)


def test_without_online_agents_conversations_wait_in_order(inbox, agent, run_commits):
    first = _new_chat(inbox, run_commits)
    second = _new_chat(inbox, run_commits)
    assert first.assignee is None and first.queued_at is not None
    assert (queue_position(first), queue_position(second)) == (0, 1)
    assert first.events.filter(action=ConversationAction.QUEUED).count() == 1


def test_least_open_respects_capacity(inbox, agent, presale_team, run_commits):
    second = make_user("xiaoli", "agent", capacity=1)
    presale_team.memberships.create(user=second)
    agent.capacity = 2
    agent.save()
    _online(agent, second)
    chats = [_new_chat(inbox, run_commits) for _ in range(4)]
    assignees = [chat.assignee_id for chat in chats]
    assert sorted(filter(None, assignees)) == sorted([agent.pk, agent.pk, second.pk])
    assert assignees[3] is None and queue_position(chats[3]) == 0


def test_round_robin_takes_turns(inbox, agent, presale_team, run_commits):
    presale_team.routing_policy = RoutingPolicy.ROUND_ROBIN
    presale_team.save()
    second = make_user("xiaoli", "agent")
    presale_team.memberships.create(user=second)
    _online(agent, second)
    assignees = [_new_chat(inbox, run_commits).assignee_id for _ in range(4)]
    assert assignees[0] != assignees[1] and assignees[0] == assignees[2] and assignees[1] == assignees[3]


def test_manual_policy_leaves_the_queue_to_claims(inbox, agent, presale_team, run_commits):
    presale_team.routing_policy = RoutingPolicy.MANUAL
    presale_team.save()
    _online(agent)
    chat = _new_chat(inbox, run_commits)
    assert chat.assignee is None
    claimed = run_commits(conversation_claim, conversation=chat, agent=agent)
    assert claimed.assignee == agent and Conversation.objects.get(pk=chat.pk).queued_at is None


def test_high_value_customer_jumps_the_queue(inbox, run_commits):
    ordinary = _new_chat(inbox, run_commits)
    vip = _new_chat(inbox, run_commits, value_level="high")
    assert queue_position(vip) == 0 and queue_position(Conversation.objects.get(pk=ordinary.pk)) == 1


def test_returning_customer_goes_back_to_the_previous_agent(inbox, agent, presale_team, run_commits):
    second = make_user("xiaoli", "agent")
    presale_team.memberships.create(user=second)
    visitor = visitor_create(inbox=inbox)
    _online(second)
    first = _new_chat(inbox, run_commits, visitor=visitor)
    assert first.assignee == second
    run_commits(conversation_resolve, conversation=first, actor=second)
    _online(agent)  # the least-loaded choice would now be either; the customer's own agent wins
    for _ in range(2):
        _new_chat(inbox, run_commits)  # keep agent and second equally loaded
    again = Conversation.objects.get(pk=first.pk)
    message, _ = run_commits(customer_message_receive, visitor=visitor, body="我又来了", client_id="back")
    again = Conversation.objects.get(pk=message.conversation_id)
    assert again.status == ConversationStatus.OPEN
    assert again.assignee == second


def test_going_offline_returns_open_conversations_to_the_queue_and_redistributes(inbox, agent, presale_team, run_commits):
    second = make_user("xiaoli", "agent")
    presale_team.memberships.create(user=second)
    _online(agent)
    chat = _new_chat(inbox, run_commits)
    assert chat.assignee == agent
    _online(second)
    run_commits(agent_presence_set, agent=agent, presence=Presence.OFFLINE)
    chat.refresh_from_db()
    assert chat.assignee == second
    assert list(chat.events.values_list("action", flat=True)).count(ConversationAction.REQUEUED) == 1


def test_silent_workbench_is_swept_offline(inbox, agent, run_commits):
    _online(agent)
    chat = _new_chat(inbox, run_commits)
    type(agent).objects.filter(pk=agent.pk).update(last_seen_at=timezone.now() - datetime.timedelta(minutes=5))
    assert run_commits(presence_sweep) == [agent.pk]
    chat.refresh_from_db()
    agent.refresh_from_db()
    assert agent.presence == Presence.OFFLINE and chat.assignee is None and chat.queued_at is not None


def test_transfer_to_a_team_with_a_note_makes_it_visible_there(inbox, agent, other_agent, aftersale_team, run_commits):
    from kefu.conversations.selectors import conversations_visible_to

    _online(agent)
    chat = _new_chat(inbox, run_commits, "我要退货")
    assert not conversations_visible_to(other_agent).filter(pk=chat.pk).exists()
    run_commits(conversation_transfer, conversation=chat, actor=agent, to_team=aftersale_team, note="客户要退货，请售后处理")
    chat.refresh_from_db()
    assert chat.team == aftersale_team and chat.assignee is None and chat.queued_at is not None
    assert conversations_visible_to(other_agent).filter(pk=chat.pk).exists()
    note = chat.messages.get(is_private=True)
    assert "客户要退货，请售后处理" in note.body and note.sender_user == agent


def test_only_the_serving_agent_or_a_supervisor_transfers(inbox, agent, presale_team, supervisor, run_commits):
    second = make_user("xiaoli", "agent")
    presale_team.memberships.create(user=second)
    _online(agent)
    chat = _new_chat(inbox, run_commits)
    with pytest.raises(ChatError) as refused:
        conversation_transfer(conversation=chat, actor=second, to_agent=second)
    assert refused.value.code == "forbidden"
    assert Conversation.objects.get(pk=chat.pk).assignee == agent
    run_commits(conversation_transfer, conversation=chat, actor=supervisor, to_agent=second, note="")
    assert Conversation.objects.get(pk=chat.pk).assignee == second


def test_resolving_frees_capacity_for_the_queue(inbox, agent, run_commits):
    agent.capacity = 1
    agent.save()
    _online(agent)
    first = _new_chat(inbox, run_commits)
    second = _new_chat(inbox, run_commits)
    assert second.assignee is None
    run_commits(conversation_resolve, conversation=first, actor=agent)
    assert Conversation.objects.get(pk=second.pk).assignee == agent


def test_a_supervisor_answering_a_waiting_chat_takes_it_out_of_the_queue(inbox, supervisor, agent, run_commits):
    chat = _new_chat(inbox, run_commits)  # nobody online: it waits
    assert (chat.assignee, queue_position(chat)) == (None, 0)  # first in line, nobody ahead

    run_commits(agent_message_send, conversation=chat, agent=supervisor, body="您好，我是王主管，我来帮您看看", client_id="s1")

    chat.refresh_from_db()
    assert (chat.assignee, chat.events.filter(action=ConversationAction.CLAIMED, actor=supervisor).count()) == (supervisor, 1)


def test_a_supervisor_stepping_into_a_colleagues_chat_leaves_it_with_the_colleague(inbox, supervisor, agent, run_commits):
    _online(agent)
    chat = _new_chat(inbox, run_commits)
    assert chat.assignee == agent

    run_commits(agent_message_send, conversation=chat, agent=supervisor, body="我补充一下", client_id="s2")

    assert Conversation.objects.get(pk=chat.pk).assignee == agent
