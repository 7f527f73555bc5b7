"""The customer chat's HTTP side: the chat page, the widget script and a visitor's image upload."""

import json
import re

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

from kefu.conversations.services import visitor_create, visitor_token
from kefu.inboxes.enums import ChannelType
from kefu.inboxes.models import Inbox

pytestmark = pytest.mark.django_db

# A real 1x1 PNG (red pixel).
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010802000000907753de"
    "0000000c4944415408d763f8cfc000000301010018dd8db00000000049454e44ae426082"
)


@pytest.fixture
def web_inbox(presale_team) -> Inbox:
    inbox = Inbox.objects.create(
        name="官网在线客服",
        channel=ChannelType.WEB,
        public_key="demo-web",
        bot_enabled=True,
        settings={"color": "#e4572e"},
    )
    inbox.teams.add(presale_team)
    return inbox


@pytest.fixture
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()  # the upload rate limit counts in the cache
    yield
    cache.clear()


def in_chinese(msgid: str) -> str:
    """Return the text the page shows for a message id: the default language is simplified Chinese."""
    with translation.override("zh-hans"):
        return gettext(msgid)


def stored_files(media_root) -> list:
    return (
        sorted(path.name for path in media_root.rglob("*") if path.is_file()) if media_root.exists() else []
    )


def upload(
    client: Client,
    inbox: Inbox,
    *,
    token: str | None,
    name: str = "photo.png",
    content: bytes = PNG,
    content_type: str = "image/png",
):
    headers = {"X-Visitor-Token": token} if token is not None else {}
    data = {"file": SimpleUploadedFile(name, content, content_type=content_type)}
    return client.post(reverse("web:chat_upload", args=[inbox.public_key]), data, headers=headers)


def page_config(response) -> dict:
    match = re.search(
        r'<script id="kefu-chat-config" type="application/json">(.*?)</script>',
        response.content.decode(),
        re.DOTALL,
    )
    assert match, "the page carries its configuration as JSON"
    return json.loads(match.group(1))


# --- the chat page -----------------------------------------------------------------------------


def test_chat_page_renders_for_the_demo_web_inbox(client, web_inbox):
    response = client.get("/chat/demo-web/")

    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="zh-hans">' in html
    assert '<h1 class="kc-shop">官网在线客服</h1>' in html
    assert "--kc-color: #e4572e;" in html
    assert 'id="kc-close"' not in html  # standalone: nothing to close
    assert "X-Frame-Options" not in response.headers  # the widget shows it in an iframe on the shop's site
    config = page_config(response)
    assert config["key"] == "demo-web"
    assert config["ws_path"] == "/ws/chat/demo-web/"
    assert config["upload_url"] == "/chat/demo-web/upload"
    assert config["embed"] is False
    assert config["bot_enabled"] is True
    assert config["bot_name"] == "小客"
    assert config["inbox"]["color"] == "#e4572e"
    assert set(config["strings"]) >= {
        "connecting",
        "reconnecting",
        "queue_ahead",
        "sending",
        "delivered",
        "read",
        "failed",
        "retry",
    }
    assert "%(position)s" in config["strings"]["queue_ahead"]
    assert html.count('data-emoji="') == 40
    assert html.count('class="kc-star"') == 5


def test_chat_page_in_the_widget_has_a_close_button(client, web_inbox):
    response = client.get("/chat/demo-web/?embed=1")

    assert response.status_code == 200
    assert 'id="kc-close"' in response.content.decode()
    assert page_config(response)["embed"] is True


def test_a_bad_inbox_colour_falls_back_to_the_default(client, web_inbox):
    web_inbox.settings = {"color": "red;}</style><script>alert(1)</script>"}
    web_inbox.save()

    html = client.get("/chat/demo-web/").content.decode()

    assert "--kc-color: #1677ff;" in html
    assert "alert(1)" not in html


@pytest.mark.parametrize("path", ["/chat/no-such-inbox/", "/chat/no-such-inbox/?embed=1"])
def test_chat_page_of_an_unknown_inbox_is_404(client, web_inbox, path):
    assert client.get(path).status_code == 404


def test_chat_page_of_an_inactive_inbox_is_404(client, web_inbox):
    web_inbox.is_active = False
    web_inbox.save()

    assert client.get("/chat/demo-web/").status_code == 404


# --- the widget script ----------------------------------------------------------------------------


def test_widget_js_is_javascript_with_a_short_cache(client):
    response = client.get("/widget.js")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/javascript; charset=utf-8"
    assert response["Cache-Control"] == "public, max-age=300"
    assert "Accept-Language" in response["Vary"]
    source = response.content.decode()
    assert "data-inbox" in source
    assert "attachShadow" in source
    assert "/*KEFU_STRINGS*/" not in source  # the strings were put in, in the visitor's language
    strings = json.loads(re.search(r"var STRINGS = (\{.*?\});", source).group(1))
    assert set(strings) == {"open", "close", "unread"}


def test_widget_js_refuses_post(client):
    assert client.post("/widget.js").status_code == 405


# --- image upload -----------------------------------------------------------------------------------


def test_a_visitor_uploads_a_png_which_is_stored_and_returned(web_inbox, media_root):
    token = visitor_token(visitor_create(inbox=web_inbox))
    client = Client(
        enforce_csrf_checks=True
    )  # cross-origin embed: the token authenticates, not a CSRF cookie

    response = upload(client, web_inbox, token=token)

    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"url", "name", "content_type", "size"}
    assert re.fullmatch(r"/media/chat/\d{4}/\d{2}/[0-9a-f]{32}\.png", body["url"])
    assert body["name"] == "photo.png"
    assert body["content_type"] == "image/png"
    assert body["size"] == len(PNG)
    stored = media_root / body["url"].removeprefix("/media/")
    assert stored.read_bytes() == PNG


def test_a_file_that_is_not_an_image_is_refused_and_nothing_is_stored(web_inbox, media_root):
    token = visitor_token(visitor_create(inbox=web_inbox))

    response = upload(
        Client(),
        web_inbox,
        token=token,
        name="virus.png",
        content=b"MZ\x90\x00 not an image at all",
        content_type="image/png",
    )

    assert response.status_code == 400
    assert response.json() == {
        "error": {
            "code": "bad_type",
            "message": in_chinese("Only PNG, JPEG, GIF and WebP images can be sent."),
        }
    }
    assert stored_files(media_root) == []


def test_an_image_over_5_mb_is_refused_and_nothing_is_stored(web_inbox, media_root):
    token = visitor_token(visitor_create(inbox=web_inbox))
    too_big = PNG + b"\x00" * (5 * 1024 * 1024)

    response = upload(Client(), web_inbox, token=token, content=too_big)

    assert response.status_code == 400
    assert response.json() == {
        "error": {"code": "too_big", "message": in_chinese("The image is larger than 5 MB.")}
    }
    assert stored_files(media_root) == []


def test_a_request_without_a_file_is_refused(web_inbox, media_root):
    token = visitor_token(visitor_create(inbox=web_inbox))

    response = Client().post(
        reverse("web:chat_upload", args=["demo-web"]), {}, headers={"X-Visitor-Token": token}
    )

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "missing"
    assert stored_files(media_root) == []


@pytest.mark.parametrize("token", [None, "", "not-a-token", "eyJ2IjoiMDAwIn0:forged:signature"])
def test_a_missing_or_forged_token_is_refused_and_nothing_is_stored(web_inbox, media_root, token):
    response = upload(Client(), web_inbox, token=token)

    assert response.status_code == 403
    assert response.json() == {
        "error": {
            "code": "bad_token",
            "message": in_chinese("This chat link is not valid here. Please reload the page."),
        }
    }
    assert stored_files(media_root) == []


def test_a_token_of_another_inbox_is_refused(web_inbox, media_root):
    other = Inbox.objects.create(name="别家店", channel=ChannelType.WEB, public_key="other-shop")
    token = visitor_token(visitor_create(inbox=other))

    response = upload(Client(), web_inbox, token=token)

    assert response.status_code == 403
    assert response.json()["error"]["code"] == "bad_token"
    assert stored_files(media_root) == []


def test_upload_to_an_unknown_inbox_is_404_json(web_inbox, media_root):
    token = visitor_token(visitor_create(inbox=web_inbox))

    response = Client().post(
        "/chat/nope/upload",
        {"file": SimpleUploadedFile("a.png", PNG, content_type="image/png")},
        headers={"X-Visitor-Token": token},
    )

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
    assert stored_files(media_root) == []


def test_uploads_are_rate_limited_per_visitor(web_inbox, media_root):
    token = visitor_token(visitor_create(inbox=web_inbox))
    other_token = visitor_token(visitor_create(inbox=web_inbox))
    client = Client()

    statuses = [upload(client, web_inbox, token=token).status_code for _ in range(11)]

    assert statuses == [200] * 10 + [429]
    refused = upload(client, web_inbox, token=token)
    assert refused.json()["error"]["code"] == "rate_limited"
    assert len(stored_files(media_root)) == 10
    assert upload(client, web_inbox, token=other_token).status_code == 200  # another visitor is not affected


def test_upload_refuses_get(client, web_inbox):
    assert client.get("/chat/demo-web/upload").status_code == 405


def test_chat_page_brings_its_own_icon_so_the_browser_asks_for_no_missing_favicon(client, web_inbox):
    """Regression: every chat page logged a console error for GET /favicon.ico (404)."""
    html = client.get(reverse("web:chat", args=[web_inbox.public_key])).content.decode()

    assert re.search(r'<link rel="icon" href="data:image/svg\+xml,[^"]+">', html)
