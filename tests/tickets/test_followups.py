"""Follow-up visits end to end: resolve, the Huey task asks the customer, the public page takes the answer."""

import datetime as dt
import re

import pytest
from django.core import mail
from django.test import Client
from django.urls import include, path
from django.utils import timezone

from kefu import reactions
from kefu.conversations.enums import SenderKind
from kefu.conversations.models import Conversation, Message
from kefu.inboxes.enums import ChannelType
from kefu.inboxes.models import Inbox
from kefu.tickets import services
from kefu.tickets.enums import TicketEventAction, TicketStatus, TicketType
from kefu.tickets.followups import follow_up_token
from kefu.tickets.models import (
    CustomerChannel,
    FollowUpVisit,
    Notification,
    NotificationKind,
    Ticket,
    TicketSettings,
)
from kefu.tickets.tasks import follow_ups_send_periodic
from kefu.urls import urlpatterns as project_urlpatterns
from tests.factories import customer_factory

urlpatterns = [path("tickets/followup/", include("kefu.tickets.urls_followup")), *project_urlpatterns]
# Real commits: the reactions to "ticket.transitioned" run after each commit, as in production.
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.urls(__name__)]
LINK = re.compile(r"(/tickets/followup/[^/\s]+/)")


@pytest.fixture(autouse=True)
def wired(monkeypatch, settings):
    monkeypatch.setitem(reactions.REACTIONS, "ticket.created", ["kefu.tickets.sla.on_ticket_created"])
    monkeypatch.setitem(
        reactions.REACTIONS, "ticket.transitioned", ["kefu.tickets.sla.on_ticket_transitioned", "kefu.tickets.followups.on_ticket_transitioned"]
    )
    settings.KEFU_PUBLIC_URL = "https://kefu.demo-shop.example"
    settings.LANGUAGE_CODE = "en"
    TicketSettings.objects.all().delete()  # the defaults, whatever an earlier demo load left behind


@pytest.fixture
def web_inbox(db):
    return Inbox.objects.create(name="官网在线客服", channel=ChannelType.WEB)


def resolved_ticket(*, agent, team, customer, conversation=None) -> Ticket:
    ticket = services.ticket_create(
        actor=agent, customer=customer, type=TicketType.WRONG_OR_MISSING, team=team, assignee=agent, conversation=conversation
    )
    services.ticket_comment_add(ticket=ticket, actor=agent, body="给您补发了漏发的充电线，单号稍后发您。")
    services.ticket_transition(ticket=ticket, to_status=TicketStatus.RESOLVED, actor=agent)
    return Ticket.objects.get(pk=ticket.pk)


def run_due_visits(visit: FollowUpVisit) -> dict:
    """Move the visit's time into the past and run the periodic task through Huey (immediate in tests)."""
    FollowUpVisit.objects.filter(pk=visit.pk).update(scheduled_for=timezone.now() - dt.timedelta(minutes=1))
    return follow_ups_send_periodic.call_local()


def configure(**fields) -> TicketSettings:
    """Make these the one after-sales settings row, whatever an earlier load left behind."""
    TicketSettings.objects.all().delete()
    return TicketSettings.objects.create(**fields)


def test_resolving_schedules_a_visit_after_the_configured_delay(agent, presale_team):
    configure(follow_up_delay_minutes=60)
    ticket = resolved_ticket(agent=agent, team=presale_team, customer=customer_factory())
    visit = FollowUpVisit.objects.get(ticket=ticket)
    assert visit.scheduled_for == ticket.resolved_at + dt.timedelta(minutes=60)
    assert follow_ups_send_periodic.call_local() == {"sent": 0, "expired": 0}  # not due yet


def test_not_solved_reopens_then_solved_closes_and_archives(agent, supervisor, presale_team, web_inbox):
    customer = customer_factory(name="林女士")
    conversation = Conversation.objects.create(inbox=web_inbox, customer=customer)
    ticket = resolved_ticket(agent=agent, team=presale_team, customer=customer, conversation=conversation)
    visit = FollowUpVisit.objects.get(ticket=ticket)
    assert visit.scheduled_for == ticket.resolved_at + dt.timedelta(days=3)  # the default delay

    assert run_due_visits(visit) == {"sent": 1, "expired": 0}
    visit.refresh_from_db()
    assert (visit.sent_via, Ticket.objects.get(pk=ticket.pk).status) == (CustomerChannel.CONVERSATION, TicketStatus.FOLLOW_UP)
    question = Message.objects.filter(conversation=conversation, sender_kind=SenderKind.SYSTEM).get()
    assert ticket.number in question.body
    assert "https://kefu.demo-shop.example/tickets/followup/" in question.body
    assert run_due_visits(visit) == {"sent": 0, "expired": 0}  # sent once only

    # The customer follows the link: not solved, 2 stars.
    link = LINK.search(question.body).group(1)
    customer_browser = Client()
    page = customer_browser.get(link)
    assert page.status_code == 200
    assert ticket.number in page.content.decode()
    answer = customer_browser.post(link, {"solved": "no", "rating": "2", "comment": "线还是没收到"})
    assert answer.status_code == 200
    assert "reopened" in answer.content.decode()
    ticket.refresh_from_db()
    assert (ticket.status, ticket.reopened_count) == (TicketStatus.IN_PROGRESS, 1)
    reopening = ticket.events.filter(action=TicketEventAction.REOPENED).get()
    assert reopening.actor is None
    assert "not solved, satisfaction 2/5" in reopening.params["note"]
    assert "线还是没收到" in reopening.params["note"]
    visit.refresh_from_db()
    assert (visit.solved, visit.rating, visit.comment) == (False, 2, "线还是没收到")
    alerts = Notification.objects.filter(kind=NotificationKind.FOLLOW_UP)
    assert sorted(alerts.values_list("user__username", flat=True)) == ["agent", "supervisor"]
    # The link now only thanks; a second answer changes nothing.
    assert customer_browser.post(link, {"solved": "yes", "rating": "5"}).status_code == 200
    assert Ticket.objects.get(pk=ticket.pk).status == TicketStatus.IN_PROGRESS

    # Fixed again: resolved, a new visit, and this time solved with 5 stars.
    services.ticket_transition(ticket=ticket, to_status=TicketStatus.RESOLVED, actor=agent)
    second = FollowUpVisit.objects.filter(ticket=ticket, answered_at__isnull=True).get()
    assert run_due_visits(second) == {"sent": 1, "expired": 0}
    link = LINK.search(Message.objects.filter(conversation=conversation, sender_kind=SenderKind.SYSTEM).latest("seq").body).group(1)
    assert customer_browser.post(link, {"solved": "yes", "rating": "5"}).status_code == 200
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.CLOSED
    assert ticket.closed_at is not None
    closing = ticket.events.filter(to_status=TicketStatus.CLOSED).get()
    assert "solved, satisfaction 5/5" in closing.params["note"]
    with pytest.raises(Exception, match="cannot go from"):
        services.ticket_transition(ticket=ticket, to_status=TicketStatus.IN_PROGRESS, actor=agent)  # archived


def test_by_e_mail_when_the_customer_has_no_conversation(agent, presale_team):
    customer = customer_factory(email="lin@example.com")
    ticket = resolved_ticket(agent=agent, team=presale_team, customer=customer)
    mail.outbox.clear()
    run_due_visits(FollowUpVisit.objects.get(ticket=ticket))
    assert [message.to for message in mail.outbox] == [["lin@example.com"]]
    assert ticket.number in mail.outbox[0].subject
    link = LINK.search(mail.outbox[0].body).group(1)
    assert Client().post(link, {"solved": "yes", "rating": "4"}).status_code == 200
    assert Ticket.objects.get(pk=ticket.pk).status == TicketStatus.CLOSED


def test_an_unreachable_customer_is_closed_after_the_answer_window(agent, presale_team):
    ticket = resolved_ticket(agent=agent, team=presale_team, customer=customer_factory(email=""))
    visit = FollowUpVisit.objects.get(ticket=ticket)
    run_due_visits(visit)
    visit.refresh_from_db()
    assert visit.sent_via == CustomerChannel.NONE
    assert Ticket.objects.get(pk=ticket.pk).status == TicketStatus.FOLLOW_UP
    FollowUpVisit.objects.filter(pk=visit.pk).update(sent_at=timezone.now() - dt.timedelta(days=8))
    assert follow_ups_send_periodic.call_local() == {"sent": 0, "expired": 1}
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.CLOSED
    assert "No answer" in ticket.events.filter(to_status=TicketStatus.CLOSED).get().params["note"]


def test_reopening_by_an_agent_cancels_the_visit(agent, presale_team):
    ticket = resolved_ticket(agent=agent, team=presale_team, customer=customer_factory(email="lin@example.com"))
    services.ticket_transition(ticket=ticket, to_status=TicketStatus.IN_PROGRESS, actor=agent)
    visit = FollowUpVisit.objects.get(ticket=ticket)
    assert visit.cancelled_at is not None
    mail.outbox.clear()
    assert run_due_visits(visit) == {"sent": 0, "expired": 0}
    assert mail.outbox == []
    assert Client().get(f"/tickets/followup/{follow_up_token(visit)}/").status_code == 410


def test_a_forged_or_cut_link_gets_a_designed_page_in_the_customers_language(agent, presale_team):
    ticket = resolved_ticket(agent=agent, team=presale_team, customer=customer_factory(email="lin@example.com"))
    visit = FollowUpVisit.objects.get(ticket=ticket)
    run_due_visits(visit)
    response = Client(HTTP_ACCEPT_LANGUAGE="zh-hans").get(f"/tickets/followup/{follow_up_token(visit)[:-3]}/")
    page = response.content.decode()
    assert response.status_code == 404
    assert "data-followup-invalid" in page and "售后回访" in page and ticket.number not in page


def test_the_page_refuses_forged_links_and_incomplete_answers(agent, presale_team):
    ticket = resolved_ticket(agent=agent, team=presale_team, customer=customer_factory(email="lin@example.com"))
    visit = FollowUpVisit.objects.get(ticket=ticket)
    run_due_visits(visit)
    assert Client().get(f"/tickets/followup/{visit.token}/").status_code == 404  # unsigned
    assert Client().get(f"/tickets/followup/{follow_up_token(visit)}x/").status_code == 404  # tampered
    link = f"/tickets/followup/{follow_up_token(visit)}/"
    missing_rating = Client().post(link, {"solved": "yes"})
    assert missing_rating.status_code == 400
    assert "Choose a satisfaction from 1 to 5." in missing_rating.content.decode()
    missing_solved = Client().post(link, {"rating": "3"})
    assert missing_solved.status_code == 400
    visit.refresh_from_db()
    assert visit.answered_at is None
    assert Ticket.objects.get(pk=ticket.pk).status == TicketStatus.FOLLOW_UP
