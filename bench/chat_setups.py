"""Run the live-chat benchmark on both setups, starting the servers itself, and record the figures.

    python -m bench.chat_setups [--customers 1000] [--agents 10] [--duration 60] [--rates 50,200] [--opening-rate R]
                                [--setups embedded,two-nodes] [--no-record]

(a) embedded: what `kefu up` runs (migrate, the demo shop, `kefu serve` and `kefu worker`) on a
    fresh SQLite var dir, in-memory channel layer;
(b) two nodes: two `kefu serve` processes on different ports sharing PostgreSQL (a fresh database
    `kefu_bench`, created and dropped here; BENCH_POSTGRES_URL names the server, default
    postgres://postgres@127.0.0.1:5432/postgres) and Redis (BENCH_REDIS_URL, default
    redis://127.0.0.1:6379/5, flushed before each run), plus one `kefu worker`; customers connect
    to node A, agents to node B.

Each rate runs on a fresh copy of the freshly loaded database. The figures go to bench/RESULTS.md
(sections `bench.chat:embedded` and `bench.chat:two-nodes`).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import resource
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from bench import chat

ROOT = Path(__file__).resolve().parent.parent
POSTGRES_URL = os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres")
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/5")
DATABASE = "kefu_bench"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _raise_file_limit() -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


SETTINGS = {"module": "kefu.settings"}  # --settings: try a settings change without editing kefu/settings.py


def kefu_env(var_dir: Path, *, database_url: str | None = None, redis_url: str | None = None) -> dict[str, str]:
    env = {**os.environ, "KEFU_VAR_DIR": str(var_dir), "DJANGO_SETTINGS_MODULE": SETTINGS["module"], "LOG_LEVEL": "WARNING"}
    env.pop("DATABASE_URL", None)
    env.pop("REDIS_URL", None)
    if database_url:
        env["DATABASE_URL"] = database_url
    if redis_url:
        env["REDIS_URL"] = redis_url
    return env


def kefu(*args: str, env: dict[str, str]) -> None:
    subprocess.run([sys.executable, "-m", "kefu.cli", *args], env=env, cwd=ROOT, check=True, stdout=subprocess.DEVNULL)


def start(args: list[str], env: dict[str, str], log: Path) -> subprocess.Popen:
    handle = log.open("ab")
    return subprocess.Popen([sys.executable, "-m", "kefu.cli", *args], env=env, cwd=ROOT, stdout=handle, stderr=subprocess.STDOUT, preexec_fn=_raise_file_limit)  # noqa: PLW1509


def wait_healthy(url: str, process: subprocess.Popen, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server at {url} exited with {process.returncode}")
        with contextlib.suppress(OSError):
            urllib.request.urlopen(url + "/healthz", timeout=5).read()
            return
        time.sleep(0.3)
    raise RuntimeError(f"the server at {url} did not answer within {timeout:.0f} s")


def stop(processes: list[subprocess.Popen]) -> None:
    for process in processes:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
    for process in processes:
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def bench_args(options: argparse.Namespace, rate: float, url: str, agent_url: str | None, pids: list[int]) -> list[str]:
    argv = ["--url", url, "--customers", str(options.customers), "--agents", str(options.agents), "--duration", str(options.duration), "--rate", f"{rate:g}"]
    if agent_url:
        argv += ["--agent-url", agent_url]
    if options.opening_rate:
        argv += ["--opening-rate", f"{options.opening_rate:g}"]
    return [*argv, "--server-pid", ",".join(str(pid) for pid in pids)]


# ---------------------------------------------------------------- (a) embedded


def run_embedded(options: argparse.Namespace, work: Path) -> list[dict]:
    template = work / "embedded-template"
    template.mkdir()
    env = kefu_env(template)
    print("embedded: migrate + demo on a fresh SQLite database ...", flush=True)
    kefu("migrate", "--verbosity", "0", env=env)
    kefu("demo", env=env)
    results = []
    for rate in options.rates:
        var_dir = work / f"embedded-{rate:g}"
        shutil.copytree(template, var_dir)
        env = kefu_env(var_dir)
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        server = start(["serve", "--port", str(port)], env, var_dir / "serve.log")
        worker = start(["worker"], env, var_dir / "worker.log")
        try:
            wait_healthy(url, server)
            print(f"embedded: {rate:g} customer messages/s ...", flush=True)
            result = chat.run_blocking(chat.parser().parse_args(bench_args(options, rate, url, None, [server.pid])))
            result["setup"] = "embedded"
            print(chat.text_report(result), "\n", flush=True)
            results.append(result)
        finally:
            stop([server, worker])
    return results


# ---------------------------------------------------------------- (b) two nodes on PostgreSQL and Redis


def _postgres(sql: str, database_url: str = POSTGRES_URL) -> None:
    import psycopg

    with psycopg.connect(database_url, autocommit=True) as connection:
        connection.execute(sql)


def _database_url(name: str) -> str:
    return POSTGRES_URL.rsplit("/", 1)[0] + "/" + name


def run_two_nodes(options: argparse.Namespace, work: Path) -> list[dict]:
    import redis

    template = f"{DATABASE}_template"
    _postgres(f"DROP DATABASE IF EXISTS {template}")
    _postgres(f"CREATE DATABASE {template}")
    results = []
    try:
        env = kefu_env(work / "nodes-template", database_url=_database_url(template), redis_url=REDIS_URL)
        (work / "nodes-template").mkdir()
        print("two nodes: migrate + demo on a fresh PostgreSQL database ...", flush=True)
        kefu("migrate", "--verbosity", "0", env=env)
        kefu("demo", env=env)
        for rate in options.rates_two_nodes:
            _postgres(f"DROP DATABASE IF EXISTS {DATABASE}")
            _postgres(f"CREATE DATABASE {DATABASE} TEMPLATE {template}")
            redis.Redis.from_url(REDIS_URL).flushdb()
            var_dir = work / f"nodes-{rate:g}"
            var_dir.mkdir()
            shutil.copy(work / "nodes-template" / "secret_key", var_dir / "secret_key")
            env = kefu_env(var_dir, database_url=_database_url(DATABASE), redis_url=REDIS_URL)
            port_a, port_b = free_port(), free_port()
            node_a = start(["serve", "--port", str(port_a)], env, var_dir / "node-a.log")
            node_b = start(["serve", "--port", str(port_b)], env, var_dir / "node-b.log")
            worker = start(["worker"], env, var_dir / "worker.log")
            try:
                wait_healthy(f"http://127.0.0.1:{port_a}", node_a)
                wait_healthy(f"http://127.0.0.1:{port_b}", node_b)
                print(f"two nodes: {rate:g} customer messages/s ...", flush=True)
                argv = bench_args(options, rate, f"http://127.0.0.1:{port_a}", f"http://127.0.0.1:{port_b}", [node_a.pid, node_b.pid])
                result = chat.run_blocking(chat.parser().parse_args(argv))
                result["setup"] = "two-nodes"
                print(chat.text_report(result), "\n", flush=True)
                results.append(result)
            finally:
                stop([node_a, node_b, worker])
    finally:
        _postgres(f"DROP DATABASE IF EXISTS {DATABASE}")
        _postgres(f"DROP DATABASE IF EXISTS {template}")
        with contextlib.suppress(Exception):
            redis.Redis.from_url(REDIS_URL).flushdb()
    return results


# ---------------------------------------------------------------- command line

EMBEDDED_NOTES = [
    "Embedded: `kefu serve` (one uvicorn process) and `kefu worker` on SQLite (WAL), in-memory channel layer; "
    "the benchmark client runs on the same machine. Rate = customer messages per second; every one gets an agent "
    "reply, so the server stores about twice as many (the msg/s column counts both). c->a: a customer's send to the "
    "first agent socket receiving it; a->c: the agent's send to the customer receiving it; greeting: the first "
    "message's send to the greeting's arrival. Lost: acknowledged but never delivered to the other side, or missing "
    "from the stored history read back at the end; duplicated: one seq delivered twice to a socket or one client id "
    "stored twice. Server CPU: the server process's share of one core while sending steadily (100% = one core).",
]
TWO_NODES_NOTES = [
    "Two nodes: two `kefu serve` processes (ports A and B) and one `kefu worker` on PostgreSQL and Redis "
    "(RedisPubSubChannelLayer); customers on node A, agents on node B, so every delivery crosses Redis. "
    "Columns as above; server RSS and CPU are per node (A + B).",
]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=1000)
    parser.add_argument("--agents", type=int, default=10)
    parser.add_argument("--duration", type=float, default=60)
    parser.add_argument("--rates", default="50,200", help="customer messages/s, one run each (embedded)")
    parser.add_argument("--rates-two-nodes", default="200", help="customer messages/s, one run each (two nodes)")
    parser.add_argument("--opening-rate", type=float, help="first messages (new conversations) per second (default: each run's rate)")
    parser.add_argument("--setups", default="embedded,two-nodes")
    parser.add_argument("--no-record", action="store_true", help="do not write bench/RESULTS.md")
    parser.add_argument("--settings", default="kefu.settings", help="the servers' DJANGO_SETTINGS_MODULE (importable; PYTHONPATH is passed on)")
    options = parser.parse_args(argv)
    SETTINGS["module"] = options.settings
    options.rates = [float(rate) for rate in options.rates.split(",") if rate]
    options.rates_two_nodes = [float(rate) for rate in options.rates_two_nodes.split(",") if rate]
    setups = [name.strip() for name in options.setups.split(",")]
    command = "python -m bench.chat_setups " + " ".join(argv if argv is not None else sys.argv[1:])
    suffix = "" if options.settings == "kefu.settings" else f" with settings `{options.settings}`"
    label = "" if options.settings == "kefu.settings" else f"+{options.settings}"
    with tempfile.TemporaryDirectory(prefix="kefu-bench-chat-") as tmp:
        work = Path(tmp)
        if "embedded" in setups:
            results = run_embedded(options, work)
            text = chat.section_text(f"Live chat, embedded (`bench/chat.py`){suffix}", command, results, EMBEDDED_NOTES)
            print(text, "\n")
            if not options.no_record:
                chat.record("embedded" + label, text)
        if "two-nodes" in setups:
            results = run_two_nodes(options, work)
            text = chat.section_text(f"Live chat, two nodes on PostgreSQL and Redis (`bench/chat.py`){suffix}", command, results, TWO_NODES_NOTES)
            print(text, "\n")
            if not options.no_record:
                chat.record("two-nodes" + label, text)


if __name__ == "__main__":
    main()
