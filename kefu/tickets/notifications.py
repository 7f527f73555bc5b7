"""Notifications to agents: a row each, a real-time event to their workbench, and an e-mail.

``notify`` is the only writer. The real-time event and the e-mail both leave after the
transaction commits, so an alert about a change that was rolled back is never sent; the
e-mail goes through a Huey task so a slow mail server never holds up a request.
"""

from __future__ import annotations

import dataclasses
import datetime
import logging
from collections.abc import Iterable, Sequence
from typing import ClassVar

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kefu.accounts.models import User
from kefu.events import Event, event_send_on_commit

from .models import Notification

logger = logging.getLogger(__name__)


@dataclasses.dataclass(frozen=True, kw_only=True)
class NotificationCreated(Event):
    """A new notification for one agent: the workbench shows it and bumps the unread count."""

    type: ClassVar[str] = "notification.created"
    notification_id: int
    user_id: int
    kind: str
    title: str
    body: str
    url: str
    unread: int
    created_at: datetime.datetime


def public_url(path: str) -> str:
    """Make a site path absolute with the KEFU_PUBLIC_URL setting (left relative when it is not set)."""
    if not path or "://" in path:
        return path
    base = getattr(settings, "KEFU_PUBLIC_URL", "").rstrip("/")
    return f"{base}{path}" if base else path


def notify(*, users: Iterable[User], kind: str, title: str, body: str = "", url: str = "") -> list[Notification]:
    """Notify each distinct active user once: in the app now, by e-mail to those with an address."""
    recipients = list({user.pk: user for user in users if user is not None and user.is_active and user.pk}.values())
    if not recipients:
        return []
    now = timezone.now()
    notifications = Notification.objects.bulk_create(
        [Notification(user=user, kind=kind, title=title[:200], body=body, url=url, created_at=now) for user in recipients]
    )
    unread = notifications_unread_counts(user_ids=[user.pk for user in recipients])
    for notification in notifications:
        event = NotificationCreated(
            notification_id=notification.pk,
            user_id=notification.user_id,
            kind=kind,
            title=notification.title,
            body=body,
            url=url,
            unread=unread.get(notification.user_id, 0),
            created_at=now,
        )
        event_send_on_commit(event, groups=[f"agent.{notification.user_id}"])
    emailed = [notification.pk for notification, user in zip(notifications, recipients, strict=True) if user.email]
    if emailed:
        transaction.on_commit(lambda: _email_enqueue(emailed), robust=True)
    return notifications


def _email_enqueue(notification_ids: Sequence[int]) -> None:
    from .tasks import notification_emails_send

    notification_emails_send(list(notification_ids))


def notification_emails_send(*, notification_ids: Sequence[int]) -> int:
    """Send each notification to its agent's e-mail address; return how many went out."""
    sent = 0
    for notification in Notification.objects.filter(pk__in=notification_ids).select_related("user"):
        address = notification.user.email
        if not address:
            continue
        lines = [notification.body] if notification.body else []
        if notification.url:
            lines.append(_("Open: %(url)s") % {"url": public_url(notification.url)})
        try:
            sent += send_mail(
                subject=f"[{_('Kefu')}] {notification.title}",
                message="\n\n".join(lines) or notification.title,
                from_email=None,  # DEFAULT_FROM_EMAIL
                recipient_list=[address],
            )
        except Exception:  # the in-app notification stands; a mail server outage must not undo it
            logger.exception("E-mail notification %s to %s failed", notification.pk, address)
    return sent


def notifications_unread_counts(*, user_ids: Sequence[int]) -> dict[int, int]:
    from django.db.models import Count

    rows = Notification.objects.filter(user_id__in=user_ids, read_at__isnull=True).values("user_id").annotate(count=Count("id"))
    return {row["user_id"]: row["count"] for row in rows}


def notification_mark_read(*, user: User, notification_ids: Sequence[int] | None = None) -> int:
    """Mark the user's notifications read (all of them when no ids are given); return how many changed."""
    queryset = Notification.objects.filter(user=user, read_at__isnull=True)
    if notification_ids is not None:
        queryset = queryset.filter(pk__in=notification_ids)
    return queryset.update(read_at=timezone.now())
