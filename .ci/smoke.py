"""Start `make run` on a free port, wait for /healthz, log in over HTTP, stop it."""

import http.cookiejar
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def main() -> int:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {**os.environ, "PORT": str(port), "HOST": "127.0.0.1"}
    env.pop("DATABASE_URL", None)
    env.pop("REDIS_URL", None)
    proc = subprocess.Popen(["make", "run"], cwd=ROOT, env=env, start_new_session=True)
    try:
        deadline = time.time() + 600
        health = None
        while time.time() < deadline:
            if proc.poll() is not None:
                print(f"make run exited with {proc.returncode}", file=sys.stderr)
                return 1
            try:
                with urllib.request.urlopen(base + "/healthz", timeout=5) as resp:
                    health = json.loads(resp.read())
                    break
            except OSError:
                time.sleep(1)
        if health is None:
            print("no /healthz within the deadline", file=sys.stderr)
            return 1
        print("healthz:", json.dumps(health, ensure_ascii=False))
        assert health["status"] == "ok", health

        jar = http.cookiejar.CookieJar()
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
        page = opener.open(base + "/login/", timeout=10).read().decode()
        assert "csrfmiddlewaretoken" in page, "login page has no CSRF token"
        csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
        data = urllib.parse.urlencode({"username": "xiaomei", "password": "kefu-demo-2026", "csrfmiddlewaretoken": csrf}).encode()
        request = urllib.request.Request(base + "/login/", data=data, headers={"Referer": base + "/login/"})
        with opener.open(request, timeout=10) as resp:
            final_url, body = resp.geturl(), resp.read().decode()
        assert urllib.parse.urlparse(final_url).path == "/workbench/", f"an agent's login did not land on the workbench: {final_url}"
        assert "小美" in body and "工作台" in body, "the workbench does not show the demo agent in Chinese"
        print("smoke: login as xiaomei OK at", final_url)
        return 0
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)


if __name__ == "__main__":
    sys.exit(main())
