"""Benchmark live chat over real WebSockets: simulated widget customers and workbench agents.

    kefu bench chat --url http://127.0.0.1:8000 --customers 1000 --agents 10 --duration 60 [--rate 200] [--json]
    python -m bench.chat ...   (the same)

Against a running server with the demo shop loaded (`kefu up`, or `kefu demo` + `kefu serve`):

* N customers open the widget socket of the inbox (`--inbox`, default the demo's `demo-web`),
  say `hello` (a new visitor each), and keep the visitor token.
* M agent sockets log in over HTTP (`/login/`, the demo accounts: `--agent-users`, default
  xiaomei, xiaoli and wang, who serve the demo web inbox; sockets cycle over the accounts, so
  several sockets of one account are like several browser tabs; `--agent-password`, default the
  demo password). They go online and answer every customer message at once: the agent the
  conversation is assigned to answers (a reply to a queued conversation claims it).
* Opening: every customer sends a first message (which opens a conversation and gets the
  greeting) at the target rate. Then, for `--duration` seconds, customers send messages at
  `--rate` customer messages per second in total (round robin over customers; each agent
  reply is one more message, so the server stores about twice that many).
* Measured: delivery latency customer -> agent (send to the first agent socket receiving
  `message.created`) and agent -> customer (the reply's send to its `message.created` at the
  customer), p50/p95/p99/max; messages acknowledged per second; error frames by code;
  LOST (acknowledged to the sender but never delivered to the other side, or missing from the
  conversation's stored history read back with `resume` at the end); DUPLICATED (one seq
  delivered twice to a socket, or one client id stored twice); frames a socket missed (a seq
  gap in a customer's live stream, or a customer message one of the agent sockets never got);
  the server process's memory (RSS) and CPU, from /proc when the server runs on this machine
  (`--server-pid`, else found by the URL's port with `ss -ltnp`; "n/a" otherwise).

The client runs in one process (uvloop when installed) and reports its own event-loop lag, so
a saturated client is not mistaken for a slow server. `--record LABEL` appends (or replaces)
a section of bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime
import http.cookiejar
import itertools
import json
import os
import platform
import random
import re
import resource
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "RESULTS.md"
DEMO_AGENTS = ("xiaomei", "xiaoli", "wang")
DEMO_PASSWORD = "kefu-demo-2026"
DEMO_INBOX = "demo-web"
QUESTIONS = [
    "请问翼龙F40续航多久？",
    "亲，今天下单什么时候发货呀",
    "这款有没有黑色的？",
    "我的快递到哪了，单号查不到",
    "能便宜一点吗？买两件",
    "尺码偏大还是偏小？我平时穿M",
    "收到的东西有点问题，怎么退换？",
    "发票怎么开？",
]
REPLIES = ["亲，您好～马上为您查询", "好的亲，已经为您备注了", "亲，今天下单今天发货哦", "亲，稍等，我看一下库存"]


def percentiles(values: list[float]) -> dict[str, float | int | None]:
    """Return n, p50, p95, p99 and max (nearest rank) of latencies in milliseconds."""
    if not values:
        return {"n": 0, "p50": None, "p95": None, "p99": None, "max": None}
    ordered = sorted(values)

    def rank(p: float) -> float:
        return round(ordered[min(len(ordered) - 1, max(0, int(len(ordered) * p + 0.999999) - 1))], 1)

    return {"n": len(ordered), "p50": rank(0.50), "p95": rank(0.95), "p99": rank(0.99), "max": round(ordered[-1], 1)}


# ---------------------------------------------------------------- the server process, from /proc


def server_pids_for(url: str) -> list[int]:
    """Find the pid(s) listening on the URL's port on this machine with `ss -ltnp`; [] when unknown."""
    parsed = urllib.parse.urlsplit(url)
    if parsed.hostname not in ("127.0.0.1", "localhost", "::1", "0.0.0.0"):  # noqa: S104 - a host name, not a bind
        return []
    port = parsed.port or (443 if parsed.scheme in ("https", "wss") else 80)
    try:
        out = subprocess.run(["ss", "-ltnpH", f"sport = :{port}"], capture_output=True, text=True, timeout=10).stdout
    except (OSError, subprocess.SubprocessError):
        return []
    return sorted({int(pid) for pid in re.findall(r"pid=(\d+)", out)})


def proc_rss_mb(pid: int) -> float | None:
    try:
        with open(f"/proc/{pid}/status") as handle:
            for line in handle:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def proc_cpu_seconds(pid: int) -> float | None:
    try:
        with open(f"/proc/{pid}/stat") as handle:
            fields = handle.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return None


class ServerWatch:
    """Sample the server processes' RSS every second; CPU seconds used between marks."""

    def __init__(self, pids: list[int]) -> None:
        self.pids = pids
        self.before = {pid: proc_rss_mb(pid) for pid in pids}
        self.peak = dict(self.before)
        self.cpu_marks: dict[str, dict[int, float | None]] = {}

    def sample(self) -> None:
        for pid in self.pids:
            rss = proc_rss_mb(pid)
            if rss is not None and (self.peak.get(pid) is None or rss > self.peak[pid]):
                self.peak[pid] = rss

    def mark(self, name: str) -> None:
        self.cpu_marks[name] = {pid: proc_cpu_seconds(pid) for pid in self.pids}

    async def run(self) -> None:
        while True:
            self.sample()
            await asyncio.sleep(1)

    def cpu_percent(self, start: str, end: str, seconds: float) -> dict[int, float | None]:
        result = {}
        for pid in self.pids:
            a, b = self.cpu_marks.get(start, {}).get(pid), self.cpu_marks.get(end, {}).get(pid)
            result[pid] = round(100 * (b - a) / seconds, 1) if a is not None and b is not None and seconds > 0 else None
        return result

    def report(self) -> dict[str, Any]:
        after = {pid: proc_rss_mb(pid) for pid in self.pids}
        rounded = lambda values: {str(pid): (round(v, 1) if v is not None else None) for pid, v in values.items()}  # noqa: E731
        return {"pids": self.pids, "rss_before_mb": rounded(self.before), "rss_peak_mb": rounded(self.peak), "rss_after_mb": rounded(after)}


# ---------------------------------------------------------------- HTTP login of the agents


def agent_login(base_url: str, username: str, password: str) -> str:
    """Sign an agent in through the login form; return the Cookie header for the WebSocket."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = opener.open(base_url + "/login/", timeout=60).read().decode()
    match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    if not match:
        raise SystemExit(f"no login form at {base_url}/login/")
    data = urllib.parse.urlencode({"username": username, "password": password, "csrfmiddlewaretoken": match.group(1)}).encode()
    opener.open(urllib.request.Request(base_url + "/login/", data=data, headers={"Referer": base_url + "/login/"}), timeout=60).read()
    cookies = {cookie.name: cookie.value for cookie in jar}
    if "sessionid" not in cookies:
        raise SystemExit(f"could not sign in as {username!r} at {base_url}/login/ (does the server have the demo loaded?)")
    return "; ".join(f"{name}={value}" for name, value in cookies.items())


def ws_url(base_url: str, path: str) -> str:
    parsed = urllib.parse.urlsplit(base_url)
    scheme = "wss" if parsed.scheme == "https" else "ws"
    return f"{scheme}://{parsed.netloc}{path}"


# ---------------------------------------------------------------- the simulated clients


class Customer:
    """One widget visitor: its socket, the messages it sent and what it received."""

    def __init__(self, bench: Bench, index: int) -> None:
        self.bench, self.index = bench, index
        self.ws = None
        self.token: str | None = None
        self.conversation: int | None = None
        self.counter = 0
        self.seen: Counter[int] = Counter()  # seq -> message.created frames received
        self.closed = False
        self.history: asyncio.Future | None = None

    async def connect(self) -> None:
        import websockets

        self.ws = await websockets.connect(self.bench.customer_ws, open_timeout=120, ping_interval=None, max_size=2**22, compression=None)
        await self.ws.send(json.dumps({"type": "hello", "token": None, "after_seq": 0}))
        while True:
            frame = json.loads(await asyncio.wait_for(self.ws.recv(), timeout=120))
            if frame["type"] == "welcome":
                self.token = frame["token"]
                break
            if frame["type"] == "error":
                raise RuntimeError(f"hello refused: {frame}")
        self.task = asyncio.create_task(self.read())

    async def send(self, phase: str) -> None:
        self.counter += 1
        client_id = f"c{self.index}-{self.counter}"
        body = f"{random.choice(QUESTIONS)} #{self.counter}"
        self.bench.customer_sent[client_id] = [time.perf_counter(), phase, self, None, None]  # sent, phase, who, seq, delivered
        try:
            await self.ws.send(json.dumps({"type": "message.send", "client_id": client_id, "body": body, "attachments": []}, ensure_ascii=False))
        except Exception:
            self.bench.errors["send_failed"] += 1

    async def read(self) -> None:
        bench = self.bench
        try:
            async for raw in self.ws:
                now = time.perf_counter()
                frame = json.loads(raw)
                kind = frame.get("type")
                if kind == "message.created":
                    message = frame["message"]
                    self.conversation = frame["conversation"]
                    self.seen[message["seq"]] += 1
                    if message["sender_kind"] == "agent":
                        bench.reply_delivered(message.get("client_id", ""), now)
                    elif message["sender_kind"] == "system" and self.index not in bench.greeted:
                        bench.greeted[self.index] = now
                elif kind == "ack":
                    record = bench.customer_sent.get(frame["client_id"])
                    if record is None:
                        bench.errors["unknown_ack"] += 1
                        continue
                    if record[3] is not None and record[3] != frame["seq"]:
                        bench.duplicates["ack_other_seq"] += 1
                    if record[3] is None:
                        bench.latency[record[1] + "_ack"].append((now - record[0]) * 1000)
                    record[3] = frame["seq"]
                    self.conversation = frame["conversation"]
                    bench.conversation_customer[frame["conversation"]] = self
                elif kind == "messages" and self.history is not None and not self.history.done():
                    self.history.set_result(frame)
                elif kind == "error":
                    bench.errors[f"customer:{frame.get('code')}"] += 1
        except Exception as error:
            if not bench.stopping:
                code = getattr(getattr(error, "rcvd", None), "code", None) or getattr(getattr(error, "sent", None), "code", "")
                bench.errors[f"customer_closed:{type(error).__name__}:{code}"] += 1
        finally:
            self.closed = True
            if not bench.stopping:
                bench.errors["customer_socket_closed"] += 1


class Agent:
    """One workbench socket of a signed-in agent."""

    def __init__(self, bench: Bench, index: int, username: str, cookie: str) -> None:
        self.bench, self.index, self.username, self.cookie = bench, index, username, cookie
        self.ws = None
        self.user_id: int | None = None
        self.role = ""
        self.seen: Counter[tuple[int, int]] = Counter()  # (conversation, seq) -> frames

    async def connect(self) -> None:
        import websockets

        self.ws = await websockets.connect(
            self.bench.agent_ws, additional_headers={"Cookie": self.cookie}, open_timeout=120, ping_interval=None, max_size=2**24, compression=None
        )
        welcome = json.loads(await asyncio.wait_for(self.ws.recv(), timeout=60))
        if welcome.get("type") != "welcome":
            raise RuntimeError(f"agent {self.username}: {welcome}")
        self.user_id, self.role = welcome["agent"]["id"], welcome["agent"].get("role", "")
        self.task = asyncio.create_task(self.read())
        await self.ws.send(json.dumps({"type": "presence.set", "presence": "online", "ref": "online"}))

    async def read(self) -> None:
        bench = self.bench
        try:
            async for raw in self.ws:
                now = time.perf_counter()
                frame = json.loads(raw)
                kind = frame.get("type")
                if kind == "message.created":
                    message = frame["message"]
                    key = (frame["conversation"], message["seq"])
                    self.seen[key] += 1
                    if message["sender_kind"] == "customer":
                        bench.customer_message_at_agent(frame["conversation"], message, now)
                elif kind == "conversation.updated":
                    summary = frame["conversation"]
                    if "assignee" in summary:
                        bench.assignee[summary["id"]] = (summary["assignee"] or {}).get("id")
                elif kind == "ack":
                    record = bench.agent_sent.get(frame["client_id"])
                    if record is not None:
                        if record[3] is not None and record[3] != frame["seq"]:
                            bench.duplicates["ack_other_seq"] += 1
                        record[3] = frame["seq"]
                        bench.assignee.setdefault(frame["conversation"], self.user_id)
                elif kind == "error":
                    client_id = frame.get("client_id")
                    if client_id in bench.agent_sent and frame.get("code") in ("forbidden", "already_claimed"):
                        bench.reply_retry(client_id)
                    else:
                        bench.errors[f"agent:{frame.get('code')}"] += 1
        except Exception as error:
            if not bench.stopping:
                bench.errors[f"agent_read:{type(error).__name__}"] += 1
        finally:
            if not bench.stopping:
                bench.errors["agent_socket_closed"] += 1


class Bench:
    """The shared state of one run: what was sent, acknowledged and delivered, and when."""

    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.customer_ws = ws_url(args.url, f"/ws/chat/{args.inbox}/")
        self.agent_ws = ws_url(args.agent_url or args.url, "/ws/agent/")
        self.customers: list[Customer] = []
        self.agents: list[Agent] = []
        self.sockets_by_user: dict[int, list[Agent]] = {}
        self.customer_sent: dict[str, list] = {}  # client id -> [sent, phase, customer, seq, delivered to an agent]
        self.agent_sent: dict[str, list] = {}  # client id -> [sent, phase, conversation, seq, delivered to the customer, tries]
        self.at_agent: dict[tuple[int, int], str] = {}  # (conversation, seq) of customer messages an agent got -> client id
        self.conversation_customer: dict[int, Customer] = {}
        self.assignee: dict[int, int | None] = {}
        self.greeted: dict[int, float] = {}
        self.opening_sent: dict[int, float] = {}
        self.latency: dict[str, list[float]] = {"opening_c2a": [], "opening_a2c": [], "greeting": [], "steady_c2a": [], "steady_a2c": [], "opening_ack": [], "steady_ack": []}
        self.errors: Counter[str] = Counter()
        self.duplicates: Counter[str] = Counter()
        self.lag: list[float] = []
        self.stopping = False
        self.reply_tasks: set[asyncio.Task] = set()

    # -- agents answer every customer message
    def customer_message_at_agent(self, conversation: int, message: dict, now: float) -> None:
        key = (conversation, message["seq"])
        if key in self.at_agent:
            return
        client_id = message.get("client_id", "")
        self.at_agent[key] = client_id
        record = self.customer_sent.get(client_id)
        if record is None:
            return  # not ours (another client of the same inbox)
        if record[4] is None:
            record[4] = now
            self.latency[record[1] + "_c2a"].append((now - record[0]) * 1000)
        reply_id = "a-" + client_id
        self.agent_sent[reply_id] = [now, record[1], conversation, None, None, 0]
        self._spawn(self._send_reply(reply_id))

    def _spawn(self, coro) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self.reply_tasks.add(task)
        task.add_done_callback(self.reply_tasks.discard)

    def _replier(self, conversation: int) -> Agent:
        assignee = self.assignee.get(conversation)
        sockets = self.sockets_by_user.get(assignee) if assignee else None
        if sockets:
            return sockets[conversation % len(sockets)]
        if assignee:  # served by someone not in the bench: a supervisor may answer anyway
            supervisors = [agent for agent in self.agents if agent.role in ("supervisor", "admin")]
            if supervisors:
                return supervisors[conversation % len(supervisors)]
        return self.agents[conversation % len(self.agents)]

    async def _send_reply(self, client_id: str) -> None:
        record = self.agent_sent[client_id]
        agent = self._replier(record[2])
        record[0] = time.perf_counter()  # latency counts from the send that is accepted
        frame = {"type": "message.send", "conversation": record[2], "client_id": client_id, "body": random.choice(REPLIES), "attachments": []}
        try:
            await agent.ws.send(json.dumps(frame, ensure_ascii=False))
        except Exception:
            self.errors["send_failed"] += 1

    def reply_retry(self, client_id: str) -> None:
        """Answer again as the assignee: the conversation was taken by another agent meanwhile."""
        record = self.agent_sent[client_id]
        record[5] += 1
        if record[5] > 10:
            self.errors["reply_gave_up"] += 1
            return
        self.errors["reply_retried"] += 1

        async def later() -> None:
            await asyncio.sleep(0.2)
            await self._send_reply(client_id)

        self._spawn(later())

    def reply_delivered(self, client_id: str, now: float) -> None:
        record = self.agent_sent.get(client_id)
        if record is not None and record[4] is None:
            record[4] = now
            self.latency[record[1] + "_a2c"].append((now - record[0]) * 1000)

    # -- pacing
    async def pace(self, customers: list[Customer], rate: float, duration: float | None, phase: str) -> int:
        """Send at `rate` messages per second over the customers in turn: once each (duration None) or for `duration` s."""
        start = time.perf_counter()
        order = itertools.cycle(customers) if duration is not None else iter(customers)
        sent = 0
        while True:
            elapsed = time.perf_counter() - start
            if duration is not None and elapsed >= duration:
                break
            due = int(elapsed * rate) + 1
            while sent < due:
                customer = next(order, None)
                if customer is None:
                    return sent
                if customer.closed:
                    self.errors["skipped_closed_customer"] += 1
                    sent += 1
                    continue
                if phase == "opening":
                    self.opening_sent[customer.index] = time.perf_counter()
                await customer.send(phase)
                sent += 1
            await asyncio.sleep(0.002)
        return sent

    def outstanding(self, phase: str) -> int:
        """Messages of a phase not yet acknowledged, delivered or answered."""
        waiting = sum(1 for r in self.customer_sent.values() if r[1] == phase and (r[3] is None or r[4] is None))
        waiting += sum(1 for r in self.agent_sent.values() if r[1] == phase and (r[3] is None or r[4] is None))
        return waiting + sum(1 for c in self.customers if phase == "opening" and c.index not in self.greeted)

    async def settle(self, phase: str, timeout: float) -> float:
        start = time.perf_counter()
        while self.outstanding(phase) and time.perf_counter() - start < timeout:
            await asyncio.sleep(0.1)
        return time.perf_counter() - start

    async def watch_lag(self) -> None:
        while True:
            before = time.perf_counter()
            await asyncio.sleep(0.05)
            self.lag.append((time.perf_counter() - before - 0.05) * 1000)


# ---------------------------------------------------------------- checking what the server stored


async def stored_history(customer: Customer) -> list[dict]:
    """Read the customer's whole conversation back with `resume` (pages of at most 500)."""
    messages: list[dict] = []
    after = 0
    while True:
        customer.history = asyncio.get_running_loop().create_future()
        await customer.ws.send(json.dumps({"type": "resume", "after_seq": after, "ref": "verify"}))
        frame = await asyncio.wait_for(customer.history, timeout=60)
        page = frame.get("messages") or []
        messages += page
        if len(page) < 500:
            return messages
        after = page[-1]["seq"]


async def verify(bench: Bench, concurrency: int) -> dict[str, int]:
    """Compare what was acknowledged and delivered with the stored histories: lost, doubled, out of order, missed frames."""
    found: Counter[str] = Counter()
    gate = asyncio.Semaphore(concurrency)
    # only what was acknowledged before the histories are read must be in them
    acked_before = {cid for cid, r in bench.customer_sent.items() if r[3] is not None} | {cid for cid, r in bench.agent_sent.items() if r[3] is not None}
    histories: dict[int, list[dict]] = {}

    async def one(customer: Customer) -> None:
        if customer.closed or customer.conversation is None:
            return
        async with gate:
            try:
                histories[customer.index] = await stored_history(customer)
            except Exception:
                found["history_unreadable"] += 1

    await asyncio.gather(*(one(customer) for customer in bench.customers))
    stored_ids: Counter[tuple[int, str]] = Counter()
    for customer in bench.customers:
        history = histories.get(customer.index)
        if history is None:
            continue
        seqs = [message["seq"] for message in history]
        if seqs != list(range(1, len(seqs) + 1)):
            found["seq_gaps_or_doubles"] += 1
        for message in history:
            if message.get("client_id"):
                stored_ids[(customer.conversation, message["client_id"])] += 1
        found["live_frames_missed"] += sum(1 for seq in seqs if customer.seen[seq] == 0)
        found["live_frames_doubled"] += sum(count - 1 for count in customer.seen.values() if count > 1)
        own = sorted((int(m["client_id"].rsplit("-", 1)[1]), m["seq"]) for m in history if m.get("client_id", "").startswith(f"c{customer.index}-"))
        found["order_violations"] += sum(1 for a, b in itertools.pairwise(own) if a[1] >= b[1])
    found["stored_doubled"] = sum(count - 1 for count in stored_ids.values() if count > 1)
    for client_id, record in bench.customer_sent.items():
        customer = record[2]
        if record[3] is None:
            found["customer_unacknowledged"] += 1
            continue
        if record[4] is None:
            found["lost_customer_to_agent"] += 1
        if client_id in acked_before and customer.index in histories and stored_ids[(customer.conversation, client_id)] == 0:
            found["lost_stored"] += 1
    for client_id, record in bench.agent_sent.items():
        customer = bench.conversation_customer.get(record[2])
        if record[3] is None:
            found["reply_unacknowledged"] += 1
            continue
        if record[4] is None:
            found["lost_agent_to_customer"] += 1
        if client_id in acked_before and customer is not None and customer.index in histories and stored_ids[(record[2], client_id)] == 0:
            found["lost_stored"] += 1
    customer_keys = [(conversation, seq) for (conversation, seq), client_id in bench.at_agent.items() if client_id in bench.customer_sent]
    for agent in bench.agents:
        found["agent_frames_missed"] += sum(1 for key in customer_keys if agent.seen[key] == 0)
        found["agent_frames_doubled"] += sum(count - 1 for count in agent.seen.values() if count > 1)
    return dict(found)


# ---------------------------------------------------------------- one run


def _profile_start(path: str | None, seconds: float, pids: list[int]) -> subprocess.Popen | None:
    """Sample the server's stacks during a phase with py-spy (``--profile-opening/--profile-steady FILE``), when asked."""
    if not path or not pids:
        return None
    command = [os.environ.get("PY_SPY", "py-spy"), "record", "-p", str(pids[0]), "-d", str(max(1, int(seconds))), "-r", "200", "-f", "raw", "-o", path, "--nonblocking"]
    return subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


async def run(args: argparse.Namespace) -> dict[str, Any]:
    bench = Bench(args)
    pids = [int(pid) for pid in str(args.server_pid).split(",")] if args.server_pid else sorted(set(server_pids_for(args.url) + server_pids_for(args.agent_url or args.url)))
    watch = ServerWatch(pids)
    background = [asyncio.create_task(watch.run()), asyncio.create_task(bench.watch_lag())]
    started = time.perf_counter()
    usernames = [name.strip() for name in args.agent_users.split(",") if name.strip()]
    cookies = {}
    for name in usernames[: args.agents]:
        cookies[name] = await asyncio.to_thread(agent_login, args.agent_url or args.url, name, args.agent_password)
    for index in range(args.agents):
        name = usernames[index % len(usernames)]
        agent = Agent(bench, index, name, cookies[name])
        await agent.connect()
        bench.agents.append(agent)
        bench.sockets_by_user.setdefault(agent.user_id, []).append(agent)
    await asyncio.sleep(0.5)  # presence online, the queue drained

    connect_start = time.perf_counter()
    gate = asyncio.Semaphore(args.connect_concurrency)

    async def connect(index: int) -> None:
        customer = Customer(bench, index)
        async with gate:
            try:
                await customer.connect()
            except Exception as error:
                bench.errors[f"connect_failed:{type(error).__name__}"] += 1
                customer.closed = True
                return
        bench.customers.append(customer)

    await asyncio.gather(*(connect(index) for index in range(args.customers)))
    bench.customers.sort(key=lambda customer: customer.index)
    connect_seconds = time.perf_counter() - connect_start

    opening_profiler = _profile_start(args.profile_opening, len(bench.customers) / (args.opening_rate or args.rate) + 5, pids)
    watch.mark("opening_start")
    opening_start = time.perf_counter()
    await bench.pace(bench.customers, args.opening_rate or args.rate, None, "opening")
    opening_send_seconds = time.perf_counter() - opening_start
    await bench.settle("opening", args.drain + 30)
    opening_seconds = time.perf_counter() - opening_start
    if opening_profiler is not None:
        await asyncio.to_thread(opening_profiler.wait)
    bench.latency["greeting"] = [(bench.greeted[i] - t) * 1000 for i, t in bench.opening_sent.items() if i in bench.greeted]

    lag_from = len(bench.lag)
    profiler = _profile_start(args.profile_steady, args.duration, pids)
    watch.mark("steady_start")
    steady_start = time.perf_counter()
    offered = await bench.pace(bench.customers, args.rate, args.duration, "steady")
    steady_seconds = time.perf_counter() - steady_start
    watch.mark("steady_end")
    if profiler is not None:
        await asyncio.to_thread(profiler.wait)
    drain_seconds = await bench.settle("steady", args.drain)
    steady_lag = bench.lag[lag_from:]

    found = await verify(bench, args.connect_concurrency)
    connected = len([customer for customer in bench.customers if not customer.closed])
    bench.stopping = True
    for task in background:
        task.cancel()
    for client in [*bench.customers, *bench.agents]:
        with contextlib.suppress(Exception):
            await asyncio.wait_for(client.ws.close(), timeout=2)

    steady_customer = sum(1 for r in bench.customer_sent.values() if r[1] == "steady" and r[3] is not None)
    steady_replies = sum(1 for r in bench.agent_sent.values() if r[1] == "steady" and r[3] is not None)
    lost = sum(found.get(key, 0) for key in ("lost_customer_to_agent", "lost_agent_to_customer", "lost_stored"))
    duplicated = sum(found.get(key, 0) for key in ("stored_doubled", "live_frames_doubled", "agent_frames_doubled")) + sum(bench.duplicates.values())
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return {
        "url": args.url,
        "agent_url": args.agent_url or args.url,
        "customers": args.customers,
        "customers_connected": connected,
        "agents": args.agents,
        "agent_accounts": usernames[: args.agents],
        "rate": args.rate,
        "opening_rate": args.opening_rate or args.rate,
        "duration": args.duration,
        "connect_seconds": round(connect_seconds, 1),
        "opening": {"messages": len(bench.opening_sent), "send_seconds": round(opening_send_seconds, 1), "settled_seconds": round(opening_seconds, 1)},
        "latency_ms": {
            "opening_customer_to_agent": percentiles(bench.latency["opening_c2a"]),
            "greeting_at_customer": percentiles(bench.latency["greeting"]),
            "opening_agent_to_customer": percentiles(bench.latency["opening_a2c"]),
            "opening_customer_ack": percentiles(bench.latency["opening_ack"]),
            "customer_ack": percentiles(bench.latency["steady_ack"]),
            "customer_to_agent": percentiles(bench.latency["steady_c2a"]),
            "agent_to_customer": percentiles(bench.latency["steady_a2c"]),
        },
        "throughput": {
            "offered_customer_per_s": round(offered / steady_seconds, 1),
            "customer_acked_per_s": round(steady_customer / steady_seconds, 1),
            "agent_acked_per_s": round(steady_replies / steady_seconds, 1),
            "messages_per_s": round((steady_customer + steady_replies) / steady_seconds, 1),
            "drain_seconds": round(drain_seconds, 1),
        },
        "errors": dict(sorted(bench.errors.items())),
        "lost": lost,
        "duplicated": duplicated,
        "checks": found,
        "server": {**watch.report(), "cpu_percent_steady": {str(k): v for k, v in watch.cpu_percent("steady_start", "steady_end", steady_seconds).items()}},
        "client": {
            "cpu_seconds": round(usage.ru_utime + usage.ru_stime, 1),
            "loop_lag_ms": percentiles(steady_lag),
            "wall_seconds": round(time.perf_counter() - started, 1),
        },
        "load_average": [round(value, 2) for value in os.getloadavg()],
        "date": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC"),
    }


# ---------------------------------------------------------------- reporting


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value:,.1f}"


def _mb(values: dict[str, float | None]) -> str:
    shown = [f"{value:.0f}" for value in values.values() if value is not None]
    return " + ".join(shown) + " MB" if shown else "n/a"


def text_report(result: dict[str, Any]) -> str:
    rows = [
        ("opening: customer -> agent", result["latency_ms"]["opening_customer_to_agent"]),
        ("opening: greeting at customer", result["latency_ms"]["greeting_at_customer"]),
        ("opening: agent -> customer", result["latency_ms"]["opening_agent_to_customer"]),
        ("opening: customer's ack", result["latency_ms"]["opening_customer_ack"]),
        ("customer's ack (stored)", result["latency_ms"]["customer_ack"]),
        ("customer -> agent", result["latency_ms"]["customer_to_agent"]),
        ("agent -> customer", result["latency_ms"]["agent_to_customer"]),
    ]
    lines = [
        f"kefu bench chat: {result['customers_connected']}/{result['customers']} customers on {result['url']}, "
        f"{result['agents']} agent sockets on {result['agent_url']} ({', '.join(result['agent_accounts'])}), "
        f"{result['rate']:g} customer messages/s for {result['duration']:g} s",
        f"connected in {result['connect_seconds']} s; opening messages sent in {result['opening']['send_seconds']} s, all answered after {result['opening']['settled_seconds']} s",
        "",
        f"{'latency (ms)':32} {'n':>7} {'p50':>8} {'p95':>8} {'p99':>8} {'max':>8}",
    ]
    for label, stats in rows:
        lines.append(f"{label:32} {stats['n']:>7} {_ms(stats['p50']):>8} {_ms(stats['p95']):>8} {_ms(stats['p99']):>8} {_ms(stats['max']):>8}")
    throughput = result["throughput"]
    server = result["server"]
    cpu = [f"{value:.0f}%" for value in server["cpu_percent_steady"].values() if value is not None]
    lines += [
        "",
        f"messages/s: {throughput['messages_per_s']} stored and acknowledged ({throughput['customer_acked_per_s']} customer + "
        f"{throughput['agent_acked_per_s']} agent; offered {throughput['offered_customer_per_s']} customer/s); drained in {throughput['drain_seconds']} s",
        f"errors: {result['errors'] or 'none'}",
        f"LOST: {result['lost']}   DUPLICATED: {result['duplicated']}   checks: {result['checks']}",
        f"server RSS: before {_mb(server['rss_before_mb'])}, peak {_mb(server['rss_peak_mb'])}, after {_mb(server['rss_after_mb'])}; "
        f"server CPU while steady: {' + '.join(cpu) or 'n/a'} (pids {server['pids'] or 'unknown'})",
        f"client: {result['client']['cpu_seconds']} CPU s, event-loop lag p99 {_ms(result['client']['loop_lag_ms']['p99'])} ms; "
        f"load average {result['load_average']}",
    ]
    return "\n".join(lines)


def machine() -> str:
    cpu = platform.processor() or "unknown CPU"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    return f"{cpu}, {os.cpu_count()} cores; {platform.platform()}; Python {platform.python_version()}"


def markdown_rows(results: list[dict[str, Any]]) -> list[str]:
    """One table row per run: the figures the issue asks for."""
    rows = [
        "| customers connected at the end | agents | rate: opening / steady (customer msg/s) | msg/s stored (both sides) | c->a p50 / p95 / p99 (ms) | a->c p50 / p95 / p99 (ms) "
        "| first message: ack p50 / p99, greeting p99 (ms) | errors | lost | duplicated | server RSS peak (MB) | server CPU | load avg |",
        "|---|---:|---:|---:|---|---|---|---:|---:|---:|---:|---:|---|",
    ]
    for r in results:
        c2a, a2c = r["latency_ms"]["customer_to_agent"], r["latency_ms"]["agent_to_customer"]
        opening = r["latency_ms"]["opening_customer_ack"]
        errors = {key: value for key, value in r["errors"].items() if key != "reply_retried"}
        cpu = " + ".join(f"{v:.0f}%" for v in r["server"]["cpu_percent_steady"].values() if v is not None) or "n/a"
        rows.append(
            f"| {r['customers_connected']:,}/{r['customers']:,} | {r['agents']} | {r['opening_rate']:g} / {r['rate']:g} | {r['throughput']['messages_per_s']:,} "
            f"| {_ms(c2a['p50'])} / {_ms(c2a['p95'])} / {_ms(c2a['p99'])} | {_ms(a2c['p50'])} / {_ms(a2c['p95'])} / {_ms(a2c['p99'])} "
            f"| {_ms(opening['p50'])} / {_ms(opening['p99'])}, {_ms(r['latency_ms']['greeting_at_customer']['p99'])} | {sum(errors.values()) or 0} | {r['lost']} | {r['duplicated']} "
            f"| {_mb(r['server']['rss_peak_mb']).removesuffix(' MB')} | {cpu} | {' '.join(str(x) for x in r['load_average'])} |"
        )
    return rows


def record(label: str, text: str) -> None:
    """Write (or replace) the section `label` of bench/RESULTS.md."""
    start, end = f"<!-- bench.chat:{label}:start -->", f"<!-- bench.chat:{label}:end -->"
    section = f"{start}\n{text.rstrip()}\n{end}\n"
    existing = RESULTS.read_text(encoding="utf-8") if RESULTS.exists() else "# Benchmark results\n"
    if start in existing and end in existing:
        before, rest = existing.split(start, 1)
        after = rest.split(end, 1)[1].lstrip("\n")
        updated = before + section + ("\n" + after if after else "")
    else:
        updated = existing.rstrip() + "\n\n" + section
    RESULTS.write_text(updated, encoding="utf-8")


def section_text(title: str, command: str, results: list[dict[str, Any]], notes: list[str] = ()) -> str:
    return "\n".join(
        [
            f"## {title}",
            "",
            f"Command: `{command}`  ",
            f"Date: {results[0]['date'] if results else datetime.date.today().isoformat()}  ",  # noqa: DTZ011
            f"Machine: {machine()}",
            "",
            *markdown_rows(results),
            "",
            *notes,
        ]
    )


# ---------------------------------------------------------------- command line


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="kefu bench chat", description=__doc__.splitlines()[0])
    p.add_argument("--url", default="http://127.0.0.1:8000", help="the server customers connect to (http://HOST:PORT)")
    p.add_argument("--agent-url", help="the server agents connect to (default: --url); another node for scale-out")
    p.add_argument("--customers", type=int, default=1000)
    p.add_argument("--agents", type=int, default=10, help="agent sockets (they cycle over --agent-users)")
    p.add_argument("--duration", type=float, default=60, help="seconds of steady sending, after the opening messages")
    p.add_argument("--rate", type=float, default=200, help="customer messages per second in total (each gets an agent reply)")
    p.add_argument("--opening-rate", type=float, help="first messages (new conversations) per second (default: --rate)")
    p.add_argument("--inbox", default=DEMO_INBOX, help="public key of the web inbox")
    p.add_argument("--agent-users", default=",".join(DEMO_AGENTS), help="comma-separated agent accounts serving the inbox")
    p.add_argument("--agent-password", default=os.environ.get("KEFU_BENCH_PASSWORD", DEMO_PASSWORD))
    p.add_argument("--connect-concurrency", type=int, default=20, help="customer sockets opened at once")
    p.add_argument("--drain", type=float, default=20, help="seconds to wait for the last deliveries")
    p.add_argument("--server-pid", help="pid(s) of the server processes, comma-separated (default: found by port)")
    p.add_argument("--json", action="store_true", help="print one JSON object instead of the table")
    p.add_argument("--profile-opening", metavar="FILE", help="the same for the opening messages (their sending time plus 5 s)")
    p.add_argument("--profile-steady", metavar="FILE", help="sample the (first) server process with py-spy during the steady phase into FILE (raw format; PY_SPY names the program)")
    p.add_argument("--record", metavar="LABEL", help="also write the result as section LABEL of bench/RESULTS.md")
    return p


def run_blocking(args: argparse.Namespace) -> dict[str, Any]:
    with contextlib.suppress(ValueError, OSError):
        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    try:
        import uvloop

        factory = uvloop.new_event_loop
    except ImportError:
        factory = None
    with asyncio.Runner(loop_factory=factory) as runner:
        return runner.run(run(args))


def main(argv: list[str] | None = None) -> dict[str, Any]:
    args = parser().parse_args(argv)
    args.url = args.url.rstrip("/")
    if args.agent_url:
        args.agent_url = args.agent_url.rstrip("/")
    if args.rate > args.customers:
        print(f"warning: {args.rate:g} msg/s over {args.customers} customers is over one per second each: "
              "the server's flood limit (10 in 10 s per visitor) will refuse some", file=sys.stderr)  # fmt: skip
    result = run_blocking(args)
    if args.json:
        print(json.dumps(result, ensure_ascii=False))
    else:
        print(text_report(result))
    if args.record:
        command = "kefu bench chat " + " ".join(argv if argv is not None else sys.argv[1:])
        record(args.record, section_text(f"Live chat ({args.record})", command, [result]))
    return result


if __name__ == "__main__":
    main()
