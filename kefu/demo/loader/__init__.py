"""Load the demo shop: team, inboxes, knowledge, catalogue, customers, orders and past chats.

Everything is drawn from one ``random.Random(SEED)`` in a fixed order and every date is an
offset from an anchor (today 00:00, Asia/Shanghai), so the same day always gives the same
data, and any day gives the same names, order numbers and chats.  The load is one
transaction; running it again without ``reset`` changes nothing.
"""

from __future__ import annotations

import random
import time

from django.db import transaction

from kefu.customers.models import Tag

from ..content import dialogues as dialogue_content
from ..content import products as product_content
from .constants import (
    AFTERSALE_TEAM,
    BATCH,
    INBOX_KEYS,
    INBOXES,
    MARKER_INBOX,
    PASSWORD,
    PRESALE_TEAM,
    SEED,
    SHOP_TZ,
    TAGS,
    USERNAMES,
    USERS,
    demo_anchor,
)
from .generate import (
    ConversationSpec,
    CustomerSpec,
    OrderSpec,
    _finish_customers,
    generate_conversations,
    generate_customers,
    generate_orders,
)
from .order_fields import order_fields_fill
from .query import demo_counts, demo_is_loaded
from .tickets import demo_tickets_load
from .write import (
    _insert_conversations,
    _insert_customers,
    _insert_orders,
    _load_catalog,
    _load_inboxes,
    _load_knowledge,
    _load_team,
    _say,
    demo_delete,
)

__all__ = [
    "AFTERSALE_TEAM",
    "BATCH",
    "INBOXES",
    "INBOX_KEYS",
    "MARKER_INBOX",
    "PASSWORD",
    "PRESALE_TEAM",
    "SEED",
    "SHOP_TZ",
    "TAGS",
    "USERNAMES",
    "USERS",
    "ConversationSpec",
    "CustomerSpec",
    "OrderSpec",
    "demo_anchor",
    "demo_counts",
    "demo_delete",
    "demo_is_loaded",
    "demo_load",
    "generate_conversations",
    "generate_customers",
    "generate_orders",
]


def demo_load(*, reset: bool = False, stdout=None) -> dict[str, int]:
    """Load the demo shop once (or rebuild it with reset) and return what it holds."""
    started = time.monotonic()
    if not reset and demo_is_loaded():
        _say(stdout, "演示数据已存在，未做改动（使用 --reset 重建）")
        return demo_counts()
    with transaction.atomic():
        if reset:
            demo_delete(stdout=stdout)
        _load(stdout)
    counts = demo_counts()
    _say(stdout, f"演示数据加载完成，用时 {time.monotonic() - started:.1f} 秒")
    return counts


def _load(stdout) -> None:
    rng = random.Random(SEED)
    anchor = demo_anchor()
    customer_specs = generate_customers(rng, anchor)  # first: demo customers are found by these names

    users, teams = _load_team(stdout)
    inboxes = _load_inboxes(teams, stdout)
    products = _load_catalog(stdout)
    _load_knowledge(products, stdout)
    tags = {name: Tag.objects.get_or_create(name=name, defaults={"color": color})[0] for name, color in TAGS.items()}

    order_specs = generate_orders(rng, anchor, customer_specs, product_content.PRODUCTS)
    order_fields_fill([(spec.order, spec.lines[0][0]) for spec in order_specs])
    agents = {
        "presale": [users["xiaomei"], users["xiaoli"]],
        "aftersale": [users["ahua"], users["aqiang"]],
        "supervisor": [users["wang"]],
    }
    conversation_specs = generate_conversations(
        rng, anchor, customer_specs, order_specs, dialogue_content.DIALOGUES,
        {p["sku"]: p for p in product_content.PRODUCTS}, {k: [u.display_name for u in v] for k, v in agents.items()},
    )
    _finish_customers(rng, anchor, customer_specs, order_specs, conversation_specs)
    customers = _insert_customers(rng, customer_specs, tags, users, stdout)
    orders = _insert_orders(order_specs, customers, products, stdout)
    _insert_conversations(conversation_specs, customers, orders, inboxes, teams, agents, stdout)
    demo_tickets_load(anchor=anchor, orders=orders, users=users, stdout=stdout)
