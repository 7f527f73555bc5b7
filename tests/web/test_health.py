"""GET /healthz against the real backends, and with a backend really unreachable."""

import json
import os
import subprocess
import sys
import time

import pytest
from django.test import Client

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

PROBE = """
import json, django
django.setup()
from django.test import Client
response = Client().get("/healthz")
print(json.dumps({"code": response.status_code, "body": response.json()}))
"""

def run_probe(tmp_path, **env_overrides) -> dict:
    """Call /healthz in a fresh process configured by environment variables only."""
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "kefu.settings", "KEFU_VAR_DIR": str(tmp_path)}
    env.pop("DATABASE_URL", None)
    env.pop("REDIS_URL", None)
    env.update(env_overrides)
    out = subprocess.run([sys.executable, "-c", PROBE], env=env, capture_output=True, text=True, timeout=60, cwd=ROOT)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout.strip().splitlines()[-1])

@pytest.mark.django_db
def test_healthz_reports_every_backend_up():
    response = Client().get("/healthz")

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert set(body["checks"]) == {"database", "channel_layer", "task_queue"}
    assert {check["status"] for check in body["checks"].values()} == {"up"}

def test_healthz_is_503_when_the_database_is_unreachable(tmp_path):
    result = run_probe(tmp_path, DATABASE_URL="postgres://nobody@127.0.0.1:1/none")

    assert result["code"] == 503
    assert result["body"]["status"] == "error"
    assert result["body"]["checks"]["database"]["status"] == "down"
    assert result["body"]["checks"]["channel_layer"]["status"] == "up"

def test_healthz_is_503_when_redis_is_unreachable(tmp_path):
    result = run_probe(tmp_path, REDIS_URL="redis://127.0.0.1:1/0")

    assert result["code"] == 503
    checks = result["body"]["checks"]
    assert checks["channel_layer"]["status"] == "down"
    assert checks["task_queue"]["status"] == "down"
    assert checks["database"]["status"] == "up"

def test_worker_consumes_and_reports_its_heartbeat(tmp_path):
    """A real `kefu worker` on the embedded SQLite queue writes the heartbeat /healthz shows."""
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "kefu.settings", "KEFU_VAR_DIR": str(tmp_path)}
    env.pop("REDIS_URL", None)
    env.pop("DATABASE_URL", None)
    worker = subprocess.Popen([sys.executable, "-m", "kefu.cli", "worker"], env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        result = None
        for _ in range(60):
            result = run_probe(tmp_path, KEFU_VAR_DIR=str(tmp_path), DATABASE_URL=f"sqlite:///{tmp_path}/probe.sqlite3")
            if result["body"]["checks"]["task_queue"]["worker"]["status"] == "up":
                break
            time.sleep(0.5)
        worker_state = result["body"]["checks"]["task_queue"]["worker"]
        assert worker_state["status"] == "up", (worker_state, worker.poll() is not None and worker.stderr.read()[-2000:])
        assert worker_state["last_seen_seconds_ago"] < 60
    finally:
        worker.terminate()
        worker.wait(timeout=20)


def _processes_of(var_dir) -> list[int]:
    """Return the pids of processes started with this KEFU_VAR_DIR (read from /proc)."""
    found = []
    marker = f"KEFU_VAR_DIR={var_dir}".encode()
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/environ", "rb") as environ:
                    if marker in environ.read().split(b"\0"):
                        found.append(int(entry))
            except OSError:
                continue
    return found


@pytest.mark.skipif(not os.path.isdir("/proc"), reason="reads processes from /proc")
def test_kefu_up_stopped_by_sigterm_stops_its_worker_too(tmp_path):
    """`kefu up` under a process manager: SIGTERM ends the server and the task worker it started."""
    import signal
    import socket
    import urllib.request

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "kefu.settings", "KEFU_VAR_DIR": str(tmp_path)}
    env.pop("REDIS_URL", None)
    env.pop("DATABASE_URL", None)
    up = subprocess.Popen([sys.executable, "-m", "kefu.cli", "up", "--no-demo", "--port", str(port)], env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(120):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2)
                break
            except OSError:
                assert up.poll() is None, "kefu up exited"
                time.sleep(0.5)
        assert len(_processes_of(tmp_path)) >= 2  # the server and its worker
        up.send_signal(signal.SIGTERM)
        assert up.wait(timeout=30) != 0
        for _ in range(40):
            if not _processes_of(tmp_path):
                break
            time.sleep(0.25)
        assert _processes_of(tmp_path) == []
    finally:
        for pid in _processes_of(tmp_path):
            os.kill(pid, signal.SIGKILL)
        if up.poll() is None:
            up.kill()
