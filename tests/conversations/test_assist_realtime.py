"""The assistant over the real ASGI app: agents get its reading live, supervisors the escalation alert, customers the bot."""

import pytest

from kefu.accounts.enums import Role
from kefu.accounts.models import User
from kefu.demo.loader.write import _load_catalog, _load_knowledge
from kefu.knowledge.assist_index import _bump

from .conftest import connect_agent, connect_customer, receive_until, run

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def knowledge(db):
    _load_knowledge(_load_catalog(None), None)
    _bump()  # committed already (transactional test): announce it now


def test_an_angry_message_reaches_the_agents_reading_and_alerts_the_supervisor(inbox, agent, presale_team, knowledge):
    boss = User.objects.create_user("boss", password="x", role=Role.SUPERVISOR)
    presale_team.memberships.create(user=boss, is_lead=True)

    async def scenario():
        watching, lead = await connect_agent(agent), await connect_agent(boss)
        customer = await connect_customer()
        await customer.send_json_to({"type": "hello", "token": None, "after_seq": 0})
        await customer.receive_json_from(timeout=5)
        await customer.send_json_to({"type": "message.send", "client_id": "c-1", "body": "你们这什么破服务！！！气死我了，骗子！", "attachments": []})
        reading = await receive_until(watching, lambda f: f["type"] == "assist.updated")
        alert = await receive_until(lead, lambda f: f["type"] == "notification")
        for socket in (watching, lead, customer):
            await socket.disconnect()
        return reading, alert

    reading, alert = run(scenario())
    assist = reading["assist"]
    assert assist["emotion"]["code"] == "angry" and assist["escalated"] is True
    assert assist["suggestions"][0]["source"] == "empathy"
    assert alert["kind"] == "escalation" and alert["conversation"] == reading["conversation"]


def test_the_customer_sees_the_bot_answer_and_the_handover(inbox, knowledge):
    inbox.bot_enabled = True
    inbox.save()

    async def scenario():
        customer = await connect_customer()
        await customer.send_json_to({"type": "hello", "token": None, "after_seq": 0})
        await customer.receive_json_from(timeout=5)
        await customer.send_json_to({"type": "message.send", "client_id": "c-1", "body": "翼龙F40续航多久？", "attachments": []})
        answer = await receive_until(customer, lambda f: f["type"] == "message.created" and f["message"]["sender_kind"] == "bot")
        await customer.send_json_to({"type": "message.send", "client_id": "c-2", "body": "转人工", "attachments": []})
        handed = await receive_until(customer, lambda f: f["type"] == "conversation.updated" and f["conversation"]["assignee_kind"] == "none")
        frames = []
        while not await customer.receive_nothing(timeout=0.5):  # what else came (a timeout here would end the app)
            frames.append(await customer.receive_json_from(timeout=5))
        await customer.disconnect()
        return answer, handed, frames

    answer, handed, frames = run(scenario())
    from kefu.knowledge.models import FaqEntry

    assert handed["conversation"]["status"] == "open"
    assert answer["message"]["body"] == FaqEntry.objects.get(question="翼龙F40续航多久？").answer
    assert answer["message"]["sender_name"] == "小客"
    assert not any(f.get("message", {}).get("is_private") for f in frames)  # the bot's reading stays with the agents
