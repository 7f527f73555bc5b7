"""The database writes: creating the demo's rows in bulk, and deleting them again."""

from __future__ import annotations

from decimal import Decimal

from django.contrib.auth.hashers import make_password
from django.db.models import Q

from kefu.accounts.models import Team, User
from kefu.accounts.services import team_add_member
from kefu.catalog.models import Category, Product
from kefu.conversations.enums import ConversationStatus, SenderKind
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
    BATCH,
    INBOX_KEYS,
    INBOX_SETTINGS,
    INBOXES,
    PASSWORD,
    PRESALE_TEAM,
    TAGS,
    USERNAMES,
    USERS,
)
from .generate import CustomerSpec
from .query import _demo_customers
from .tickets import demo_tickets_delete

READ_PER_CONVERSATION = 3  # customer messages of each open conversation the assistant reads at load


def _say(stdout, text: str) -> None:
    if stdout is not None:
        stdout.write(text + "\n")


def _knowledge():
    from ..content import knowledge  # written alongside; imported late so a missing file names itself

    return knowledge


def demo_delete(*, stdout=None) -> None:
    """Delete the demo's rows, found by their fixed keys, leaving the shop's own data alone."""
    knowledge = _knowledge()
    customer_ids = list(_demo_customers().values_list("pk", flat=True))
    demo_tickets_delete(customer_ids=customer_ids)  # tickets and refunds hold their orders and customers
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


def _fields(model, row: dict) -> dict:
    names = {f.name for f in model._meta.concrete_fields} - {"id"}
    return {k: v for k, v in row.items() if k in names}


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
            public_key=key, defaults={"name": name, "channel": channel, "bot_enabled": bot, "email_address": email, "settings": INBOX_SETTINGS}
        )
        inbox.teams.set([teams[t] for t in team_names])
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
    _read_open_conversations([c.pk for c in conversations if c.status != ConversationStatus.RESOLVED], stdout)


def _read_open_conversations(conversation_ids: list[int], stdout) -> None:
    """Give the open conversations the assistant's reading of their last customer messages, as live chat would have."""
    from kefu.conversations.services.assist import message_analyse

    read = 0
    for conversation_id in conversation_ids:
        last = Message.objects.filter(conversation_id=conversation_id, sender_kind=SenderKind.CUSTOMER).exclude(body="").order_by("-seq")
        for message_id in list(last.values_list("pk", flat=True)[:READ_PER_CONVERSATION])[::-1]:  # oldest first: the trend builds up
            read += message_analyse(message_id=message_id, act=False) is not None
    _say(stdout, f"智能辅助已分析未结束会话的客户消息 {read} 条")
