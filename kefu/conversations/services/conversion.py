"""Automatic conversion: an order placed or paid soon after a conversation marks it 成交."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from kefu.orders.models import Order

from ..enums import Conversion
from ..models import Conversation
from .routing import conversation_conversion_mark


def conversion_window() -> datetime.timedelta:
    return datetime.timedelta(hours=getattr(settings, "KEFU_CONVERSION_WINDOW_HOURS", 72))


def conversions_detect(*, since: datetime.datetime) -> int:
    """Mark converted the unmarked conversations followed within the window by an order placed or paid since then."""
    window = conversion_window()
    marked = 0
    orders = Order.objects.filter(Q(placed_at__gte=since) | Q(paid_at__gte=since)).values_list("customer_id", "number", "placed_at", "paid_at")
    for customer_id, number, placed_at, paid_at in orders.iterator():
        moments = [moment for moment in (placed_at, paid_at) if moment and moment >= since]
        for moment in moments:
            candidates = Conversation.objects.filter(
                customer_id=customer_id, conversion=Conversion.UNKNOWN, created_at__lte=moment, last_activity_at__gte=moment - window
            ).select_related("inbox", "customer", "team", "assignee", "visitor")
            for conversation in candidates:
                conversation_conversion_mark(conversation=conversation, actor=None, converted=True, order_number=number)
                marked += 1
    return marked


def conversions_detect_recent() -> int:
    """Run the periodic pass over orders of the last quarter hour (it runs every five minutes, so overlaps are harmless)."""
    return conversions_detect(since=timezone.now() - datetime.timedelta(minutes=15))
