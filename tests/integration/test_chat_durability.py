"""Durability of live chat against a real server killed with SIGKILL mid-conversation (docs/realtime-protocol.md).

A real `kefu serve` runs on a temporary SQLite var dir with the demo shop. Five widget customers
and one agent chat; with about a hundred messages in flight (each customer sends a burst of 9
without waiting for acknowledgements, the most the flood limit of 10 messages in 10 seconds per
visitor lets through with the first message, while the agent fires 10 replies into each
conversation) the server process is killed with SIGKILL, restarted on the same port and database,
and the clients do what the protocol says: reconnect, `hello`/`resume` with the last seq they
hold, then resend every unacknowledged message with the same client id.

Then: everything acknowledged before the kill is stored; every stored message reached the other
side; each client id is stored once, seqs run 1..n without gaps or doubles, and each sender's
messages keep their sending order. Runs on SQLite in the normal suite (no PostgreSQL or Redis);
it takes about 30-40 seconds, most of it migrate and the demo.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from http.cookiejar import CookieJar
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DEMO_PASSWORD = "kefu-demo-2026"
CUSTOMERS = 5
BURST = 9  # per customer, after the first message: 10 in all, the flood limit's window
REPLIES = 10  # per conversation, from the agent
DEADLINE = 45  # seconds for the chat itself, from the first hello to the last resent ack


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """`kefu serve` on a var dir, restartable on the same port."""

    def __init__(self, var_dir: Path, **env: str) -> None:
        """Run on the var dir's SQLite database with the in-memory channel layer, unless env names others."""
        self.env = {**os.environ, "KEFU_VAR_DIR": str(var_dir), "DJANGO_SETTINGS_MODULE": "kefu.settings", "LOG_LEVEL": "WARNING"}
        self.env.pop("DATABASE_URL", None)
        self.env.pop("REDIS_URL", None)
        self.env.update(env)
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = var_dir / f"serve-{self.port}.log"
        self.process: subprocess.Popen | None = None

    def kefu(self, *args: str) -> None:
        subprocess.run([sys.executable, "-m", "kefu.cli", *args], env=self.env, cwd=ROOT, check=True, stdout=subprocess.DEVNULL)

    def start(self) -> None:
        with self.log.open("ab") as log:
            self.process = subprocess.Popen([sys.executable, "-m", "kefu.cli", "serve", "--port", str(self.port)], env=self.env, cwd=ROOT, stdout=log, stderr=log)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                pytest.fail("server exited: " + self.log.read_text()[-2000:])
            try:
                urllib.request.urlopen(self.url + "/healthz", timeout=2).read()
                return
            except OSError:
                time.sleep(0.1)
        pytest.fail("server did not start")

    def kill(self) -> None:
        os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()


def login_cookie(url: str, username: str) -> str:
    jar = CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = opener.open(url + "/login/", timeout=30).read().decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    data = urllib.parse.urlencode({"username": username, "password": DEMO_PASSWORD, "csrfmiddlewaretoken": token}).encode()
    opener.open(urllib.request.Request(url + "/login/", data=data, headers={"Referer": url + "/login/"}), timeout=30).read()
    cookies = {cookie.name: cookie.value for cookie in jar}
    assert "sessionid" in cookies, "the demo agent could not sign in"
    return "; ".join(f"{name}={value}" for name, value in cookies.items())


class ProtocolClient:
    """A client as the protocol describes it: messages kept by seq, an unacknowledged list, resend after reconnect."""

    def __init__(self, path: str, *, cookie: str | None = None) -> None:
        self.path, self.cookie = path, cookie
        self.ws = None
        self.reader: asyncio.Task | None = None
        self.held: dict[tuple[int, int], dict] = {}  # (conversation, seq) -> message
        self.unacked: dict[str, dict] = {}  # client id -> the frame, in sending order
        self.sent: list[str] = []  # client ids in sending order
        self.acked: dict[str, tuple[int, int]] = {}  # client id -> (conversation, seq)
        self.errors: list[dict] = []
        self.results: list[dict] = []
        self.frames: list[dict] = []  # every frame received, in order
        self.welcome: asyncio.Future | None = None

    async def connect(self, url: str) -> None:
        import websockets

        headers = {"Cookie": self.cookie} if self.cookie else {}
        self.ws = await websockets.connect(url.replace("http://", "ws://") + self.path, additional_headers=headers, ping_interval=None)
        self.welcome = asyncio.get_running_loop().create_future()
        self.reader = asyncio.create_task(self.read())

    async def read(self) -> None:
        try:
            async for raw in self.ws:
                frame = json.loads(raw)
                self.frames.append(frame)
                kind = frame["type"]
                if kind == "welcome" and not self.welcome.done():
                    self.welcome.set_result(frame)
                if kind in ("welcome", "messages"):
                    conversation = frame["conversation"]["id"] if isinstance(frame.get("conversation"), dict) else frame.get("conversation")
                    for message in frame.get("messages") or []:
                        self.held[(conversation, message["seq"])] = message
                elif kind == "message.created":
                    self.held[(frame["conversation"], frame["message"]["seq"])] = frame["message"]
                elif kind == "ack":
                    self.acked[frame["client_id"]] = (frame["conversation"], frame["seq"])
                    self.unacked.pop(frame["client_id"], None)
                    self.held[(frame["conversation"], frame["seq"])] = frame["message"]
                elif kind == "error":
                    self.errors.append(frame)
                elif kind == "result":
                    self.results.append(frame)
        except Exception:  # the server was killed: the socket just ends
            return

    async def send_message(self, client_id: str, body: str, **extra) -> None:
        frame = {"type": "message.send", "client_id": client_id, "body": body, "attachments": [], **extra}
        self.unacked[client_id] = frame
        self.sent.append(client_id)
        await self.ws.send(json.dumps(frame, ensure_ascii=False))

    async def resend_unacked(self) -> None:
        for frame in list(self.unacked.values()):
            await self.ws.send(json.dumps(frame, ensure_ascii=False))

    def last_seq(self, conversation: int) -> int:
        """Return the seq up to which every message is held: resuming after the highest one could skip a gap.

        A live `message.created` can be overtaken by the sender's own `ack` of a later seq (the ack
        goes straight back, the event through the channel layer), and a kill can fall in between.
        """
        seq = 0
        while (conversation, seq + 1) in self.held:
            seq += 1
        return seq

    async def close(self) -> None:
        try:
            await self.ws.close()
        except Exception:
            pass
        if self.reader:
            self.reader.cancel()


def note(what: str) -> None:
    """Print the time of a step: shown when the test fails, to tell where the time went."""
    print(f"{time.strftime('%H:%M:%S')} {what}", flush=True)


async def until(predicate, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.005)


async def chat_through_a_crash(server: Server) -> dict:
    cookie = await asyncio.to_thread(login_cookie, server.url, "xiaomei")
    agent = ProtocolClient("/ws/agent/", cookie=cookie)
    await agent.connect(server.url)
    await asyncio.wait_for(agent.welcome, 10)
    customers = [ProtocolClient("/ws/chat/demo-web/") for _ in range(CUSTOMERS)]
    tokens = []
    for number, customer in enumerate(customers):
        await customer.connect(server.url)
        await customer.ws.send(json.dumps({"type": "hello", "token": None, "after_seq": 0}))
        tokens.append((await asyncio.wait_for(customer.welcome, 10))["token"])
        await customer.send_message(f"c{number}-0", f"你好，我是第{number}位顾客")
    await until(lambda: all(not customer.unacked for customer in customers), 20, "the first messages' acks")
    conversations = [customer.acked[f"c{number}-0"][0] for number, customer in enumerate(customers)]
    note("first messages acknowledged")
    for conversation in conversations:
        await agent.ws.send(json.dumps({"type": "conversation.claim", "conversation": conversation, "ref": f"claim-{conversation}"}))
    await until(lambda: len(agent.results) == CUSTOMERS, 20, "the claims")
    assert all(result["ok"] and result["conversation"]["assignee"]["name"] == "小美" for result in agent.results)

    # the burst: customers and the agent send without waiting for any acknowledgement
    acked_before = sum(len(client.acked) for client in [*customers, agent])
    for index in range(1, REPLIES + 1):
        for number, (customer, conversation) in enumerate(zip(customers, conversations, strict=True)):
            if index <= BURST:
                await customer.send_message(f"c{number}-{index}", f"第{index}个问题：什么时候发货？")
            await agent.send_message(f"a{number}-{index}", f"亲，第{index}条回复～", conversation=conversation, private=False)
    await until(lambda: sum(len(client.acked) for client in [*customers, agent]) >= acked_before + 12, 20, "the first acks of the burst")
    server.kill()
    note("killed")
    for client in [*customers, agent]:
        await client.close()
    acked_at_kill = {client_id: seq for client in [*customers, agent] for client_id, seq in client.acked.items()}
    in_flight = sum(len(client.unacked) for client in [*customers, agent])

    await asyncio.to_thread(server.start)  # same port, same database
    note("restarted")
    for customer, token, conversation in zip(customers, tokens, conversations, strict=True):
        await customer.connect(server.url)
        await customer.ws.send(json.dumps({"type": "hello", "token": token, "after_seq": customer.last_seq(conversation)}))
        await asyncio.wait_for(customer.welcome, 10)
        await customer.resend_unacked()
    await agent.connect(server.url)
    await asyncio.wait_for(agent.welcome, 10)
    for conversation in conversations:
        await agent.ws.send(json.dumps({"type": "resume", "conversation": conversation, "after_seq": agent.last_seq(conversation)}))
    await agent.resend_unacked()
    await until(lambda: all(not client.unacked for client in [*customers, agent]), 30, "every resent message's ack")
    note("resent messages acknowledged")
    last = {conv: max(seq for client in [*customers, agent] for (c, seq) in client.acked.values() if c == conv) for conv in conversations}
    await until(
        lambda: all(client.last_seq(conv) >= last[conv] for conv in conversations for client in [agent, customers[conversations.index(conv)]]),
        15,
        "both sides to hold every message",
    )
    for client in [*customers, agent]:
        await client.close()
    return {"customers": customers, "agent": agent, "conversations": conversations, "acked_at_kill": acked_at_kill, "in_flight": in_flight}


def stored_messages(var_dir: Path, conversation: int) -> list[tuple[int, str, str, int]]:
    with sqlite3.connect(var_dir / "kefu.sqlite3") as db:
        return db.execute(
            "SELECT seq, client_id, sender_kind, is_private FROM conversations_message WHERE conversation_id = ? ORDER BY seq", (conversation,)
        ).fetchall()


@pytest.mark.slow  # 30-60 s: migrate and the demo take most; the chat itself is bounded by DEADLINE
def test_sigkill_mid_conversation_loses_nothing_acknowledged_doubles_nothing_keeps_order(tmp_path):
    started = time.monotonic()
    server = Server(tmp_path)
    server.kefu("migrate", "--verbosity", "0")
    note("migrated")
    server.kefu("demo")
    note("demo loaded")
    server.start()
    note("started")
    try:
        outcome = asyncio.run(asyncio.wait_for(chat_through_a_crash(server), DEADLINE))
    finally:
        server.stop()
    customers, agent, conversations = outcome["customers"], outcome["agent"], outcome["conversations"]

    assert outcome["in_flight"] > 0, "the kill came after everything was acknowledged: nothing was in flight"
    stored = {conversation: stored_messages(tmp_path, conversation) for conversation in conversations}
    stored_ids = {(conversation, row[1]): row[0] for conversation, rows in stored.items() for row in rows if row[1]}
    for client_id, (conversation, seq) in outcome["acked_at_kill"].items():  # nothing acknowledged is lost, seqs unchanged
        assert stored_ids.get((conversation, client_id)) == seq, client_id
    for number, (customer, conversation) in enumerate(zip(customers, conversations, strict=True)):
        rows = stored[conversation]
        assert [row[0] for row in rows] == list(range(1, len(rows) + 1))  # seqs 1..n, no gap, no double
        client_ids = [row[1] for row in rows if row[1]]
        assert len(client_ids) == len(set(client_ids))  # each client id stored once
        customer_ids = [f"c{number}-{index}" for index in range(BURST + 1)]
        agent_ids = [f"a{number}-{index}" for index in range(1, REPLIES + 1)]
        assert sorted(client_ids) == sorted(customer_ids + agent_ids)  # everything sent is stored, resends included
        for sender_ids in (customer_ids, agent_ids):  # each sender's order is kept
            seqs = [stored_ids[(conversation, client_id)] for client_id in sender_ids]
            assert seqs == sorted(seqs), sender_ids
        for client in (customer, agent):  # the acks after resume match what is stored
            for client_id in customer_ids if client is customer else agent_ids:
                assert client.acked[client_id] == (conversation, stored_ids[(conversation, client_id)])
        # every stored message reached both sides (the customer holds no private notes; there are none here)
        assert sorted(seq for (conv, seq) in customer.held if conv == conversation) == [row[0] for row in rows if not row[3]]
        assert sorted(seq for (conv, seq) in agent.held if conv == conversation) == [row[0] for row in rows]
        assert {row[2] for row in rows} >= {"customer", "agent", "system"}  # the greeting too
    assert not [error for client in [*customers, agent] for error in client.errors]
    note(f"{outcome['in_flight']} messages in flight at the kill; {time.monotonic() - started:.0f} s in all")
