"""Browser tests: a real `kefu serve` (uvicorn) on the demo shop, driven by Debian's Chromium.

Skipped where Chromium is not installed (`.ci/run` installs it). Screenshots are saved
under tests/artifacts/ for people to look at.
"""

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "tests" / "artifacts"
CHROMIUM = os.environ.get("KEFU_CHROMIUM", "/usr/bin/chromium")
DEMO_PASSWORD = "kefu-demo-2026"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def live_url(tmp_path_factory):
    """Start the real ASGI server on a fresh SQLite database with the demo shop loaded."""
    if not shutil.which(CHROMIUM) and not Path(CHROMIUM).exists():
        pytest.skip(f"no Chromium at {CHROMIUM}")
    var_dir = tmp_path_factory.mktemp("e2e-var")
    env = {**os.environ, "KEFU_VAR_DIR": str(var_dir), "DJANGO_SETTINGS_MODULE": "kefu.settings"}
    env.pop("DATABASE_URL", None)
    env.pop("REDIS_URL", None)
    kefu = [sys.executable, "-m", "kefu.cli"]
    subprocess.run([*kefu, "migrate", "--verbosity", "0"], env=env, check=True, cwd=ROOT)
    subprocess.run([*kefu, "demo"], env=env, check=True, cwd=ROOT, stdout=subprocess.DEVNULL)
    port = _free_port()
    server = subprocess.Popen([*kefu, "serve", "--port", str(port)], env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            urllib.request.urlopen(url + "/healthz", timeout=2)
            break
        except OSError:
            if server.poll() is not None:
                pytest.fail("server exited: " + server.stderr.read().decode()[-2000:])
            time.sleep(0.2)
    yield url
    server.terminate()
    server.wait(timeout=20)


@pytest.fixture(scope="module")
def browser():
    """Open Chromium for one test module only.

    Playwright's sync API keeps an event loop running in this thread while it is open, and
    Django refuses database calls under a running loop, so it must be closed before other
    modules' tests run in the same process.
    """
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.skip(f"no Chromium at {CHROMIUM}")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 720})
    page = context.new_page()
    yield page
    context.close()


def screenshot(page, name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
