"""Browser tests: a real `kefu serve` (uvicorn) on the demo shop, driven by Debian's Chromium.

Skipped where Chromium is not installed (`.ci/run` installs it). Screenshots are saved
under tests/artifacts/ for people to look at.
"""

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from django.utils import translation

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
    env = live_environment(str(var_dir))
    command = [sys.executable, "-m", "kefu.cli"]
    subprocess.run([*command, "migrate", "--verbosity", "0"], env=env, check=True, cwd=ROOT)
    subprocess.run([*command, "demo"], env=env, check=True, cwd=ROOT, stdout=subprocess.DEVNULL)
    port = _free_port()
    server = subprocess.Popen([*command, "serve", "--port", str(port)], env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
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


# --- the live server's database and processes, from the test process ------------------------------


def live_environment(var_dir: str, **extra: str) -> dict:
    """Return the environment of a `kefu` process on the live server's SQLite database (never the suite's PostgreSQL or Redis)."""
    environment = {**os.environ, "KEFU_VAR_DIR": var_dir, "DJANGO_SETTINGS_MODULE": "kefu.settings", **extra}
    environment.pop("DATABASE_URL", None)
    environment.pop("REDIS_URL", None)
    return environment


def live_var_dir(tmp_path_factory) -> str:
    """Return the var directory of this session's live server (its SQLite database)."""
    found = [path for path in tmp_path_factory.getbasetemp().glob("e2e-var[0-9]*") if not path.is_symlink()]
    assert len(found) == 1, found
    return str(found[0])


@pytest.fixture(scope="module")
def var_dir(live_url, tmp_path_factory) -> str:
    return live_var_dir(tmp_path_factory)


def kefu(var_dir: str, *args: str, env: dict | None = None) -> str:
    """Run a `kefu` command on the live server's database and return what it printed."""
    done = subprocess.run(
        [sys.executable, "-m", "kefu.cli", *args], env=live_environment(var_dir, **(env or {})), cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout.strip()


def live_query(var_dir: str, code: str):
    """Run `code` (which prints one JSON value last) in `kefu shell` on the live server's database and return the value."""
    return json.loads(kefu(var_dir, "shell", "-c", code).splitlines()[-1])


@pytest.fixture(scope="module")
def task_worker(var_dir):
    """Run the embedded task worker (`kefu worker`, its events relayed by the server) without periodic tasks.

    A module that needs it says `pytestmark = pytest.mark.usefixtures("task_worker")`; tasks queued
    while no module needs it wait in the queue until one does.
    """
    start = (
        "from kefu.events import outbox_writer_enable; outbox_writer_enable(); from django.core.management import call_command; "
        "call_command('run_huey', workers=2, worker_type='thread', periodic=False)"
    )
    worker = subprocess.Popen(
        [sys.executable, "-m", "kefu.cli", "shell", "-c", start],
        env=live_environment(var_dir),
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    yield worker
    worker.terminate()
    worker.wait(timeout=20)


# --- what a person does and sees ------------------------------------------------------------------


def sign_in(browser, live_url: str, username: str):
    """Sign in as a demo user in a new desktop-sized context; return the context and its page."""
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 720})
    page = context.new_page()
    page.goto(live_url + "/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state("networkidle")
    return context, page


def zh(text, context: str = "", **values) -> str:
    """Return what the page shows for an English message id (or a lazy label) in simplified Chinese, the default language."""
    with translation.override("zh-hans"):
        if not isinstance(text, str):
            shown = str(text)
        else:
            shown = translation.pgettext(context, text) if context else translation.gettext(text)
    return shown % values if values else shown
