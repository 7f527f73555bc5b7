"""Find and count the demo's rows in the database, by their fixed keys."""

from __future__ import annotations

import random

from django.db.models import Q

from kefu.accounts.models import Team, User
from kefu.catalog.models import Category, Product
from kefu.conversations.models import Conversation, Message
from kefu.customers.enums import Platform
from kefu.customers.models import Customer, CustomerIdentity, CustomerNote, Tag
from kefu.inboxes.models import Inbox
from kefu.knowledge.models import (
    AfterSalesRule,
    ClosingTechnique,
    FaqEntry,
    ForbiddenRule,
    ObjectionScript,
    Phrase,
    Playbook,
)
from kefu.orders.models import Order, OrderItem

from ..content import products as product_content
from .constants import (
    AFTERSALE_TEAM,
    INBOX_KEYS,
    MARKER_INBOX,
    PRESALE_TEAM,
    SEED,
    TAGS,
    USERNAMES,
    demo_anchor,
)
from .generate import generate_customers


def _demo_member_names() -> list[str]:
    """Return the demo customers' Taobao member names: the first thing the seeded generator draws."""
    return [spec.member_name for spec in generate_customers(random.Random(SEED), demo_anchor())]


def _demo_customers():
    return Customer.objects.filter(
        identities__platform=Platform.TAOBAO, identities__external_id__in=_demo_member_names()
    ).distinct()


def demo_counts() -> dict[str, int]:
    """Count what the demo consists of, as it is in the database now."""
    customers = _demo_customers()
    customer_ids = list(customers.values_list("pk", flat=True))
    conversations = Conversation.objects.filter(Q(customer_id__in=customer_ids) | Q(inbox__public_key__in=INBOX_KEYS))
    orders = Order.objects.filter(customer_id__in=customer_ids)
    skus = [p["sku"] for p in product_content.PRODUCTS]
    return {
        "users": User.objects.filter(username__in=USERNAMES).count(),
        "teams": Team.objects.filter(name__in=[PRESALE_TEAM, AFTERSALE_TEAM]).count(),
        "inboxes": Inbox.objects.filter(public_key__in=INBOX_KEYS).count(),
        "categories": Category.objects.filter(name__in=product_content.CATEGORIES).count(),
        "products": Product.objects.filter(sku__in=skus).count(),
        "faq": FaqEntry.objects.count(),
        "phrases": Phrase.objects.count(),
        "forbidden_rules": ForbiddenRule.objects.count(),
        "objections": ObjectionScript.objects.count(),
        "closing_techniques": ClosingTechnique.objects.count(),
        "after_sales_rules": AfterSalesRule.objects.count(),
        "playbooks": Playbook.objects.count(),
        "tags": Tag.objects.filter(name__in=list(TAGS)).count(),
        "customers": len(customer_ids),
        "identities": CustomerIdentity.objects.filter(customer_id__in=customer_ids).count(),
        "notes": CustomerNote.objects.filter(customer_id__in=customer_ids).count(),
        "orders": orders.count(),
        "order_items": OrderItem.objects.filter(order__in=orders).count(),
        "conversations": conversations.count(),
        "messages": Message.objects.filter(conversation__in=conversations).count(),
    }


def demo_is_loaded() -> bool:
    return Inbox.objects.filter(public_key=MARKER_INBOX).exists() and _demo_customers().exists()
