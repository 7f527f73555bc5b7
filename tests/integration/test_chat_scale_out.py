"""Scale-out: two `kefu serve` processes on different ports sharing PostgreSQL and Redis.

A customer on node A and agents on node B (and one on node A) chat in real time: the greeting,
the customer's message reaching the agent on the other node, claiming, the reply coming back;
an agent going offline on node B returns the conversation to the queue, which the agent on node A
sees, and the queue positions pushed to the customers match the queue stored in PostgreSQL.

Skipped unless DATABASE_URL is PostgreSQL and REDIS_URL is set (tests/integration/conftest.py).
The nodes get a fresh database of their own (created next to the test database, dropped at the
end) and their own task queue name, so they never touch the test database or another run's tasks.
"""

from __future__ import annotations

import asyncio
import json
import os
import uuid

import pytest

from .test_chat_durability import ProtocolClient, Server, login_cookie, note, until

pytestmark = pytest.mark.slow


@pytest.fixture
def node_database():
    """Create a fresh PostgreSQL database on the test's server for the two nodes; drop it afterwards."""
    import psycopg

    url = os.environ["DATABASE_URL"]
    name = f"kefu_scale_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    yield url.rsplit("/", 1)[0] + "/" + name
    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def nodes(tmp_path, node_database):
    env = {"DATABASE_URL": node_database, "REDIS_URL": os.environ["REDIS_URL"], "KEFU_HUEY_NAME": f"kefu-scale-{uuid.uuid4().hex[:8]}"}
    node_a, node_b = Server(tmp_path, **env), Server(tmp_path, **env)  # one var dir: the same secret key
    node_a.kefu("migrate", "--verbosity", "0")
    node_a.kefu("demo")
    note("migrated, demo loaded")
    node_a.start()
    node_b.start()
    yield node_a, node_b, node_database
    node_a.stop()
    node_b.stop()


def queue_in_database(database_url: str, conversations: list[int]) -> dict[int, int | None]:
    """Return each conversation's place in its team's queue as stored (the services' order), None when not queued."""
    import psycopg

    with psycopg.connect(database_url) as connection:
        rows = connection.execute(
            "SELECT c.id FROM conversations_conversation c WHERE c.assignee_id IS NULL AND c.queued_at IS NOT NULL "
            "AND c.status IN ('open', 'pending') AND c.team_id = (SELECT team_id FROM conversations_conversation WHERE id = %s) "
            "ORDER BY c.priority DESC, c.queued_at, c.id",
            (conversations[0],),
        ).fetchall()
    order = [row[0] for row in rows]
    return {conversation: (order.index(conversation) if conversation in order else None) for conversation in conversations}


def last_position(client: ProtocolClient, conversation: int) -> int | None:
    positions = [frame["position"] for frame in client.frames if frame["type"] == "queue.position" and frame["conversation"] == conversation]
    return positions[-1] if positions else None


def updates(client: ProtocolClient, conversation: int) -> list[dict]:
    return [frame for frame in client.frames if frame["type"] == "conversation.updated" and frame["conversation"]["id"] == conversation]


async def two_node_chat(node_a: Server, node_b: Server, database_url: str) -> None:
    agent_b = ProtocolClient("/ws/agent/", cookie=await asyncio.to_thread(login_cookie, node_b.url, "xiaomei"))
    await agent_b.connect(node_b.url)
    agent_a = ProtocolClient("/ws/agent/", cookie=await asyncio.to_thread(login_cookie, node_a.url, "xiaoli"))
    await agent_a.connect(node_a.url)
    await asyncio.wait_for(asyncio.gather(agent_a.welcome, agent_b.welcome), 10)

    first, second = ProtocolClient("/ws/chat/demo-web/"), ProtocolClient("/ws/chat/demo-web/")
    for customer in (first, second):
        await customer.connect(node_a.url)
        await customer.ws.send(json.dumps({"type": "hello", "token": None, "after_seq": 0}))
        await asyncio.wait_for(customer.welcome, 10)

    # the customer on A writes; the greeting comes at once; the agent on B sees the message live
    await first.send_message("c1-1", "你好，翼龙F40续航多久？")
    await until(lambda: "c1-1" in first.acked, 10, "the first customer's ack")
    conversation = first.acked["c1-1"][0]
    await until(lambda: (conversation, 2) in first.held, 10, "the greeting on node A")
    assert first.held[(conversation, 2)]["sender_kind"] == "system" and first.held[(conversation, 2)]["body"]
    await until(lambda: (conversation, 1) in agent_b.held, 10, "the customer's message on node B")
    assert agent_b.held[(conversation, 1)]["body"] == "你好，翼龙F40续航多久？" and agent_b.held[(conversation, 1)]["client_id"] == "c1-1"
    await until(lambda: last_position(first, conversation) is not None, 10, "the first customer's queue position")
    ahead = last_position(first, conversation)  # 0 on the fresh demo shop: nobody else is waiting

    await second.send_message("c2-1", "在吗？想问下发货时间")
    await until(lambda: "c2-1" in second.acked, 10, "the second customer's ack")
    other = second.acked["c2-1"][0]
    await until(lambda: last_position(second, other) == ahead + 1, 10, "the second customer's queue position")
    assert queue_in_database(database_url, [conversation, other]) == {conversation: ahead, other: ahead + 1}

    # the agent on B claims and replies; the customer on A gets both; the queue moves up on A
    await agent_b.ws.send(json.dumps({"type": "conversation.claim", "conversation": conversation, "ref": "claim"}))
    await until(lambda: agent_b.results, 10, "the claim's result")
    assert agent_b.results[0]["ok"] and agent_b.results[0]["conversation"]["assignee"]["name"] == "小美"
    await until(lambda: any(u["conversation"]["assignee_name"] == "小美" for u in updates(first, conversation)), 10, "the customer seeing 小美")
    await until(lambda: last_position(second, other) == ahead, 10, "the second customer moving up")
    await until(lambda: any((u["conversation"]["assignee"] or {}).get("name") == "小美" for u in updates(agent_a, conversation)), 10, "node A's agent seeing the claim")
    await agent_b.send_message("a1-1", "亲，您好～满电续航约40公里哦", conversation=conversation)
    await until(lambda: "a1-1" in agent_b.acked, 10, "the reply's ack")
    reply_seq = agent_b.acked["a1-1"][1]
    await until(lambda: (conversation, reply_seq) in first.held, 10, "the reply on node A")
    assert first.held[(conversation, reply_seq)]["sender_kind"] == "agent" and first.held[(conversation, reply_seq)]["sender_name"] == "小美"
    assert queue_in_database(database_url, [conversation, other]) == {conversation: None, other: ahead}

    # the agent on B goes offline: the conversation returns to the queue, behind the one waiting longer
    await agent_b.ws.send(json.dumps({"type": "presence.set", "presence": "offline", "ref": "offline"}))
    await until(lambda: len(agent_b.results) == 2, 10, "the presence result")
    assert agent_b.results[1]["presence"] == "offline"
    await until(lambda: any(u["conversation"]["assignee"] is None and u["action"] == "requeued" for u in updates(agent_a, conversation)), 10, "node A's agent seeing the requeue")
    # (the demo shop's open conversations of 小美 are requeued too, in the order of their waiting)
    stored = queue_in_database(database_url, [conversation, other])
    assert stored[other] is not None and stored[conversation] is not None and stored[conversation] > stored[other]

    def pushed_matches_stored() -> bool:
        return {conversation: last_position(first, conversation), other: last_position(second, other)} == stored

    await until(pushed_matches_stored, 10, f"the positions pushed to the customers to match the stored queue {stored}")
    assert (conversation, 1) in agent_a.held and (conversation, reply_seq) in agent_a.held  # node A's agent saw the chat live
    for client in (first, second, agent_a, agent_b):
        assert not client.errors, client.errors
        await client.close()


def test_a_customer_on_one_node_and_agents_on_the_other_chat_in_real_time(nodes):
    node_a, node_b, database_url = nodes
    asyncio.run(asyncio.wait_for(two_node_chat(node_a, node_b, database_url), 60))
