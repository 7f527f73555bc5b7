"""The sign-in, sign-out and home pages, in the three UI languages."""

import pytest
from django.urls import reverse

from kefu.conversations.enums import ConversationStatus
from kefu.conversations.models import Conversation
from kefu.conversations.selectors import conversation_counts_for, conversations_recent_for
from kefu.customers.models import Customer
from kefu.inboxes.enums import ChannelType
from kefu.inboxes.models import Inbox
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


@pytest.fixture
def presale_inbox(presale_team) -> Inbox:
    inbox = Inbox.objects.create(name="官网售前", channel=ChannelType.WEB)
    inbox.teams.add(presale_team)
    return inbox


@pytest.fixture
def aftersale_inbox(aftersale_team) -> Inbox:
    inbox = Inbox.objects.create(name="售后邮箱", channel=ChannelType.EMAIL)
    inbox.teams.add(aftersale_team)
    return inbox


def make_conversation(
    inbox: Inbox, customer_name: str, status=ConversationStatus.OPEN, assignee=None
) -> Conversation:
    customer = Customer.objects.create(name=customer_name)
    return Conversation.objects.create(inbox=inbox, customer=customer, status=status, assignee=assignee)


def test_login_page_is_chinese_by_default(client):
    response = client.get(reverse("web:login"))

    assert response.status_code == 200
    assert response.headers["Content-Language"] == "zh-hans"
    html = response.content.decode()
    assert '<html lang="zh-hans">' in html
    assert "登录" in html
    assert "用户名" in html
    assert "繁體中文" in html and "English" in html
    assert 'action="/i18n/setlang/"' in html


def test_login_takes_an_agent_to_the_workbench_and_a_supervisor_home(client, agent, supervisor):
    response = client.post(reverse("web:login"), {"username": "agent", "password": PASSWORD})

    assert response.status_code == 302
    assert response.url == reverse("web:workbench")
    assert client.get(reverse("web:workbench")).status_code == 200
    client.logout()
    response = client.post(reverse("web:login"), {"username": supervisor.username, "password": PASSWORD})
    assert response.url == reverse("web:home")


def test_wrong_password_shows_a_chinese_error(client, agent):
    response = client.post(reverse("web:login"), {"username": "agent", "password": "wrong-password"})

    assert response.status_code == 200
    html = response.content.decode()
    assert 'role="alert"' in html
    assert "密码" in html and "正确" in html
    assert "_auth_user_id" not in client.session


def test_logout_by_post(client, agent):
    client.force_login(agent)

    response = client.post(reverse("web:logout"))

    assert response.status_code == 302
    assert response.url == reverse("web:login")
    assert "_auth_user_id" not in client.session
    assert client.get(reverse("web:home")).status_code == 302


def test_logout_by_get_is_refused(client, agent):
    client.force_login(agent)

    assert client.get(reverse("web:logout")).status_code == 405
    assert "_auth_user_id" in client.session


def test_home_requires_login(client):
    response = client.get(reverse("web:home"))

    assert response.status_code == 302
    assert response.url == f"{reverse('web:login')}?next=/"


def test_home_greets_the_agent_with_name_role_and_team(client, agent):
    client.force_login(agent)

    html = client.get(reverse("web:home")).content.decode()

    assert "你好，小美" in html
    assert "客服" in html
    assert "售前组" in html
    assert "暂无会话" in html
    assert 'action="/logout/"' in html
    assert "/api/docs" in html
    assert "/admin/" not in html  # agents are not staff


def test_home_links_the_admin_for_staff(client, supervisor):
    client.force_login(supervisor)

    html = client.get(reverse("web:home")).content.decode()

    assert 'href="/admin/"' in html


def test_agent_sees_only_conversations_of_their_teams_inboxes(
    client, agent, other_agent, presale_inbox, aftersale_inbox
):
    make_conversation(presale_inbox, "张女士", assignee=agent)
    make_conversation(presale_inbox, "李先生")
    make_conversation(presale_inbox, "王先生", status=ConversationStatus.PENDING)
    make_conversation(presale_inbox, "赵女士", status=ConversationStatus.RESOLVED)
    make_conversation(aftersale_inbox, "陈先生", assignee=other_agent)
    make_conversation(aftersale_inbox, "刘女士", status=ConversationStatus.PENDING)

    assert conversation_counts_for(agent) == {
        "open": 2,
        "pending": 1,
        "queued": 1,
        "mine_open": 1,
        "mine_pending": 0,
    }
    assert conversation_counts_for(other_agent) == {
        "open": 1,
        "pending": 1,
        "queued": 0,
        "mine_open": 1,
        "mine_pending": 0,
    }
    assert {c.customer.name for c in conversations_recent_for(agent)} == {
        "张女士",
        "李先生",
        "王先生",
        "赵女士",
    }

    client.force_login(agent)
    html = client.get(reverse("web:home")).content.decode()
    assert '<span class="stat-value" data-count="open">2</span>' in html
    assert '<span class="stat-value" data-count="pending">1</span>' in html
    assert '<span class="stat-value" data-count="mine_open">1</span>' in html
    assert "张女士" in html and "李先生" in html
    assert "陈先生" not in html and "刘女士" not in html
    assert "暂无会话" not in html


def test_supervisor_sees_all_inboxes(supervisor, admin_user, presale_inbox, aftersale_inbox):
    make_conversation(presale_inbox, "张女士")
    make_conversation(aftersale_inbox, "陈先生")
    other_inbox = Inbox.objects.create(name="没有团队的收件箱", channel=ChannelType.API)
    make_conversation(other_inbox, "周先生")

    assert conversation_counts_for(supervisor)["open"] == 3
    assert conversation_counts_for(admin_user)["open"] == 3
    assert len(conversations_recent_for(admin_user, limit=2)) == 2


def test_an_inbox_of_two_teams_counts_each_conversation_once(
    agent, presale_team, aftersale_team, presale_inbox
):
    presale_inbox.teams.add(aftersale_team)
    from kefu.accounts.services import team_add_member

    team_add_member(team=aftersale_team, user=agent)
    make_conversation(presale_inbox, "张女士")

    assert conversation_counts_for(agent)["open"] == 1
    assert len(conversations_recent_for(agent)) == 1


def test_switch_language_to_english(client):
    response = client.post("/i18n/setlang/", {"language": "en", "next": reverse("web:login")})
    assert response.status_code == 302
    assert response.url == reverse("web:login")

    html = client.get(reverse("web:login")).content.decode()

    assert '<html lang="en">' in html
    assert "Sign in" in html
    assert "登录" not in html


def test_switch_language_to_traditional_chinese(client, agent):
    client.post("/i18n/setlang/", {"language": "zh-hant", "next": "/"})
    client.force_login(agent)

    html = client.get(reverse("web:home")).content.decode()

    assert '<html lang="zh-hant">' in html
    assert "暫無會話" in html
    assert "登出" in html or "退出" in html
    assert "暂无会话" not in html


def test_static_stylesheet_is_served(client):
    response = client.get("/static/web/kefu.css")

    assert response.status_code == 200
    assert b"PingFang SC" in b"".join(response.streaming_content)
