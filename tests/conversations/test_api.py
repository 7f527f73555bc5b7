"""The conversations REST API and the channel API: visibility, idempotent sends, errors that change nothing."""

import pytest

from kefu.conversations.models import Conversation, Message
from kefu.customers.models import CustomerIdentity
from kefu.inboxes.models import Inbox

pytestmark = pytest.mark.django_db


@pytest.fixture
def api_inbox(presale_team):
    inbox = Inbox.objects.create(name="淘宝店铺接入", channel="api", public_key="k-taobao")
    inbox.teams.add(presale_team)
    return inbox


def _relay(client, key="k-taobao", **overrides):
    body = {"platform": "taobao", "external_id": "tb_zhang88", "name": "张女士", "body": "在吗？想问下F40", "client_id": "tb-msg-1", **overrides}
    return client.post(f"/api/v1/channels/{key}/messages", body)


def test_a_relayed_message_opens_a_conversation_once_and_is_greeted(api_client_for, agent, api_inbox):
    client = api_client_for(agent)
    first = _relay(client)
    again = _relay(client)
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["created"] is True and again.json()["created"] is False
    assert again.json()["message"]["seq"] == first.json()["message"]["seq"] == 1
    conversation = Conversation.objects.get()
    assert conversation.customer.name == "张女士"
    assert CustomerIdentity.objects.get(platform="taobao", external_id="tb_zhang88").customer == conversation.customer
    assert list(conversation.messages.values_list("sender_kind", flat=True)) == ["customer", "system"]


def test_the_integrator_polls_replies_after_a_seq(api_client_for, agent, api_inbox):
    client = api_client_for(agent)
    conversation_id = _relay(client).json()["conversation"]
    reply = client.post(f"/api/v1/conversations/{conversation_id}/messages", {"body": "亲，在的～", "client_id": "r-1"})
    assert reply.status_code == 201
    polled = client.get(f"/api/v1/conversations/{conversation_id}/messages?after_seq=2").json()
    assert [(m["seq"], m["sender_kind"], m["body"]) for m in polled] == [(3, "agent", "亲，在的～")]
    summary = client.get(f"/api/v1/conversations/{conversation_id}").json()
    assert summary["assignee"]["id"] == agent.pk and summary["last_seq"] == 3


def test_agents_of_another_team_neither_list_nor_read_it(api_client_for, agent, other_agent, api_inbox):
    conversation_id = _relay(api_client_for(agent)).json()["conversation"]
    stranger = api_client_for(other_agent)
    assert stranger.get("/api/v1/conversations").json()["count"] == 0
    assert stranger.get(f"/api/v1/conversations/{conversation_id}").status_code == 404
    refused = stranger.post(f"/api/v1/conversations/{conversation_id}/messages", {"body": "我来", "client_id": "x"})
    assert refused.status_code == 404
    assert Message.objects.filter(sender_kind="agent").count() == 0


@pytest.mark.parametrize(
    ("overrides", "field"),
    [({"body": ""}, None), ({"body": "长" * 2001}, "body"), ({"client_id": ""}, "client_id"), ({"platform": "myspace"}, "platform")],
)
def test_bad_relays_are_refused_and_store_nothing(api_client_for, agent, api_inbox, overrides, field):
    response = _relay(api_client_for(agent), **overrides)
    assert response.status_code == 422
    assert response.json()["detail"][0]["field"] == field
    assert not Conversation.objects.exists() and not CustomerIdentity.objects.exists()


def test_relaying_into_a_widget_inbox_or_an_unknown_one_is_refused(api_client_for, agent, inbox):
    client = api_client_for(agent)
    assert _relay(client, key="test-web").status_code == 422
    assert _relay(client, key="no-such-inbox").status_code == 404
    assert not Conversation.objects.exists()


def test_anonymous_calls_are_refused(client, api_inbox):
    assert client.get("/api/v1/conversations").status_code == 401
    assert client.post("/api/v1/channels/k-taobao/messages", {}, content_type="application/json").status_code == 401
