"""The workbench's assistant endpoints: the assist tab, the live guard, guard decisions and suggestion feedback.

Given the demo knowledge (its forbidden-phrase rules and FAQ) and a conversation read by the
assistant through the real services, each endpoint answers only those who may see the
conversation, checks its input and records what the agent did.
"""

import json

import pytest
from django.test import Client

from kefu.conversations.enums import SenderKind
from kefu.conversations.models import GuardDecision
from kefu.conversations.services import agent_message_send, customer_message_receive, visitor_create
from kefu.demo.loader.write import _load_catalog, _load_knowledge
from kefu.inboxes.models import Inbox
from kefu.knowledge.assist_index import knowledge_base_build, knowledge_changed
from kefu.knowledge.models import FaqEntry, SuggestionFeedback

pytestmark = pytest.mark.django_db


@pytest.fixture
def knowledge(django_capture_on_commit_callbacks):
    products = _load_catalog(None)
    _load_knowledge(products, None)
    with django_capture_on_commit_callbacks(execute=True):
        knowledge_changed()


@pytest.fixture
def chat(knowledge, presale_team, agent, django_capture_on_commit_callbacks):
    """Return a presale conversation whose bargaining message the assistant read; the agent serves it."""
    inbox = Inbox.objects.create(name="官网在线客服", channel="web", public_key="as-web")
    inbox.teams.add(presale_team)
    with django_capture_on_commit_callbacks(execute=True):
        message, _ = customer_message_receive(visitor=visitor_create(inbox=inbox), body="能不能便宜点，别家才卖800", client_id="c1")
        agent_message_send(conversation_id=message.conversation_id, agent=agent, body="亲，您好", client_id="a1")
    return message.conversation, message


def client_of(user) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def post(client, url, data):
    return client.post(url, json.dumps(data), content_type="application/json")


@pytest.mark.parametrize(("role", "status"), [(None, 401), ("other_agent", 404), ("agent", 200), ("supervisor", 200), ("admin_user", 200)])
def test_the_assist_tab_answers_only_those_who_see_the_conversation(request, chat, role, status):
    conversation, message = chat
    user = request.getfixturevalue(role) if role else None
    response = client_of(user).get(f"/workbench/conversations/{conversation.pk}/assist")
    assert response.status_code == status
    if status == 200:
        body = response.json()
        assert body["message"]["id"] == message.pk
        assert (body["stage"]["code"], body["objection"]["code"]) == ("bargaining", "cheaper_elsewhere")
        assert body["suggestions"] and all(item["source_label"] for item in body["suggestions"])
        assert [item["seq"] for item in body["history"]] == [message.seq]


def test_the_guard_flags_forbidden_words_with_javascript_offsets(agent, knowledge):
    text = "😀这个问题我不知道，你自己看说明书"
    response = post(client_of(agent), "/workbench/guard/check", {"text": text})
    assert response.status_code == 200
    flags = response.json()["flags"]
    utf16 = text.encode("utf-16-le")
    spans = {utf16[flag["start"] * 2 : flag["end"] * 2].decode("utf-16-le"): flag for flag in flags}
    assert "不知道" in spans and any("你自己看" in span for span in spans)
    assert all(flag["category_label"] and flag["rewrite"] for flag in flags)


@pytest.mark.parametrize("body", [{"text": 5}, {"text": "x" * 2001}, ["text"]])
def test_the_guard_refuses_bad_drafts(agent, knowledge, body):
    response = post(client_of(agent), "/workbench/guard/check", body)
    assert response.status_code == 400 and response.json()["error"]["message"]


def test_the_guard_needs_a_signed_in_agent(client, knowledge):
    assert post(client, "/workbench/guard/check", {"text": "不知道"}).status_code == 401


def test_a_flagged_draft_sent_anyway_is_recorded_with_the_servers_own_flags(chat, agent, django_capture_on_commit_callbacks):
    conversation, _ = chat
    draft = "这个问题我不知道，你自己看说明书"
    with django_capture_on_commit_callbacks(execute=True):
        sent, _ = agent_message_send(conversation_id=conversation.pk, agent=agent, body=draft, client_id="a2")
    response = post(client_of(agent), f"/workbench/conversations/{conversation.pk}/guard-decisions", {"text": draft, "decision": "sent", "message": sent.pk})
    assert response.status_code == 201
    row = GuardDecision.objects.get()
    assert (row.decision, row.message_id, row.agent_id, row.draft) == ("sent", sent.pk, agent.pk, draft)
    assert {flag["text"] for flag in row.flags} >= {"不知道"} and "denial" in row.categories


@pytest.mark.parametrize(
    "body",
    [{"text": "不知道", "decision": "maybe"}, {"text": "", "decision": "sent"}, {"text": "不知道", "decision": "sent", "message": -1}, {"text": "不知道", "decision": "sent", "message": 999999}],
)
def test_bad_guard_decisions_change_nothing(chat, agent, body):
    conversation, _ = chat
    response = post(client_of(agent), f"/workbench/conversations/{conversation.pk}/guard-decisions", body)
    assert response.status_code == 400
    assert not GuardDecision.objects.exists()


def test_another_teams_agent_cannot_record_on_the_conversation(chat, other_agent):
    conversation, _ = chat
    response = post(client_of(other_agent), f"/workbench/conversations/{conversation.pk}/guard-decisions", {"text": "不知道", "decision": "revised"})
    assert response.status_code == 404 and not GuardDecision.objects.exists()


def test_suggestion_feedback_says_used_or_edited_by_comparing_the_sent_text(chat, agent):
    conversation, message = chat
    url = f"/workbench/conversations/{conversation.pk}/suggestion-feedback"
    base = {"message": message.pk, "source": "objection", "source_id": 3, "suggested": "亲，我们是正品保障哦"}
    assert post(client_of(agent), url, {**base, "sent": "亲，我们是正品保障哦"}).json()["outcome"] == "used"
    assert post(client_of(agent), url, {**base, "sent": "亲，我们是正品保障哦，还包邮"}).json()["outcome"] == "edited"
    assert post(client_of(agent), url, {**base, "outcome": "rejected"}).json()["outcome"] == "rejected"
    assert list(SuggestionFeedback.objects.order_by("pk").values_list("outcome", "query", "agent_id")) == [
        ("used", message.body, agent.pk),
        ("edited", message.body, agent.pk),
        ("rejected", message.body, agent.pk),
    ]


@pytest.mark.parametrize(
    "change",
    [{"source": "oracle"}, {"suggested": ""}, {"sent": ""}, {"message": "x"}],
)
def test_bad_suggestion_feedback_changes_nothing(chat, agent, change):
    conversation, message = chat
    body = {"message": message.pk, "source": "faq", "source_id": 1, "suggested": "好的", "sent": "好的", **change}
    response = post(client_of(agent), f"/workbench/conversations/{conversation.pk}/suggestion-feedback", body)
    assert response.status_code == 400 and not SuggestionFeedback.objects.exists()


def test_feedback_on_an_agents_own_message_is_refused(chat, agent):
    conversation, _ = chat
    own = conversation.messages.get(sender_kind=SenderKind.AGENT)
    body = {"message": own.pk, "source": "faq", "source_id": 1, "suggested": "好的", "sent": "好的"}
    assert post(client_of(agent), f"/workbench/conversations/{conversation.pk}/suggestion-feedback", body).status_code == 400


def test_rejected_faq_suggestions_rank_lower_for_similar_questions_later(chat, agent):
    conversation, message = chat
    question = "你们发什么快递？"
    knowledge = knowledge_base_build()
    first = knowledge.faq.search(question, k=3)[0]
    entry = FaqEntry.objects.get(pk=first.entry_id)
    url = f"/workbench/conversations/{conversation.pk}/suggestion-feedback"
    customer = conversation.messages.create(seq=99, sender_kind=SenderKind.CUSTOMER, body=question)
    for _ in range(3):
        response = post(client_of(agent), url, {"message": customer.pk, "source": "faq", "source_id": entry.pk, "suggested": entry.answer, "outcome": "rejected"})
        assert response.status_code == 201
    from kefu.knowledge import assist_index

    assist_index._feedback_seen.clear()  # look at the new rows now, not within the second
    after = knowledge_base_build().faq.search(question, k=3)
    score_after = next((hit.score for hit in after if hit.entry_id == entry.pk), float("-inf"))
    assert score_after < first.score


@pytest.mark.parametrize(("role", "status"), [("agent", 403), ("supervisor", 200), ("admin_user", 200)])
def test_supervisors_inspect_the_guard_decisions(request, chat, agent, role, status):
    conversation, _ = chat
    draft = "这个问题我不知道，你自己看说明书"
    post(client_of(agent), f"/workbench/conversations/{conversation.pk}/guard-decisions", {"text": draft, "decision": "revised"})
    response = client_of(request.getfixturevalue(role)).get("/knowledge/rules/decisions/?decision=revised")
    assert response.status_code == status
    if status == 200:
        page = response.content.decode()
        assert draft in page and "<mark" in page
        other = client_of(request.getfixturevalue(role)).get("/knowledge/rules/decisions/?decision=sent").content.decode()
        assert draft not in other
