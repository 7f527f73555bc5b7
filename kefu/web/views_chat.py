"""The customer's side of live chat: the embeddable widget script, the chat page and image upload.

The chat itself runs over the WebSocket (docs/realtime-protocol.md); these views only serve the
page and its script and accept a visitor's image, authenticated by the visitor token.
"""

from __future__ import annotations

import json
import re
from functools import cache as memoize
from pathlib import Path

from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import get_language, gettext, ngettext, pgettext
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from kefu.conversations.services import attachment_store, visitor_from_token
from kefu.conversations.services.attachments import MAX_IMAGE_BYTES
from kefu.inboxes.models import Inbox
from kefu.inboxes.options import InboxOptions

LOADER_PATH = Path(__file__).resolve().parent / "static" / "web" / "widget" / "loader.js"
LOADER_STRINGS = re.compile(r"/\*KEFU_STRINGS\*/.*?/\*END_KEFU_STRINGS\*/", re.DOTALL)
WIDGET_CACHE_SECONDS = 300
UPLOADS_PER_MINUTE = 10
UPLOAD_OVERHEAD_BYTES = 64 * 1024  # multipart headers around the file
HEX_COLOR = re.compile(r"^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})$")
DEFAULT_COLOR = "#1677ff"
EMOJIS = (
    "😀 😁 😂 🤣 😊 😍 😘 😉 😎 🤔 😅 😢 😭 😡 😱 😴 🙏 👍 👎 👌 👏 🤝 💪 ❤️ "
    "💔 🎉 🌹 ☕ 🔥 ⭐ ✅ ❌ ❓ ❗ 📦 🚚 💰 🎁 📱 🔋"
).split()


@memoize
def _loader_source() -> str:
    return LOADER_PATH.read_text(encoding="utf-8")


def _inbox_or_404(key: str) -> Inbox:
    inbox = Inbox.objects.filter(public_key=key, is_active=True).first()
    if inbox is None:
        raise Http404("No such chat")
    return inbox


def _color(value: str) -> str:
    return value if isinstance(value, str) and HEX_COLOR.match(value) else DEFAULT_COLOR


def _text_on(color: str) -> str:
    """Pick white or near-black text for the inbox colour, whichever reads better (WCAG luminance)."""
    digits = color[1:]
    if len(digits) == 3:
        digits = "".join(ch * 2 for ch in digits)
    channels = []
    for index in (0, 2, 4):
        value = int(digits[index : index + 2], 16) / 255
        channels.append(value / 12.92 if value <= 0.04045 else ((value + 0.055) / 1.055) ** 2.4)
    luminance = 0.2126 * channels[0] + 0.7152 * channels[1] + 0.0722 * channels[2]
    return "#1f2328" if luminance > 0.45 else "#ffffff"


def _strings(bot_name: str) -> dict[str, str]:
    """Return every text chat.js shows, in the request's language; placeholders are %(name)s."""
    return {
        "connecting": gettext("Connecting…"),
        "reconnecting": gettext("Reconnecting…"),
        "bot_label": gettext("Bot %(name)s"),
        "bot_tag": gettext("Bot"),
        "agent_label": gettext("%(name)s (agent)"),
        "waiting_agent": gettext("Waiting for an agent"),
        "online_service": gettext("Online service"),
        "offline": gettext("We are offline now; leave a message"),
        "offline_hours": gettext("Offline now · service hours: %(hours)s"),
        "queue_ahead": gettext("%(position)s people ahead of you"),
        "queue_next": gettext("You are next in line"),
        "sending": pgettext("chat message state", "Sending"),
        "delivered": pgettext("chat message state", "Delivered"),
        "read": pgettext("chat message state", "Read"),
        "failed": pgettext("chat message state", "Not sent"),
        "retry": gettext("Retry"),
        "today": gettext("Today"),
        "yesterday": gettext("Yesterday"),
        "human_requested": gettext("We are connecting you to an agent, please wait a moment."),
        "identified": gettext("Verified. Welcome back, %(name)s!"),
        "identify_missing": gettext("Enter both the order number and the phone number."),
        "rated": gettext("Thank you for your rating!"),
        "rating_required": gettext("Choose one to five stars first."),
        "uploading": gettext("Uploading the image…"),
        "upload_failed": gettext("The image could not be uploaded. Please try again."),
        "not_image": gettext("Only PNG, JPEG, GIF and WebP images can be sent."),
        "too_big": gettext("The image is larger than 5 MB."),
        "too_long": gettext("A message can be at most 2000 characters."),
        "not_ready": gettext("Still connecting, please try again in a moment."),
        "image": gettext("Image"),
        "open_image": gettext("Open the full-size image"),
        "error": gettext("Something went wrong. Please try again."),
    }


@require_GET
def widget_js(request: HttpRequest) -> HttpResponse:
    """Serve the embeddable loader with its few texts in the visitor's language."""
    strings = {
        "open": gettext("Chat with us"),
        "close": gettext("Close chat"),
        "unread": gettext("New message"),
    }
    source = LOADER_STRINGS.sub(
        lambda _match: json.dumps(strings, ensure_ascii=False), _loader_source(), count=1
    )
    response = HttpResponse(source, content_type="application/javascript; charset=utf-8")
    response["Cache-Control"] = f"public, max-age={WIDGET_CACHE_SECONDS}"
    response["Access-Control-Allow-Origin"] = "*"
    return response


@require_GET
@xframe_options_exempt  # the widget shows this page in an iframe on the shop's own site
def chat_page(request: HttpRequest, key: str) -> HttpResponse:
    """Render the customer chat, standalone or (``?embed=1``) inside the widget's panel."""
    inbox = _inbox_or_404(key)
    options = InboxOptions.of(inbox)
    color = _color(options.color)
    bot_name = options.bot_name or pgettext("name of the answer bot", "Xiaoke")
    shop_name = inbox.name
    embed = request.GET.get("embed") == "1"
    title = f"{shop_name} · {gettext('Online service')}"
    config = {
        "key": inbox.public_key,
        "ws_path": f"/ws/chat/{inbox.public_key}/",
        "upload_url": reverse("web:chat_upload", args=[inbox.public_key]),
        "embed": embed,
        "language": get_language(),
        "title": title,
        "shop_name": shop_name,
        "bot_enabled": inbox.bot_enabled,
        "bot_name": bot_name,
        "inbox": {
            "name": shop_name,
            "color": color,
            "hours": options.hours_text(),
            "online": options.is_open(),
        },
        "strings": _strings(bot_name),
    }
    scores = [
        {"value": score, "label": ngettext("%(score)d star", "%(score)d stars", score) % {"score": score}}
        for score in range(1, 6)
    ]
    context = {
        "inbox": inbox,
        "shop_name": shop_name,
        "color": color,
        "on_color": _text_on(color),
        "bot_enabled": inbox.bot_enabled,
        "bot_name": bot_name,
        "embed": embed,
        "emojis": EMOJIS,
        "scores": scores,
        "chat_config": config,
    }
    return render(request, "web/chat.html", context)


def _upload_error(code: str, message: str, status: int) -> JsonResponse:
    return JsonResponse({"error": {"code": code, "message": str(message)}}, status=status)


def _upload_allowed(visitor_key: str) -> bool:
    """Count the visitor's uploads in a one-minute window; False past the limit."""
    counter = f"kefu:chat-upload:{visitor_key}"
    if cache.add(counter, 1, timeout=60):
        return True
    try:
        return cache.incr(counter) <= UPLOADS_PER_MINUTE
    except ValueError:  # the window expired between add and incr
        cache.set(counter, 1, timeout=60)
        return True


@csrf_exempt  # authenticated by the visitor token header, posted from the widget's iframe
@require_POST
def chat_upload(request: HttpRequest, key: str) -> JsonResponse:
    """Store one image a visitor wants to send; the message itself goes over the WebSocket."""
    inbox = Inbox.objects.filter(public_key=key, is_active=True).first()
    if inbox is None:
        return _upload_error("not_found", gettext("This chat does not exist."), 404)
    visitor = visitor_from_token(request.headers.get("X-Visitor-Token", ""), inbox=inbox)
    if visitor is None:
        return _upload_error(
            "bad_token", gettext("This chat link is not valid here. Please reload the page."), 403
        )
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length > MAX_IMAGE_BYTES + UPLOAD_OVERHEAD_BYTES:
        return _upload_error("too_big", gettext("The image is larger than 5 MB."), 400)
    if not _upload_allowed(visitor.key.hex):
        return _upload_error("rate_limited", gettext("Too many images at once. Please wait a minute."), 429)
    try:
        attachment = attachment_store(
            uploaded_file=request.FILES.get("file"), uploader=f"visitor:{visitor.key.hex}"
        )
    except ValidationError as error:
        return _upload_error(error.code or "bad_attachment", error.messages[0], 400)
    return JsonResponse({field: attachment[field] for field in ("url", "name", "content_type", "size")})
