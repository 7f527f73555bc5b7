"""Images sent in chat: checked by their content, stored under MEDIA_ROOT/chat with an unguessable name."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

MAX_IMAGE_BYTES = 5 * 1024 * 1024
SIGNATURES = (
    (b"\x89PNG\r\n\x1a\n", "image/png", "png"),
    (b"\xff\xd8\xff", "image/jpeg", "jpg"),
    (b"GIF87a", "image/gif", "gif"),
    (b"GIF89a", "image/gif", "gif"),
)


def _sniff(head: bytes) -> tuple[str, str] | None:
    for signature, content_type, extension in SIGNATURES:
        if head.startswith(signature):
            return content_type, extension
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp", "webp"
    return None


def attachment_store(*, uploaded_file, uploader: str) -> dict:
    """Validate and store an uploaded image; return the attachment to put in a message."""
    if uploaded_file is None:
        raise ValidationError(_("Choose an image to send."), code="missing")
    if uploaded_file.size > MAX_IMAGE_BYTES:
        raise ValidationError(_("The image is larger than 5 MB."), code="too_big")
    head = uploaded_file.read(16)
    uploaded_file.seek(0)
    kind = _sniff(head)
    if kind is None:
        raise ValidationError(_("Only PNG, JPEG, GIF and WebP images can be sent."), code="bad_type")
    content_type, extension = kind
    path = default_storage.save(f"chat/{timezone.now():%Y/%m}/{uuid.uuid4().hex}.{extension}", uploaded_file)
    return {
        "url": settings.MEDIA_URL + path,
        "name": (uploaded_file.name or "")[:120],
        "content_type": content_type,
        "size": uploaded_file.size,
        "uploader": uploader[:64],
    }
