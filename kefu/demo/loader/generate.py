"""Generation: plain Python objects, drawn in a fixed order from one random generator.

Nothing here touches the database; the same ``random.Random(SEED)`` and anchor always give
the same customers, orders and conversations.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from kefu.conversations.enums import ConversationStatus, SenderKind
from kefu.conversations.models import Conversation
from kefu.customers.models import Customer
from kefu.orders.enums import OrderStatus
from kefu.orders.models import Order

from ..content import people
from .constants import SHOP_TZ, demo_anchor

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
    c.last_seq = c.last_public_seq = len(messages)
    c.resolved_at = messages[-1][2] + dt.timedelta(seconds=rng.randint(60, 1200)) if resolved else None
    c.last_message_preview, c.last_message_sender_kind = messages[-1][1][:120], messages[-1][0]
    unanswered = 0
    for kind, _body, _at in reversed(messages):
        if kind != SenderKind.CUSTOMER:
            break
        unanswered += 1
    if not resolved and unanswered:
        c.waiting_since, c.unread_count = messages[-unanswered][2], unanswered
    # Only yesterday's and today's unanswered chats wait in the queue; older ones are a backlog seen in
    # the 排队 tab but not routed, so an agent going online is not filled up with months-old chats.
    if not resolved and not spec.assignee and c.last_activity_at >= demo_anchor() - dt.timedelta(days=1):
        c.queued_at = c.waiting_since or c.created_at


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
