"""The widget and workbench sockets over the real ASGI app: acknowledgements, resume, dedupe, errors."""

import pytest
from asgiref.sync import sync_to_async

from kefu.conversations.models import Conversation, Message

from .conftest import connect_agent, connect_customer, receive_until, run

pytestmark = pytest.mark.django_db(transaction=True)


def test_first_message_is_acknowledged_then_greeted(inbox):
    async def scenario():
        customer = await connect_customer()
        await customer.send_json_to({"type": "hello", "token": None, "after_seq": 0})
        welcome = await customer.receive_json_from(timeout=5)
        assert welcome["type"] == "welcome" and welcome["token"] and welcome["conversation"] is None
        await customer.send_json_to({"type": "message.send", "client_id": "c-1", "body": "翼龙F40续航多久？", "attachments": []})
        frames: list[dict] = []

        def both_seen(frame):  # the acknowledgement and the greeting's event may come in either order
            frames.append(frame)
            kinds = {(f["type"], (f.get("message") or {}).get("sender_kind")) for f in frames}
            return ("ack", "customer") in kinds and ("message.created", "system") in kinds

        await receive_until(customer, both_seen)
        await customer.disconnect()
        ack = next(f for f in frames if f["type"] == "ack")
        greeting = next(f for f in frames if f["type"] == "message.created" and f["message"]["sender_kind"] == "system")
        return ack, greeting

    ack, greeting = run(scenario())
    assert ack["client_id"] == "c-1" and ack["seq"] == 1 and ack["message"]["body"] == "翼龙F40续航多久？"
    assert greeting["message"]["seq"] == 2
    conversation = Conversation.objects.get()
    assert list(conversation.messages.values_list("seq", "sender_kind")) == [(1, "customer"), (2, "system")]
    assert conversation.first_response_at is not None
    assert conversation.first_response_seconds < 10


def test_resend_after_reconnect_is_not_doubled_and_missed_messages_arrive(inbox):
    async def scenario():
        customer = await connect_customer()
        await customer.send_json_to({"type": "hello", "token": None})
        token = (await customer.receive_json_from(timeout=5))["token"]
        await customer.send_json_to({"type": "message.send", "client_id": "c-1", "body": "在吗"})
        first_ack = await receive_until(customer, lambda f: f["type"] == "ack")
        await customer.disconnect()
        again = await connect_customer()
        await again.send_json_to({"type": "hello", "token": token, "after_seq": 1})
        welcome = await again.receive_json_from(timeout=5)
        await again.send_json_to({"type": "message.send", "client_id": "c-1", "body": "在吗"})
        second_ack = await receive_until(again, lambda f: f["type"] == "ack")
        await again.disconnect()
        return first_ack, welcome, second_ack

    first_ack, welcome, second_ack = run(scenario())
    assert second_ack["seq"] == first_ack["seq"] == 1
    assert [m["seq"] for m in welcome["messages"]] == [2]  # the greeting it had missed
    assert Message.objects.filter(client_id="c-1").count() == 1


@pytest.mark.parametrize(
    ("frame", "code"),
    [
        ({"type": "message.send", "client_id": "x", "body": "   "}, "empty"),
        ({"type": "message.send", "client_id": "x", "body": "长" * 2001}, "too_long"),
        ({"type": "message.send", "client_id": "x", "body": "hi", "attachments": [{"url": "http://evil/x.png"}]}, "bad_attachment"),
        ({"type": "message.send", "client_id": 5, "body": "hi"}, "invalid"),
        ({"type": "nonsense"}, "invalid"),
    ],
)
def test_bad_messages_get_a_clear_error_and_change_nothing(inbox, frame, code):
    async def scenario():
        customer = await connect_customer()
        await customer.send_json_to({"type": "hello", "token": None})
        await customer.receive_json_from(timeout=5)
        await customer.send_json_to(frame)
        reply = await customer.receive_json_from(timeout=5)
        await customer.disconnect()
        return reply

    reply = run(scenario())
    assert reply["type"] == "error" and reply["code"] == code and reply["message"]
    assert Message.objects.count() == 0


def test_error_messages_follow_the_browser_language(inbox):
    async def scenario():
        customer = await connect_customer(headers=[(b"accept-language", b"en")])
        await customer.send_json_to({"type": "hello", "token": None})
        await customer.receive_json_from(timeout=5)
        await customer.send_json_to({"type": "message.send", "client_id": "x", "body": ""})
        english = await customer.receive_json_from(timeout=5)
        await customer.disconnect()
        chinese_customer = await connect_customer()
        await chinese_customer.send_json_to({"type": "hello", "token": None})
        await chinese_customer.receive_json_from(timeout=5)
        await chinese_customer.send_json_to({"type": "message.send", "client_id": "x", "body": ""})
        chinese = await chinese_customer.receive_json_from(timeout=5)
        await chinese_customer.disconnect()
        return english, chinese

    english, chinese = run(scenario())
    assert english["message"] == "The message is empty."
    assert chinese["message"] != english["message"] and chinese["code"] == "empty"


def test_a_flood_from_one_visitor_is_rate_limited(inbox):
    async def scenario():
        customer = await connect_customer()
        await customer.send_json_to({"type": "hello", "token": None})
        await customer.receive_json_from(timeout=5)
        replies = []
        for number in range(14):
            await customer.send_json_to({"type": "message.send", "client_id": f"c-{number}", "body": f"第{number}条"})
            replies.append(await receive_until(customer, lambda f: f["type"] in ("ack", "error")))
        await customer.disconnect()
        return replies

    replies = run(scenario())
    limited = [reply for reply in replies if reply["type"] == "error"]
    assert limited and all(reply["code"] == "rate_limited" for reply in limited)
    assert Message.objects.filter(sender_kind="customer").count() == len(replies) - len(limited) <= 10


def test_a_forged_token_or_one_for_another_inbox_is_refused(inbox, presale_team):
    from kefu.conversations.services import visitor_create, visitor_token
    from kefu.inboxes.models import Inbox

    other = Inbox.objects.create(name="另一个", channel="web", public_key="other-web")
    foreign_token = visitor_token(visitor_create(inbox=other))

    async def scenario(token):
        customer = await connect_customer()
        await customer.send_json_to({"type": "hello", "token": token})
        reply = await customer.receive_json_from(timeout=5)
        closed = await customer.receive_output(timeout=5)
        return reply, closed

    for token in (foreign_token, foreign_token[:-2] + "xx"):
        reply, closed = run(scenario(token))
        assert reply["code"] == "bad_token"
        assert closed == {"type": "websocket.close", "code": 4401}


def test_unknown_inbox_is_closed(db):
    async def scenario():
        from kefu.asgi import application

        from .conftest import WebsocketCommunicator

        communicator = WebsocketCommunicator(application, "/ws/chat/nope/")
        connected, code = await communicator.connect()
        return connected, code

    assert run(scenario()) == (False, 4404)


def test_agent_and_customer_chat_in_real_time_and_notes_stay_private(inbox, agent, other_agent):
    async def scenario():
        desk = await connect_agent(agent)
        stranger = await connect_agent(other_agent)  # 售后组 does not own the inbox
        customer = await connect_customer()
        await customer.send_json_to({"type": "hello", "token": None})
        await customer.receive_json_from(timeout=5)
        await customer.send_json_to({"type": "message.send", "client_id": "c-1", "body": "你好，在吗"})
        seen = await receive_until(desk, lambda f: f["type"] == "message.created" and f["message"]["sender_kind"] == "customer")
        conversation_id = seen["conversation"]
        await desk.send_json_to({"type": "conversation.claim", "conversation": conversation_id, "ref": "r1"})
        await receive_until(desk, lambda f: f.get("ref") == "r1")
        await desk.send_json_to({"type": "message.send", "conversation": conversation_id, "client_id": "a-1", "body": "备注：老客户", "private": True})
        await receive_until(desk, lambda f: f["type"] == "ack")
        await desk.send_json_to({"type": "message.send", "conversation": conversation_id, "client_id": "a-2", "body": "在的亲"})
        await receive_until(desk, lambda f: f["type"] == "ack")
        reply = await receive_until(customer, lambda f: f["type"] == "message.created" and f["message"]["sender_kind"] == "agent")
        stranger_frames = []
        while not await stranger.receive_nothing(timeout=0.3):
            stranger_frames.append(await stranger.receive_json_from())
        await stranger.send_json_to({"type": "resume", "conversation": conversation_id, "after_seq": 0, "ref": "x"})
        stranger_reply = await stranger.receive_json_from(timeout=5)
        for communicator in (desk, stranger, customer):
            await communicator.disconnect()
        return reply, stranger_frames, stranger_reply

    reply, stranger_frames, stranger_reply = run(scenario())
    assert reply["message"]["body"] == "在的亲" and reply["message"]["sender_name"] == str(agent)
    assert [m.body for m in Message.objects.filter(is_private=True)] == ["备注：老客户"]
    assert not any(frame["type"] == "message.created" for frame in stranger_frames)
    assert stranger_reply["type"] == "error" and stranger_reply["code"] == "not_found"
    conversation = Conversation.objects.get()
    assert conversation.assignee == agent and conversation.first_agent_response_at is not None and conversation.waiting_since is None


def test_anonymous_agent_socket_is_refused(db):
    async def scenario():
        from kefu.asgi import application

        from .conftest import WebsocketCommunicator

        communicator = WebsocketCommunicator(application, "/ws/agent/")
        return await communicator.connect()

    assert run(scenario()) == (False, 4401)


def test_identify_links_the_visitor_only_with_the_orders_phone(inbox):
    from tests.factories import customer_factory, order_factory

    owner = customer_factory(name="张女士", phone="13800138000")
    order = order_factory(customer=owner, receiver_phone="13800138000")

    async def scenario():
        customer = await connect_customer()
        await customer.send_json_to({"type": "hello", "token": None})
        await customer.receive_json_from(timeout=5)
        await customer.send_json_to({"type": "message.send", "client_id": "c-1", "body": "查下订单"})
        await receive_until(customer, lambda f: f["type"] == "ack")
        await customer.send_json_to({"type": "identify", "order_number": order.number, "phone": "13900000000"})
        wrong = await receive_until(customer, lambda f: f["type"] in ("error", "identified"))
        await customer.send_json_to({"type": "identify", "order_number": order.number, "phone": "+86 138-0013-8000"})
        right = await receive_until(customer, lambda f: f["type"] in ("error", "identified"))
        await customer.disconnect()
        return wrong, right

    wrong, right = run(scenario())
    assert wrong["code"] == "not_verified"
    assert right["customer"]["name"] == "张女士"
    assert Conversation.objects.get().customer == owner


@pytest.mark.parametrize("count", [2])
def test_two_agents_claiming_at_once_one_wins(inbox, agent, presale_team, count):
    from tests.conftest import make_user

    second = make_user("xiaoli", "agent")
    presale_team.memberships.create(user=second)

    async def scenario():
        import asyncio

        customer = await connect_customer()
        await customer.send_json_to({"type": "hello", "token": None})
        await customer.receive_json_from(timeout=5)
        await customer.send_json_to({"type": "message.send", "client_id": "c-1", "body": "有人吗"})
        ack = await receive_until(customer, lambda f: f["type"] == "ack")
        desks = [await connect_agent(agent), await connect_agent(second)]
        for desk in desks:
            await desk.send_json_to({"type": "conversation.claim", "conversation": ack["conversation"], "ref": "claim"})
        results = await asyncio.gather(*(receive_until(desk, lambda f: f.get("ref") == "claim") for desk in desks))
        for communicator in (*desks, customer):
            await communicator.disconnect()
        return results

    results = run(scenario())
    assert sorted(result["type"] for result in results) == ["error", "result"]
    loser = next(result for result in results if result["type"] == "error")
    assert loser["code"] == "already_claimed"
    assert Conversation.objects.get().assignee is not None
    assert sync_to_async is not None
