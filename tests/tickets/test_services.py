"""Opening, assigning, replying to, declining and checking off tickets through the services."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from kefu.accounts.enums import AuditAction
from kefu.accounts.models import AuditLog
from kefu.conversations.enums import SenderKind
from kefu.conversations.models import Conversation, Message
from kefu.inboxes.models import Inbox
from kefu.tickets.enums import TicketChannel, TicketEventAction, TicketStatus, TicketType
from kefu.tickets.models import ChecklistTick, Ticket, TicketComment, TicketEvent
from kefu.tickets.selectors import ticket_checklist, ticket_list
from kefu.tickets.services import (
    playbook_update,
    ticket_assign,
    ticket_checklist_tick,
    ticket_comment_add,
    ticket_create,
    ticket_create_from_conversation,
    ticket_decline_with_rule,
    ticket_transition,
    ticket_update,
)
from tests.factories import customer_factory
from tests.tickets.test_models import make_ticket, paid_order, playbook_late, rule_seven_days


def conversation_with_messages(order, team):
    inbox = Inbox.objects.create(name="官网在线客服", channel="web", public_key="t-web")
    conversation = Conversation.objects.create(inbox=inbox, customer=order.customer, order=order, team=team)
    lines = [
        (SenderKind.CUSTOMER, "我的快递怎么还没到？？？都一个星期了"),
        (SenderKind.AGENT, "您好，我马上帮您查一下物流"),
        (SenderKind.AGENT, "内部：中通网点爆仓"),
    ]
    for seq, (kind, body) in enumerate(lines, start=1):
        Message.objects.create(conversation=conversation, seq=seq, sender_kind=kind, body=body, is_private=body.startswith("内部"))
    Conversation.objects.filter(pk=conversation.pk).update(last_seq=len(lines))
    conversation.refresh_from_db()
    return conversation


@pytest.mark.django_db
def test_one_click_from_a_conversation_fills_customer_order_team_and_quotes_messages(other_agent, aftersale_team):
    order = paid_order()
    conversation = conversation_with_messages(order, aftersale_team)

    ticket = ticket_create_from_conversation(actor=other_agent, conversation=conversation, type=TicketType.LATE_DELIVERY)

    assert (ticket.customer, ticket.order, ticket.conversation, ticket.team) == (order.customer, order, conversation, aftersale_team)
    assert ticket.channel == TicketChannel.CONVERSATION
    assert ticket.subject == f"到货延迟 · {order.number}" or ticket.subject == f"Late delivery · {order.number}"
    assert "我的快递怎么还没到？？？都一个星期了" in ticket.description
    assert "您好，我马上帮您查一下物流" in ticket.description
    assert "中通网点爆仓" not in ticket.description  # private notes stay out


@pytest.mark.django_db
def test_a_complaint_needs_a_cause_and_bad_links_are_refused(other_agent):
    order = paid_order()
    other_order = paid_order()
    stranger = customer_factory()
    with pytest.raises(ValidationError) as caught:
        ticket_create(actor=other_agent, customer=stranger, type=TicketType.COMPLAINT, order=order, items=list(other_order.items.all()))
    assert set(caught.value.error_dict) == {"cause", "order_id", "item_ids"}
    assert Ticket.objects.count() == 0


@pytest.mark.django_db
def test_an_agent_may_take_but_not_give_a_ticket(agent, other_agent, aftersale_team):
    ticket = make_ticket(team=aftersale_team)
    with pytest.raises(PermissionDenied):
        ticket_assign(ticket=ticket, actor=other_agent, assignee=agent)

    taken = ticket_assign(ticket=ticket, actor=other_agent, assignee=other_agent)

    assert (taken.assignee, taken.status) == (other_agent, TicketStatus.ASSIGNED)
    actions = list(TicketEvent.objects.filter(ticket=ticket).values_list("action", flat=True))
    assert actions == [TicketEventAction.CREATED, TicketEventAction.ASSIGNED, TicketEventAction.TRANSITIONED]


@pytest.mark.django_db
def test_a_supervisor_assigns_only_members_of_the_team(supervisor, agent, other_agent, aftersale_team):
    ticket = make_ticket(team=aftersale_team)
    with pytest.raises(ValidationError) as caught:
        ticket_assign(ticket=ticket, actor=supervisor, assignee=agent)  # agent is in 售前组
    assert caught.value.error_dict["assignee_id"][0].code == "not_in_team"
    assert ticket_assign(ticket=ticket, actor=supervisor, assignee=other_agent).assignee == other_agent


@pytest.mark.django_db
def test_an_agent_of_another_team_can_neither_see_nor_change_the_ticket(agent, other_agent, aftersale_team):
    ticket = make_ticket(team=aftersale_team)
    assert list(ticket_list(actor=agent)) == []
    assert list(ticket_list(actor=other_agent)) == [ticket]
    with pytest.raises(PermissionDenied):
        ticket_transition(ticket=ticket, to_status=TicketStatus.IN_PROGRESS, actor=agent)
    with pytest.raises(PermissionDenied):
        ticket_comment_add(ticket=ticket, actor=agent, body="你好")
    assert Ticket.objects.get(pk=ticket.pk).status == TicketStatus.NEW


@pytest.mark.django_db
def test_a_reply_goes_to_the_customers_conversation_and_stamps_the_first_response(other_agent, aftersale_team):
    order = paid_order()
    conversation = conversation_with_messages(order, aftersale_team)
    ticket = ticket_create_from_conversation(actor=other_agent, conversation=conversation, type=TicketType.LATE_DELIVERY)

    note = ticket_comment_add(ticket=ticket, actor=other_agent, body="已联系中通催件", is_internal=True)
    assert Ticket.objects.get(pk=ticket.pk).first_response_at is None
    reply = ticket_comment_add(ticket=ticket, actor=other_agent, body="您好，已为您催件，预计明天送达")

    assert note.message is None
    assert reply.message.conversation == conversation
    assert (reply.message.body, reply.message.sender_kind, reply.message.sender_user) == (
        "您好，已为您催件，预计明天送达",
        SenderKind.AGENT,
        other_agent,
    )
    assert Ticket.objects.get(pk=ticket.pk).first_response_at == reply.created_at


@pytest.mark.django_db
def test_a_refusal_cites_the_rule_in_the_reply(other_agent, aftersale_team):
    rule = rule_seven_days()
    ticket = make_ticket(team=aftersale_team, type=TicketType.RETURN)

    comment = ticket_decline_with_rule(ticket=ticket, actor=other_agent, rule=rule, body="很抱歉，您的商品已超过七天。")

    assert comment.cited_rule == rule
    assert comment.body.startswith("很抱歉，您的商品已超过七天。\n\n")
    assert "AS-01" in comment.body and rule.clause in comment.body
    assert TicketEvent.objects.filter(ticket=ticket, action=TicketEventAction.DECLINED, params__rule="AS-01").count() == 1


@pytest.mark.django_db
def test_the_checklist_is_the_playbook_and_ticks_are_recorded(other_agent, aftersale_team):
    playbook_late()
    ticket = make_ticket(team=aftersale_team)
    items = ticket_checklist(ticket)
    assert [(item.key, item.label, item.done) for item in items][:4] == [
        ("causes:0", "发货延迟", False),
        ("causes:1", "地址不清", False),
        ("causes:2", "快递延误", False),
        ("handling:0", "查询物流轨迹", False),
    ]
    assert len(items) == 7

    ticket_checklist_tick(ticket=ticket, actor=other_agent, item_key="handling:1")
    ticket_checklist_tick(ticket=ticket, actor=other_agent, item_key="handling:1")  # twice: still one tick

    done = [item for item in ticket_checklist(ticket) if item.done]
    assert [(item.key, item.label, item.done_by) for item in done] == [("handling:1", "联系快递催件", "阿强")]
    assert TicketEvent.objects.filter(ticket=ticket, action=TicketEventAction.CHECKLIST_TICKED).count() == 1
    with pytest.raises(ValidationError):
        ticket_checklist_tick(ticket=ticket, actor=other_agent, item_key="handling:9")
    ticket_checklist_tick(ticket=ticket, actor=other_agent, item_key="handling:1", done=False)
    assert ChecklistTick.objects.count() == 0


@pytest.mark.django_db
def test_supervisors_edit_playbooks_agents_may_not(supervisor, other_agent):
    playbook = playbook_late()
    with pytest.raises(PermissionDenied):
        playbook_update(actor=other_agent, playbook=playbook, handling="随便")
    playbook_update(actor=supervisor, playbook=playbook, handling="查询物流轨迹\n\n  联系快递催件 \n提供新的到货时间")
    playbook.refresh_from_db()
    assert playbook.handling == ["查询物流轨迹", "联系快递催件", "提供新的到货时间"]
    assert AuditLog.objects.filter(action=AuditAction.UPDATE, object_type="knowledge.playbook", actor=supervisor).count() == 1


@pytest.mark.django_db
def test_update_records_old_and_new_values(other_agent, aftersale_team):
    ticket = make_ticket(team=aftersale_team)
    ticket_update(ticket=ticket, actor=other_agent, fields={"priority": "urgent", "subject": "快递丢件"})
    event = TicketEvent.objects.get(ticket=ticket, action=TicketEventAction.UPDATED)
    assert event.params["changes"] == {"priority": ["normal", "urgent"], "subject": ["快递一周没到", "快递丢件"]}
    with pytest.raises(ValidationError) as caught:
        ticket_update(ticket=ticket, actor=other_agent, fields={"type": "complaint"})
    assert "cause" in caught.value.error_dict


@pytest.mark.django_db
def test_a_closed_ticket_takes_no_more_replies(other_agent, aftersale_team):
    ticket = make_ticket(team=aftersale_team, assignee=None)
    for status in ("in_progress", "resolved", "closed"):
        ticket_transition(ticket=ticket, to_status=status, actor=other_agent)
    with pytest.raises(ValidationError):
        ticket_comment_add(ticket=ticket, actor=other_agent, body="还有问题吗")
    assert TicketComment.objects.count() == 0
