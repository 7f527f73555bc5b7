"""Agent notifications: rows, a real-time event after commit, and e-mail through a real local SMTP server."""

import socket
import threading

import pytest
from aiosmtpd.controller import Controller
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.core import mail
from django.test import Client
from django.urls import include, path

from kefu.tickets.models import Notification, NotificationKind
from kefu.tickets.notifications import notification_mark_read, notify
from kefu.urls import urlpatterns as project_urlpatterns
from tests.conftest import PASSWORD

urlpatterns = [path("notifications/", include("kefu.tickets.urls_notifications")), *project_urlpatterns]
pytestmark = [pytest.mark.django_db, pytest.mark.urls(__name__)]


class Mailbox:
    """An aiosmtpd handler that keeps every message it accepts."""

    def __init__(self) -> None:
        self.envelopes = []
        self.received = threading.Event()

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        self.envelopes.append(envelope)
        self.received.set()
        return "250 Message accepted"

    def texts(self) -> list[str]:
        import email
        from email import policy

        return [email.message_from_bytes(envelope.content, policy=policy.default) for envelope in self.envelopes]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def smtp_server(settings):
    """Run a real SMTP server on a free local port and point Django's SMTP backend at it."""
    mailbox = Mailbox()
    port = free_port()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.DEFAULT_FROM_EMAIL = "kefu@demo-shop.example"
    settings.KEFU_PUBLIC_URL = "https://kefu.demo-shop.example"
    yield mailbox
    controller.stop()


def listen(group: str):
    """Join a channel-layer group the way a workbench socket does; return a receive function."""
    layer = get_channel_layer()
    channel = async_to_sync(layer.new_channel)()
    async_to_sync(layer.group_add)(group, channel)
    return lambda: async_to_sync(layer.receive)(channel)


def test_notify_creates_one_row_per_distinct_user_and_mails_those_with_an_address(
    in_memory_layer,
    agent, supervisor, smtp_server, django_capture_on_commit_callbacks
):
    agent.email = "xiaomei@demo-shop.example"
    agent.save()
    receive = listen(f"agent.{agent.pk}")
    with django_capture_on_commit_callbacks(execute=True):
        rows = notify(
            users=[agent, supervisor, agent],
            kind=NotificationKind.SLA_WARNING,
            title="工单 T202611230001 即将超时",
            body="首次响应还剩 6 分钟",
            url="/tickets/1/",
        )
    assert sorted(row.user_id for row in rows) == sorted([agent.pk, supervisor.pk])
    assert Notification.objects.filter(user=agent, read_at__isnull=True).count() == 1
    # in real time, to the agent's own group
    event = receive()["event"]
    assert event["type"] == "notification.created"
    assert event["title"] == "工单 T202611230001 即将超时"
    assert event["unread"] == 1
    assert event["url"] == "/tickets/1/"
    # by e-mail, through the SMTP server, to the one user with an address
    assert smtp_server.received.wait(5)
    assert len(smtp_server.envelopes) == 1
    envelope = smtp_server.envelopes[0]
    assert envelope.mail_from == "kefu@demo-shop.example"
    assert envelope.rcpt_tos == ["xiaomei@demo-shop.example"]
    message = smtp_server.texts()[0]
    assert "工单 T202611230001 即将超时" in message["Subject"]
    text = message.get_content()
    assert "首次响应还剩 6 分钟" in text
    assert "https://kefu.demo-shop.example/tickets/1/" in text


def test_nothing_leaves_before_the_transaction_commits(agent, django_capture_on_commit_callbacks):
    agent.email = "xiaomei@demo-shop.example"
    agent.save()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        notify(users=[agent], kind=NotificationKind.INCIDENT, title="配货错漏激增")
    assert mail.outbox == []
    assert len(callbacks) == 2  # the real-time event and the e-mail, both waiting for the commit
    for callback in callbacks:
        callback()
    assert [message.to for message in mail.outbox] == [["xiaomei@demo-shop.example"]]


def test_a_mail_server_outage_keeps_the_notification(agent, settings, django_capture_on_commit_callbacks, caplog):
    agent.email = "xiaomei@demo-shop.example"
    agent.save()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", free_port(), 2
    with django_capture_on_commit_callbacks(execute=True):
        notify(users=[agent], kind=NotificationKind.SLA_BREACHED, title="工单已超时")
    assert Notification.objects.filter(user=agent, title="工单已超时").count() == 1
    assert "E-mail notification" in caplog.text


def test_inactive_and_missing_users_are_skipped(agent, other_agent):
    other_agent.is_active = False
    other_agent.save()
    assert notify(users=[other_agent, None], kind=NotificationKind.TICKET, title="x") == []
    assert Notification.objects.count() == 0


def test_mark_read_touches_only_the_users_own(agent, other_agent):
    mine = notify(users=[agent], kind=NotificationKind.TICKET, title="a")[0]
    notify(users=[agent], kind=NotificationKind.TICKET, title="b")
    theirs = notify(users=[other_agent], kind=NotificationKind.TICKET, title="c")[0]
    assert notification_mark_read(user=agent, notification_ids=[mine.pk, theirs.pk]) == 1
    assert notification_mark_read(user=agent) == 1
    theirs.refresh_from_db()
    assert theirs.read_at is None


# --- the page ------------------------------------------------------------------------------------


def signed_in(user) -> Client:
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client


def test_the_page_lists_only_my_notifications(agent, other_agent):
    notify(users=[agent], kind=NotificationKind.SLA_WARNING, title="我的提醒")
    notify(users=[other_agent], kind=NotificationKind.SLA_WARNING, title="别人的提醒")
    response = signed_in(agent).get("/notifications/")
    assert response.status_code == 200
    body = response.content.decode()
    assert "我的提醒" in body
    assert "别人的提醒" not in body


def test_opening_marks_read_and_follows_the_link(agent, other_agent):
    mine = notify(users=[agent], kind=NotificationKind.SLA_WARNING, title="我的提醒", url="/tickets/7/")[0]
    theirs = notify(users=[other_agent], kind=NotificationKind.SLA_WARNING, title="别人的提醒")[0]
    client = signed_in(agent)
    response = client.post(f"/notifications/{mine.pk}/open")
    assert response.status_code == 302
    assert response["Location"] == "/tickets/7/"
    mine.refresh_from_db()
    assert mine.read_at is not None
    assert client.post(f"/notifications/{theirs.pk}/open").status_code == 404
    assert client.get(f"/notifications/{mine.pk}/open").status_code == 405


def test_an_outside_link_is_not_followed(agent):
    rogue = notify(users=[agent], kind=NotificationKind.TICKET, title="x", url="https://evil.example/")[0]
    response = signed_in(agent).post(f"/notifications/{rogue.pk}/open")
    assert response["Location"] == "/notifications/"


def test_mark_all_read(agent):
    notify(users=[agent], kind=NotificationKind.TICKET, title="a")
    notify(users=[agent], kind=NotificationKind.TICKET, title="b")
    response = signed_in(agent).post("/notifications/read")
    assert response.status_code == 302
    assert Notification.objects.filter(user=agent, read_at__isnull=True).count() == 0


def test_anonymous_visitors_are_sent_to_sign_in(db):
    response = Client().get("/notifications/")
    assert response.status_code == 302
    assert "/login/" in response["Location"]
