"""Load the demo shop: team, inboxes, knowledge, catalogue, customers, orders and past chats.

Everything is drawn from one ``random.Random(SEED)`` in a fixed order and every date is an
offset from an anchor (today 00:00, Asia/Shanghai), so the same day always gives the same
data, and any day gives the same names, order numbers and chats.  The load is one
transaction; running it again without ``reset`` changes nothing.
"""

from __future__ import annotations

import datetime as dt
import random
import time
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.db.models import Q

from kefu.accounts.enums import Role
from kefu.accounts.models import Team, User
from kefu.accounts.services import team_add_member
from kefu.catalog.models import Category, Product
from kefu.conversations.enums import ConversationStatus, SenderKind
from kefu.conversations.models import Conversation, Message
from kefu.customers.enums import Platform
from kefu.customers.models import Customer, CustomerIdentity, CustomerNote, Tag
from kefu.inboxes.enums import ChannelType
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
from kefu.orders.enums import OrderStatus
from kefu.orders.models import Order, OrderItem

from .content import dialogues as dialogue_content
from .content import people
from .content import products as product_content

SEED = 20261123
PASSWORD = "kefu-demo-2026"
SHOP_TZ = ZoneInfo("Asia/Shanghai")
BATCH = 500

PRESALE_TEAM = "售前组"
AFTERSALE_TEAM = "售后组"

# username, display name, role, team ("" none), lead, capacity, staff, superuser, sees contacts
USERS = [
    ("admin", "管理员", Role.ADMIN, "", False, 8, True, True, True),
    ("wang", "王主管", Role.SUPERVISOR, "both", True, 5, True, False, True),
    ("xiaomei", "小美", Role.AGENT, PRESALE_TEAM, False, 10, False, False, False),
    ("xiaoli", "小丽", Role.AGENT, PRESALE_TEAM, False, 8, False, False, False),
    ("ahua", "阿华", Role.AGENT, AFTERSALE_TEAM, False, 8, False, False, True),
    ("aqiang", "阿强", Role.AGENT, AFTERSALE_TEAM, False, 6, False, False, True),
]
USERNAMES = [row[0] for row in USERS]

# name, channel, public key, teams, bot on, e-mail address
INBOXES = [
    ("官网在线客服", ChannelType.WEB, "demo-web", [PRESALE_TEAM, AFTERSALE_TEAM], True, ""),
    ("客服邮箱", ChannelType.EMAIL, "demo-email", [PRESALE_TEAM, AFTERSALE_TEAM], False, "service@demo-shop.example"),
    ("客服热线", ChannelType.PHONE, "demo-phone", [AFTERSALE_TEAM], False, ""),
    ("淘宝店铺接入", ChannelType.API, "demo-taobao", [PRESALE_TEAM, AFTERSALE_TEAM], False, ""),
]
MARKER_INBOX = "demo-web"
INBOX_KEYS = [row[2] for row in INBOXES]

TAGS = {
    "回头客": "#16a34a",
    "讲价型": "#d97706",
    "VIP": "#b45309",
    "高价值": "#dc2626",
    "投诉过": "#7c3aed",
    "拍下不买型": "#64748b",
    "企业采购": "#2563eb",
    "新客": "#0891b2",
}


def demo_anchor() -> dt.datetime:
    """Midnight today in Shanghai, so no demo date lies in the future; every date is an offset from it."""
    today = dt.datetime.now(SHOP_TZ).date()
    return dt.datetime.combine(today, dt.time(0, 0), tzinfo=SHOP_TZ)


def _say(stdout, text: str) -> None:
    if stdout is not None:
        stdout.write(text + "\n")


def _demo_member_names() -> list[str]:
    """Return the demo customers' Taobao member names: the first thing the seeded generator draws."""
    return [spec.member_name for spec in generate_customers(random.Random(SEED), demo_anchor())]


def _demo_customers():
    return Customer.objects.filter(
        identities__platform=Platform.TAOBAO, identities__external_id__in=_demo_member_names()
    ).distinct()


def _knowledge():
    from .content import knowledge  # written alongside; imported late so a missing file names itself

    return knowledge


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


def demo_delete(*, stdout=None) -> None:
    """Delete the demo's rows, found by their fixed keys, leaving the shop's own data alone."""
    knowledge = _knowledge()
    customer_ids = list(_demo_customers().values_list("pk", flat=True))
    Conversation.objects.filter(Q(customer_id__in=customer_ids) | Q(inbox__public_key__in=INBOX_KEYS)).delete()
    Order.objects.filter(customer_id__in=customer_ids).delete()
    Customer.objects.filter(pk__in=customer_ids).delete()
    Tag.objects.filter(name__in=list(TAGS)).delete()
    FaqEntry.objects.filter(question__in=[f["question"] for f in knowledge.FAQ]).delete()
    Phrase.objects.filter(shortcut__in=[p["shortcut"] for p in knowledge.PHRASES]).delete()
    ForbiddenRule.objects.filter(pattern__in=[r["pattern"] for r in knowledge.FORBIDDEN_RULES]).delete()
    ObjectionScript.objects.filter(answer__in=[o["answer"] for o in knowledge.OBJECTIONS]).delete()
    ClosingTechnique.objects.filter(kind__in=[c["kind"] for c in knowledge.CLOSING]).delete()
    AfterSalesRule.objects.filter(code__in=[r["code"] for r in knowledge.AFTER_SALES_RULES]).delete()
    Playbook.objects.filter(problem__in=[p["problem"] for p in knowledge.PLAYBOOKS]).delete()
    Product.objects.filter(sku__in=[p["sku"] for p in product_content.PRODUCTS]).delete()
    Category.objects.filter(name__in=product_content.CATEGORIES, products__isnull=True).delete()
    Inbox.objects.filter(public_key__in=INBOX_KEYS).delete()
    Team.objects.filter(name__in=[PRESALE_TEAM, AFTERSALE_TEAM]).delete()
    User.objects.filter(username__in=USERNAMES).delete()
    _say(stdout, "已删除旧的演示数据")


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


def _fields(model, row: dict) -> dict:
    names = {f.name for f in model._meta.concrete_fields} - {"id"}
    return {k: v for k, v in row.items() if k in names}


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


def _load_team(stdout) -> tuple[dict[str, User], dict[str, Team]]:
    teams = {
        PRESALE_TEAM: Team.objects.get_or_create(name=PRESALE_TEAM, defaults={"description": "售前咨询、议价、催付"})[0],
        AFTERSALE_TEAM: Team.objects.get_or_create(name=AFTERSALE_TEAM, defaults={"description": "物流、退换货、投诉与回访"})[0],
    }
    password_hash = make_password(PASSWORD)  # hashed once: the slow part of creating users
    users = {}
    for username, display, role, team, lead, capacity, staff, superuser, contacts in USERS:
        user, created = User.objects.get_or_create(
            username=username,
            defaults={
                "display_name": display, "role": role, "capacity": capacity, "is_staff": staff,
                "is_superuser": superuser, "can_view_contact": contacts, "password": password_hash,
                "email": f"{username}@demo-shop.example",
            },
        )
        users[username] = user
        for name in ([PRESALE_TEAM, AFTERSALE_TEAM] if team == "both" else [team] if team else []):
            team_add_member(team=teams[name], user=user, is_lead=lead)
    _say(stdout, f"账号 {len(users)} 个，团队 {len(teams)} 个")
    return users, teams


def _load_inboxes(teams: dict[str, Team], stdout) -> dict[str, Inbox]:
    inboxes = {}
    for name, channel, key, team_names, bot, email in INBOXES:
        inbox, _ = Inbox.objects.get_or_create(
            public_key=key, defaults={"name": name, "channel": channel, "bot_enabled": bot, "email_address": email}
        )
        inbox.teams.add(*[teams[t] for t in team_names])
        inboxes[key] = inbox
    _say(stdout, f"接入渠道 {len(inboxes)} 个")
    return inboxes


def _load_catalog(stdout) -> dict[str, Product]:
    categories = {name: Category.objects.get_or_create(name=name)[0] for name in product_content.CATEGORIES}
    existing = set(Product.objects.filter(sku__in=[p["sku"] for p in product_content.PRODUCTS]).values_list("sku", flat=True))
    Product.objects.bulk_create(
        [
            Product(**{**_fields(Product, row), "category": categories[row["category"]], "price": Decimal(row["price"])})
            for row in product_content.PRODUCTS
            if row["sku"] not in existing
        ]
    )
    products = {p.sku: p for p in Product.objects.filter(sku__in=[p["sku"] for p in product_content.PRODUCTS])}
    _say(stdout, f"商品 {len(products)} 个，类目 {len(categories)} 个")
    return products


def _load_knowledge(products: dict[str, Product], stdout) -> None:
    knowledge = _knowledge()
    have_questions = set(FaqEntry.objects.values_list("question", flat=True))
    faq = [
        FaqEntry(**_fields(FaqEntry, row), product=products.get(row.get("product_sku") or ""))
        for row in knowledge.FAQ
        if row["question"] not in have_questions
    ]
    FaqEntry.objects.bulk_create(faq)
    # Rows the shop already has (same key) are kept as they are.
    for model, rows, key in [
        (Phrase, knowledge.PHRASES, "shortcut"),
        (ForbiddenRule, knowledge.FORBIDDEN_RULES, "pattern"),
        (ObjectionScript, knowledge.OBJECTIONS, "answer"),
        (ClosingTechnique, knowledge.CLOSING, "kind"),
        (AfterSalesRule, knowledge.AFTER_SALES_RULES, "code"),
        (Playbook, knowledge.PLAYBOOKS, "problem"),
    ]:
        have = set(model.objects.values_list(key, flat=True))
        model.objects.bulk_create([model(**_fields(model, row)) for row in rows if row[key] not in have])
    _say(
        stdout,
        f"知识库：常见问答 {len(knowledge.FAQ)} 条，快捷短语 {len(knowledge.PHRASES)} 条，禁语规则 {len(knowledge.FORBIDDEN_RULES)} 条，"
        f"异议话术 {len(knowledge.OBJECTIONS)} 条，促成技巧 {len(knowledge.CLOSING)} 条，"
        f"售后制度 {len(knowledge.AFTER_SALES_RULES)} 条，售后预案 {len(knowledge.PLAYBOOKS)} 个",
    )


def _insert_customers(rng, specs: list[CustomerSpec], tags: dict[str, Tag], users: dict[str, User], stdout) -> list[Customer]:
    customers = Customer.objects.bulk_create([spec.customer for spec in specs], batch_size=BATCH)
    identities, notes, links = [], [], []
    through = Customer.tags.through
    note_authors = [users[u] for u in ("xiaomei", "xiaoli", "ahua", "aqiang", "wang")]
    for spec, customer in zip(specs, customers, strict=True):
        identities.append(CustomerIdentity(customer=customer, platform=Platform.TAOBAO, external_id=spec.member_name))
        identities.append(CustomerIdentity(customer=customer, platform=Platform.PHONE, external_id=customer.phone))
        if customer.email:
            identities.append(CustomerIdentity(customer=customer, platform=Platform.EMAIL, external_id=customer.email))
        if spec.visitor_id:
            identities.append(CustomerIdentity(customer=customer, platform=Platform.WIDGET, external_id=spec.visitor_id))
        for name in spec.tags:
            links.append(through(customer_id=customer.pk, tag_id=tags[name].pk))
        for body in spec.notes:
            notes.append(CustomerNote(customer=customer, author=note_authors[rng.randrange(len(note_authors))], body=body))
    CustomerIdentity.objects.bulk_create(identities, batch_size=BATCH)
    through.objects.bulk_create(links, batch_size=BATCH)
    CustomerNote.objects.bulk_create(notes, batch_size=BATCH)
    _say(stdout, f"客户 {len(customers)} 位（身份 {len(identities)} 条，标签 {len(links)} 个，备注 {len(notes)} 条）")
    return customers


def _insert_orders(specs, customers: list[Customer], products: dict[str, Product], stdout) -> list[Order]:
    orders = []
    for spec in specs:
        order = spec.order
        order.customer = customers[spec.customer_index]
        orders.append(order)
    Order.objects.bulk_create(orders, batch_size=BATCH)
    items = []
    for spec, order in zip(specs, orders, strict=True):
        for sku, title, quantity, unit_price in spec.lines:
            items.append(OrderItem(order=order, product=products[sku], title=title, sku=sku, quantity=quantity, unit_price=unit_price))
    OrderItem.objects.bulk_create(items, batch_size=BATCH)
    _say(stdout, f"订单 {len(orders)} 笔（商品行 {len(items)} 条）")
    return orders


def _insert_conversations(specs, customers, orders, inboxes, teams, agents, stdout) -> None:
    by_display = {u.display_name: u for group in agents.values() for u in group}
    team_of = {"presale": teams[PRESALE_TEAM], "aftersale": teams[AFTERSALE_TEAM]}
    conversations = []
    for spec in specs:
        conversation = spec.conversation
        conversation.customer = customers[spec.customer_index]
        conversation.inbox = inboxes[spec.inbox_key]
        conversation.team = team_of[spec.team]
        conversation.assignee = by_display.get(spec.assignee) if spec.assignee else None
        conversation.order = orders[spec.order_index] if spec.order_index is not None else None
        conversations.append(conversation)
    Conversation.objects.bulk_create(conversations, batch_size=BATCH)
    messages = []
    for spec, conversation in zip(specs, conversations, strict=True):
        for seq, (kind, body, at) in enumerate(spec.messages, start=1):
            messages.append(
                Message(
                    conversation=conversation, seq=seq, sender_kind=kind, body=body, created_at=at,
                    sender_user=conversation.assignee if kind == SenderKind.AGENT else None,
                )
            )
    Message.objects.bulk_create(messages, batch_size=BATCH)
    resolved = sum(1 for c in conversations if c.status == ConversationStatus.RESOLVED)
    _say(stdout, f"历史会话 {len(conversations)} 个（已解决 {resolved} 个，消息 {len(messages)} 条）")



# ---------------------------------------------------------------------------------------------
# Generation: plain Python objects, drawn in a fixed order from one random generator.
# ---------------------------------------------------------------------------------------------

CENT = Decimal("0.01")
PAID_STATUSES = {"paid", "shipped", "delivered", "completed", "refunding", "refunded"}
# status -> (share of orders in %, placed between this many days ago and that many)
ORDER_STATUS_MIX = {
    OrderStatus.COMPLETED: (55, 9, 365),
    OrderStatus.DELIVERED: (8, 2.5, 12),
    OrderStatus.SHIPPED: (7, 0.8, 5),
    OrderStatus.PAID: (5, 0.05, 1.8),
    OrderStatus.UNPAID: (8, 0.02, 2.5),
    OrderStatus.CLOSED: (9, 0.3, 365),
    OrderStatus.REFUNDED: (5, 6, 365),
    OrderStatus.REFUNDING: (3, 2, 20),
}
# Online shopping peaks in the evening; weight per hour of the day.
HOUR_WEIGHTS = [1.2, 0.6, 0.3, 0.2, 0.2, 0.3, 0.6, 1.2, 2, 3, 3.5, 3.5, 3, 3, 3, 3, 3, 3, 3.5, 4, 5, 5.5, 5, 3]
PRODUCT_WEIGHTS = {"CHL-12KW": 0.25, "UAV-F40": 0.04, "AFG-2100": 1.2, "AFG-2000": 0.9}
BUYER_MESSAGES = [
    "请尽快发货，谢谢", "不要放快递柜，送货上门", "送人的，不要放价格单", "麻烦帮忙检查一下再发",
    "周末不在家，请工作日送", "麻烦发顺丰，运费已补", "包装结实一点，谢谢",
]
SELLER_NOTES = ["已送收纳袋", "客户要求顺丰", "VIP客户优先发货", "地址已电话确认", "开票信息已记录"]
GREETINGS = [
    "亲，欢迎光临小店～我是客服{agent}，很高兴为您服务😊",
    "您好，我是{agent}，请问有什么可以帮您的吗？",
    "亲亲您好，{agent}在线为您服务，请稍等马上回复您哦～",
]
QUEUE_GREETING = "亲，欢迎光临小店～客服马上为您服务，请稍候😊"
EMAIL_ACK = "您好，您的邮件已收到，我们会在24小时内回复您。——客服团队"
# template topic -> (order time the chat follows, days after it from, to)
CHAT_AFTER = {
    "payment": ("placed_at", 0.0005, 0.004),
    "logistics": ("shipped_at", 0.5, 4),
    "late_delivery": ("shipped_at", 1.5, 4),
    "returns": ("delivered_at", 0.2, 6),
    "transport_damage": ("delivered_at", 0.02, 2),
    "wrong_or_missing": ("delivered_at", 0.05, 3),
    "quality": ("delivered_at", 1, 30),
    "service": ("delivered_at", 1, 10),
    "not_as_imagined": ("delivered_at", 0.1, 5),
    "review": ("completed_at", 0.1, 6),
}
CHAT_AFTER_BY_KEY = {
    "payment_invoice": ("paid_at", 0.01, 12),
    "logistics_address_change": ("paid_at", 0.01, 0.5),
    "return_refused_trad": ("delivered_at", 25, 45),
    "payment_unpaid_reminder": ("placed_at", 0.02, 0.2),
}


@dataclass
class CustomerSpec:
    customer: Customer
    member_name: str
    order_suffix: str
    visitor_id: str = ""
    tags: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


@dataclass
class OrderSpec:
    order: Order
    customer_index: int
    lines: list[tuple[str, str, int, Decimal]]


@dataclass
class ConversationSpec:
    conversation: Conversation
    customer_index: int
    inbox_key: str
    team: str
    assignee: str | None
    order_index: int | None
    messages: list[tuple[str, str, dt.datetime]]


def _weighted(rng: random.Random, weights: dict):
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _days_ago(anchor: dt.datetime, rng: random.Random, low: float, high: float) -> dt.datetime:
    """Pick a moment between low and high days before the anchor, at a shopper's hour of the day."""
    days = low + (high - low) * rng.random() ** 1.3
    hour = rng.choices(range(24), weights=HOUR_WEIGHTS)[0]
    day = anchor.date() - dt.timedelta(days=int(days))
    moment = dt.datetime.combine(day, dt.time(hour, rng.randrange(60), rng.randrange(60)), tzinfo=SHOP_TZ)
    return moment if moment < anchor - dt.timedelta(minutes=5) else moment - dt.timedelta(days=1)


def generate_customers(rng: random.Random, anchor: dt.datetime) -> list[CustomerSpec]:
    """Draw 300 people; their member names identify the demo customers later."""
    surname_weights = [1 / (i + 4) for i in range(len(people.SURNAMES))]
    provinces = list(people.PROVINCE_WEIGHTS)
    used_members, used_phones, used_emails, used_suffixes = set(), set(), set(), set()
    specs = []
    for _ in range(300):
        gender = rng.choices(["female", "male", ""], weights=[52, 45, 3])[0]
        given = people.GIVEN_NAMES_FEMALE if gender == "female" else people.GIVEN_NAMES_MALE if gender == "male" else (
            people.GIVEN_NAMES_FEMALE + people.GIVEN_NAMES_MALE
        )
        name = rng.choices(people.SURNAMES, weights=surname_weights)[0] + rng.choice(given)
        age = min(70, max(18, int(rng.gauss(34, 10))))
        month, day = rng.randint(1, 12), rng.randint(1, 28)
        year = anchor.year - age - (1 if (month, day) > (anchor.month, anchor.day) else 0)
        province = rng.choices(provinces, weights=[people.PROVINCE_WEIGHTS[p] for p in provinces])[0]
        city = rng.choice(list(people.PROVINCES[province]))
        street = rng.choice(people.PROVINCES[province][city])
        address = (
            f"{street}{rng.randint(1, 888)}号{rng.choice(people.COMMUNITIES)}"
            f"{rng.randint(1, 32)}栋{rng.randint(1, 4)}单元{rng.randint(1, 33)}{rng.randint(1, 4):02d}室"
        )
        while (phone := rng.choice(people.PHONE_PREFIXES) + f"{rng.randrange(10**8):08d}") in used_phones:
            pass
        used_phones.add(phone)
        while True:
            pattern = rng.randrange(4)
            word = rng.choice(people.NICK_WORDS)
            member = (
                f"{word}{rng.randint(10, 9999)}" if pattern == 0 else f"tb{rng.randrange(10**9, 10**10)}" if pattern == 1
                else f"{name}{rng.randint(1960, 2006)}" if pattern == 2 else f"{word}_{rng.choice('abcdefghjkmnpqrstwxyz')}{rng.randint(1, 999)}"
            )
            if member not in used_members:
                used_members.add(member)
                break
        email = ""
        if rng.random() < 0.45:
            domain = rng.choice(people.EMAIL_DOMAINS)
            local = str(rng.randint(10**7, 4 * 10**9)) if domain in ("qq.com", "foxmail.com") else (
                rng.choice(["sunny", "happy", "lucky", "tiger", "panda", "xiaoyu", "chenchen", "lele", "dandan", "weiwei", "ahui", "mumu"])
                + str(rng.randint(1, 9999))
            )
            email = f"{local}@{domain}" if f"{local}@{domain}" not in used_emails else ""
            used_emails.add(email)
        while (suffix := f"{rng.randrange(10**4):04d}") in used_suffixes:
            pass
        used_suffixes.add(suffix)
        marketing = rng.random() < 0.6
        customer = Customer(
            name=name, gender=gender, birthday=dt.date(year, month, day), province=province, city=city,
            address=address, phone=phone, email=email, hobbies=rng.sample(people.HOBBIES, rng.randint(1, 3)),
            need_type=rng.choices(["functional", "emotional", "combined", ""], weights=[50, 15, 25, 10])[0],
            buying_behaviour=rng.choices(["buyer", "polite", "social", "bargainer", "non_payer", ""], weights=[35, 20, 15, 15, 5, 10])[0],
            temperament=rng.choices(["decisive", "cold", "lively", "troublesome", ""], weights=[30, 15, 25, 10, 20])[0],
            consent_marketing=marketing, consent_sms=marketing and rng.random() < 0.8,
            consent_email=bool(email) and rng.random() < 0.7,
        )
        specs.append(CustomerSpec(customer=customer, member_name=member, order_suffix=suffix))
    return specs


def _tracking_number(rng: random.Random, carrier: str) -> str:
    prefix, length, _weight = people.CARRIERS[carrier]
    return prefix + "".join(str(rng.randrange(10)) for _ in range(length - len(prefix)))


def generate_orders(rng: random.Random, anchor: dt.datetime, customers: list[CustomerSpec], catalog: list[dict]) -> list[OrderSpec]:
    """Draw 3,000 orders over the last year, each with times, amounts and parcel fitting its status."""
    base_weights = [rng.lognormvariate(0, 1.0) for _ in customers]
    non_payer = [spec.customer.buying_behaviour == "non_payer" for spec in customers]
    statuses = {status: share for status, (share, _low, _high) in ORDER_STATUS_MIX.items()}
    product_weights = [PRODUCT_WEIGHTS.get(p["sku"], 10 if float(p["price"]) < 150 else 6) for p in catalog]
    carriers = {name: weight for name, (_prefix, _length, weight) in people.CARRIERS.items()}
    used_numbers = set()
    specs = []
    for _ in range(3000):
        status = _weighted(rng, statuses)
        unwilling = status in (OrderStatus.UNPAID, OrderStatus.CLOSED)
        weights = [w * (6 if unwilling and np else 1) for w, np in zip(base_weights, non_payer, strict=True)]
        index = rng.choices(range(len(customers)), weights=weights)[0]
        customer = customers[index].customer
        _share, low, high = ORDER_STATUS_MIX[status]
        placed = _days_ago(anchor, rng, low, high)

        first = catalog[rng.choices(range(len(catalog)), weights=product_weights)[0]]
        lines_wanted = 1 if first["sku"] in PRODUCT_WEIGHTS else rng.choices([1, 2, 3], weights=[70, 22, 8])[0]
        chosen = [first]
        while len(chosen) < lines_wanted:
            extra = catalog[rng.choices(range(len(catalog)), weights=product_weights)[0]]
            if extra["sku"] not in PRODUCT_WEIGHTS and extra not in chosen:
                chosen.append(extra)
        lines = []
        for product in chosen:
            price = Decimal(product["price"])
            quantity = 1 if price > 150 else rng.choices([1, 2, 3], weights=[80, 15, 5])[0]
            lines.append((product["sku"], product["name"], quantity, price))
        total = sum((price * quantity for _sku, _title, quantity, price in lines), Decimal("0"))
        discount = Decimal("0")
        if first["sku"] in ("CHL-12KW", "UAV-F40") and rng.random() < 0.5:
            discount = (total * Decimal(rng.choice(["0.03", "0.05"]))).quantize(CENT)
        elif rng.random() < 0.4:
            for threshold, cut in ((1000, rng.choice([50, 100])), (299, rng.choice([20, 30])), (99, 10), (49, 5)):
                if total >= threshold:
                    discount = Decimal(cut)
                    break
        shipping = Decimal("6.00") if total < 49 and rng.random() < 0.5 else Decimal("0")

        paid_at = shipped_at = delivered_at = completed_at = closed_at = None
        if status in PAID_STATUSES:
            paid_at = placed + dt.timedelta(seconds=rng.randint(20, 2700))
            shipped = status in ("shipped", "delivered", "completed") or (
                status in ("refunding", "refunded") and rng.random() < 0.55
            )
            if shipped:
                late = rng.random() < 0.08
                shipped_at = paid_at + dt.timedelta(hours=rng.uniform(49, 96) if late else rng.uniform(3, 40))
                if status != "shipped" and (status != "refunding" or rng.random() < 0.7):
                    delivered_at = shipped_at + dt.timedelta(hours=rng.uniform(20, 110))
            if status == "completed":
                completed_at = delivered_at + dt.timedelta(hours=rng.uniform(6, 230))
            if status == "refunded":
                closed_at = (delivered_at or paid_at) + dt.timedelta(hours=rng.uniform(12, 160))
        elif status == "closed":
            closed_at = placed + dt.timedelta(minutes=rng.uniform(10, 4320))
        placed, paid_at, shipped_at, delivered_at, completed_at, closed_at = (
            t.replace(microsecond=0) if t else None for t in (placed, paid_at, shipped_at, delivered_at, completed_at, closed_at)
        )
        times = [t for t in (placed, paid_at, shipped_at, delivered_at, completed_at, closed_at) if t]
        excess = max(times) - (anchor - dt.timedelta(minutes=10))
        if excess > dt.timedelta(0):  # keep the whole story in the past, in order
            shift = excess + dt.timedelta(minutes=rng.uniform(5, 240))
            placed, paid_at, shipped_at, delivered_at, completed_at, closed_at = (
                t - shift if t else None for t in (placed, paid_at, shipped_at, delivered_at, completed_at, closed_at)
            )
        carrier = tracking = ""
        if shipped_at:
            carrier = "顺丰速运" if first["sku"] in PRODUCT_WEIGHTS and rng.random() < 0.7 else _weighted(rng, carriers)
            tracking = _tracking_number(rng, carrier)
        while True:
            number = str(rng.randint(1, 4)) + "".join(
                str(rng.randrange(10)) for _ in range(rng.choices([13, 14], weights=[25, 75])[0])
            ) + customers[index].order_suffix
            if number not in used_numbers:
                used_numbers.add(number)
                break
        family = rng.random() < 0.1
        receiver = customer.name[:-1] + rng.choice(people.GIVEN_NAMES_FEMALE + people.GIVEN_NAMES_MALE) if family else customer.name
        place = customer.province + (customer.city if customer.city != customer.province else "") + customer.address
        platform = "shop" if first["sku"] in ("CHL-12KW", "UAV-F40") else rng.choices(["taobao", "shop", "douyin"], weights=[85, 10, 5])[0]
        order = Order(
            number=number, platform=platform, status=status, total_amount=total, discount_amount=discount,
            shipping_fee=shipping, paid_amount=(total - discount + shipping) if paid_at else Decimal("0"),
            placed_at=placed, paid_at=paid_at, shipped_at=shipped_at, delivered_at=delivered_at,
            completed_at=completed_at, closed_at=closed_at,
            promised_ship_by=paid_at + dt.timedelta(hours=48) if paid_at else None,
            carrier=carrier, tracking_number=tracking, receiver_name=receiver,
            receiver_phone=customer.phone, shipping_address=place,
            buyer_message=rng.choice(BUYER_MESSAGES) if rng.random() < 0.12 else "",
            seller_note=rng.choice(SELLER_NOTES) if rng.random() < 0.06 else "",
        )
        specs.append(OrderSpec(order=order, customer_index=index, lines=lines))
    specs.sort(key=lambda s: s.order.placed_at)
    return specs


def _fill(text: str, values: dict[str, str]) -> str:
    for key, value in values.items():
        text = text.replace("{" + key + "}", value)
    return text


def generate_conversations(
    rng: random.Random,
    anchor: dt.datetime,
    customers: list[CustomerSpec],
    orders: list[OrderSpec],
    templates: list[dict],
    products: dict[str, dict],
    agents: dict[str, list[str]],
) -> list[ConversationSpec]:
    """Draw 500 past chats from the templates, tied to customers, orders and agents that fit."""
    by_status: dict[str, list[int]] = defaultdict(list)
    by_status_sku: dict[tuple[str, str], list[int]] = defaultdict(list)
    for i, spec in enumerate(orders):
        by_status[spec.order.status].append(i)
        for sku, *_rest in spec.lines:
            by_status_sku[(spec.order.status, sku)].append(i)
    ordinary = [p for sku, p in products.items() if sku not in PRODUCT_WEIGHTS]
    weights = [1.3 if t["team"] == "presale" and t["topic"] != "chitchat" else 0.6 if t["topic"] == "chitchat" else 1.0 for t in templates]
    specs = []
    while len(specs) < 500:
        recent = len(specs) < 40  # the newest chats make the open and pending queue
        template = templates[rng.choices(range(len(templates)), weights=weights)[0]]
        order_index = None
        if template["needs_order"]:
            statuses = template.get("order_statuses", list(PAID_STATUSES))
            pool = [i for s in statuses for i in (by_status_sku[(s, template["product_sku"])] if template["product_sku"] else by_status[s])]
            if not pool:
                continue
            order_index = rng.choice(pool)
            order = orders[order_index].order
            after, low, high = CHAT_AFTER_BY_KEY.get(template["key"]) or CHAT_AFTER.get(template["topic"], ("placed_at", 0.01, 1))
            base = getattr(order, after) or order.delivered_at or order.shipped_at or order.paid_at or order.placed_at
            start = (base + dt.timedelta(days=rng.uniform(low, high))).replace(microsecond=0)
            if recent:
                if base + dt.timedelta(days=high) < anchor - dt.timedelta(hours=36):
                    continue
                start = max(base + dt.timedelta(minutes=2), anchor - dt.timedelta(seconds=rng.randint(3600, 108000)))
            if start > anchor - dt.timedelta(hours=1) or (recent and start < anchor - dt.timedelta(hours=36)):
                continue
            customer_index = orders[order_index].customer_index
            product_name = products[template["product_sku"]]["name"] if template["product_sku"] else orders[order_index].lines[0][1]
        else:
            customer_index = rng.randrange(len(customers))
            start = _days_ago(anchor, rng, 0.05, 1.4) if recent else _days_ago(anchor, rng, 0.5, 365)
            product_name = products[template["product_sku"]]["name"] if template["product_sku"] else rng.choice(ordinary)["name"]
            order = None
        chat = _chat(rng, template, start, customer_index, order_index, order, product_name, customers, agents)
        if chat.messages[-1][2] > anchor - dt.timedelta(minutes=5):
            continue
        specs.append(chat)
    # The newest chats are still in the queue: a few open, a few waiting for the customer.
    newest = sorted(range(len(specs)), key=lambda i: specs[i].messages[0][2], reverse=True)[:40]
    for rank, i in enumerate(newest):
        if rank % 3 == 0:
            _make_open(rng, specs[i], unassigned=rank % 2 == 0)
        elif rank % 3 == 1 and rank < 30:
            conversation = specs[i].conversation
            conversation.status, conversation.resolved_at, conversation.conversion, conversation.lost_reason = "pending", None, "", ""
    return specs


def _chat(rng, template, start, customer_index, order_index, order, product_name, customers, agents) -> ConversationSpec:
    team = template["team"]
    assignee = agents["supervisor"][0] if template["topic"] == "service" else rng.choice(agents[team])
    inbox_key = rng.choices(["demo-taobao", "demo-web", "demo-email"], weights=[60, 33, 7 if team == "aftersale" else 2])[0]
    values = {
        "name": customers[customer_index].customer.name, "product": product_name, "agent": assignee,
        "order": order.number if order else "", "carrier": order.carrier if order else "", "tracking": order.tracking_number if order else "",
    }
    messages, at = [], start
    previous = None
    for n, (kind, text) in enumerate(template["turns"]):
        if n:
            if kind == previous:
                at += dt.timedelta(seconds=rng.randint(5, 40))
            elif kind == SenderKind.CUSTOMER:
                at += dt.timedelta(seconds=rng.randint(15, 180) if rng.random() < 0.9 else rng.randint(300, 1800))
            elif kind == SenderKind.BOT:
                at += dt.timedelta(seconds=rng.randint(1, 3))
            else:
                at += dt.timedelta(seconds=rng.randint(8, 75))
        messages.append((kind, _fill(text, values), at))
        if n == 0 and kind == SenderKind.CUSTOMER:  # the system greets within seconds
            at += dt.timedelta(seconds=rng.randint(5, 40))
            greeting = EMAIL_ACK if inbox_key == "demo-email" else _fill(rng.choice(GREETINGS), values)
            messages.append((SenderKind.SYSTEM, greeting, at))
            kind = SenderKind.SYSTEM
        previous = kind
    conversation = Conversation(
        status=ConversationStatus.RESOLVED, subject=template["subject"],
        priority=1 if template["topic"] in ("service", "late_delivery", "transport_damage", "wrong_or_missing") else 0,
        conversion=template["conversion"], lost_reason=template["lost_reason"],
    )
    spec = ConversationSpec(conversation, customer_index, inbox_key, team, assignee, order_index, messages)
    _stamp(rng, spec, resolved=True)
    return spec


def _stamp(rng, spec: ConversationSpec, *, resolved: bool) -> None:
    """Set the KPI times from the messages, as the live services would have."""
    c, messages = spec.conversation, spec.messages
    first_customer = next(at for kind, _body, at in messages if kind == SenderKind.CUSTOMER)
    c.created_at = messages[0][2]
    c.first_customer_message_at = first_customer
    c.first_response_at = next((at for kind, _b, at in messages if kind != SenderKind.CUSTOMER and at >= first_customer), None)
    first_agent = next((at for kind, _b, at in messages if kind == SenderKind.AGENT and at >= first_customer), None)
    c.first_agent_response_at = first_agent
    if spec.assignee:
        first_agent_any = next((at for kind, _b, at in messages if kind == SenderKind.AGENT), messages[-1][2])
        c.assigned_at = max(c.created_at, first_agent_any - dt.timedelta(seconds=rng.randint(2, 6)))
    c.last_activity_at = messages[-1][2]
    c.last_customer_message_at = max(at for kind, _b, at in messages if kind == SenderKind.CUSTOMER)
    c.last_seq = len(messages)
    c.resolved_at = messages[-1][2] + dt.timedelta(seconds=rng.randint(60, 1200)) if resolved else None


def _make_open(rng, spec: ConversationSpec, *, unassigned: bool) -> None:
    """Cut a chat after a customer turn so it waits in the queue for an agent."""
    customer_turns = [i for i, (kind, _b, _at) in enumerate(spec.messages) if kind == SenderKind.CUSTOMER]
    later = [i for i in customer_turns if i > customer_turns[0]]
    keep = customer_turns[0] + 2 if unassigned or not later else rng.choice(later) + 1
    spec.messages = spec.messages[:keep]
    if any(kind == SenderKind.AGENT for kind, _b, _at in spec.messages):
        unassigned = False
    if unassigned:
        spec.assignee = None
        spec.messages = [(k, QUEUE_GREETING if k == SenderKind.SYSTEM else b, at) for k, b, at in spec.messages]
    c = spec.conversation
    c.status, c.conversion, c.lost_reason = ConversationStatus.OPEN, "", ""
    c.assigned_at = None
    _stamp(rng, spec, resolved=False)


def _finish_customers(rng, anchor, customers: list[CustomerSpec], orders: list[OrderSpec], chats: list[ConversationSpec]) -> None:
    """Classify customers from what they bought and said, and date them before their first visit."""
    spend = [Decimal("0")] * len(customers)
    count = [0] * len(customers)
    first_seen: list[dt.datetime | None] = [None] * len(customers)
    last_order: list[dt.datetime | None] = [None] * len(customers)
    business = [False] * len(customers)
    for spec in orders:
        i, order = spec.customer_index, spec.order
        count[i] += 1
        if order.status in ("paid", "shipped", "delivered", "completed"):
            spend[i] += order.paid_amount
        first_seen[i] = min(filter(None, [first_seen[i], order.placed_at]))
        last_order[i] = max(filter(None, [last_order[i], order.placed_at]))
        business[i] = business[i] or spec.lines[0][0] in ("CHL-12KW", "UAV-F40")
    complained = set()
    for chat in chats:
        i = chat.customer_index
        first_seen[i] = min(filter(None, [first_seen[i], chat.messages[0][2]]))
        if chat.conversation.priority:
            complained.add(i)
        if chat.inbox_key == "demo-web" and not customers[i].visitor_id:
            customers[i].visitor_id = "v_" + "".join(rng.choice("0123456789abcdef") for _ in range(16))
    ranked = sorted(range(len(customers)), key=lambda i: spend[i], reverse=True)
    rank_of = {i: r for r, i in enumerate(ranked)}
    for i, spec in enumerate(customers):
        c = spec.customer
        if count[i]:
            c.value_level = "high" if rank_of[i] < 60 else "medium" if rank_of[i] < 180 else "low"
            recent_days = (anchor - last_order[i]).days
            c.loyalty = "churned" if recent_days > 180 else "loyal" if count[i] >= 8 and recent_days < 90 else "potential"
        seen = first_seen[i] or anchor - dt.timedelta(days=rng.uniform(1, 300))
        c.created_at = seen - dt.timedelta(days=rng.uniform(0, 40), minutes=rng.uniform(1, 600))
        if c.consent_marketing or c.consent_sms or c.consent_email:
            c.consent_updated_at = c.created_at
        tags = []
        if count[i] >= 8:
            tags.append("回头客")
        if rank_of[i] < 15 and count[i]:
            tags.append("VIP")
        if c.value_level == "high":
            tags.append("高价值")
        if c.buying_behaviour == "bargainer":
            tags.append("讲价型")
        if c.buying_behaviour == "non_payer":
            tags.append("拍下不买型")
        if i in complained:
            tags.append("投诉过")
        if business[i]:
            tags.append("企业采购")
        if count[i] == 1 and (anchor - first_seen[i]).days < 30:
            tags.append("新客")
        spec.tags = tags
        if rng.random() < 0.22:
            spec.notes = [rng.choice(people.AGENT_NOTES)]
