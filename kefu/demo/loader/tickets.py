"""The demo shop's after-sales history: tickets of every type over the last twelve months.

Drawn from its own ``random.Random`` (seeded from the demo's SEED) over the demo's orders in
a fixed order, so every load of the same day gives the same tickets, returns, refunds,
compensations and timelines. Written with bulk_create: a few hundred tickets in well under
a second. Refunds stay within what each order paid; timelines follow the workflow's map.
"""

from __future__ import annotations

import datetime as dt
import random
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Q

from kefu.accounts.models import Team, User
from kefu.catalog.models import Category
from kefu.conversations.models import Conversation
from kefu.knowledge.models import AfterSalesRule, Playbook
from kefu.orders.enums import (
    CompensationKind,
    CompensationStatus,
    CompensationTrigger,
    RefundStatus,
    ReturnKind,
    ReturnResolution,
    ReturnStatus,
)
from kefu.orders.models import Compensation, CompensationPolicy, Order, Refund, ReturnItem, ReturnRequest
from kefu.tickets.enums import (
    ComplaintCause,
    TicketChannel,
    TicketEventAction,
    TicketPriority,
    TicketStatus,
    TicketType,
)
from kefu.tickets.models import ChecklistTick, Ticket, TicketComment, TicketEvent
from kefu.tickets.selectors import CAUSE_PLAYBOOK, TYPE_PLAYBOOK, playbook_items

from .constants import AFTERSALE_TEAM, BATCH, SEED
from .tickets_settings import tickets_settings_delete, tickets_settings_load

TICKETS_PER_MONTH = 22
DAY = dt.timedelta(days=1)
HOUR = dt.timedelta(hours=1)
CENT = Decimal("0.01")

# name, trigger, min days late, category ("" any), carrier ("" any), kind, value, at most, supervisor above
COMPENSATION_POLICIES = [
    ("延迟1天：5元无门槛券", CompensationTrigger.LATE_DELIVERY, 1, "", "", CompensationKind.COUPON, "5", None, "50"),
    ("延迟3天：退实付5%（最多50元）", CompensationTrigger.LATE_DELIVERY, 3, "", "", CompensationKind.REFUND_PERCENT, "5", "50", "30"),
    ("顺丰延迟2天：补偿10元", CompensationTrigger.LATE_DELIVERY, 2, "", "顺丰速运", CompensationKind.FIXED_AMOUNT, "10", None, "50"),
    ("大件设备延迟3天：退实付2%", CompensationTrigger.LATE_DELIVERY, 3, "储能温控设备", "", CompensationKind.REFUND_PERCENT, "2", "500", "100"),
    ("运输破损：10元券安抚", CompensationTrigger.TRANSPORT_DAMAGE, 0, "", "", CompensationKind.COUPON, "10", None, "50"),
    ("错发漏发：补偿5元", CompensationTrigger.WRONG_OR_MISSING, 0, "", "", CompensationKind.FIXED_AMOUNT, "5", None, "50"),
]
POLICY_NAMES = [row[0] for row in COMPENSATION_POLICIES]

# type: weight, priority weights, (subject, description) templates; {item} is the first item's title
TYPE_CONTENT: dict[str, tuple[int, list[tuple[str, str]]]] = {
    TicketType.LATE_DELIVERY: (16, [
        ("快递一直没到，催件", "买家反映下单快一周了物流还没更新，{carrier}{tracking}显示停在中转站。"),
        ("超过承诺时间未送达", "承诺{promised}前送达，至今未收到，买家很着急，要求说明原因。"),
    ]),
    TicketType.TRANSPORT_DAMAGE: (12, [
        ("收到时外箱破损，{item}磕坏", "买家签收后发现外箱压扁，{item}外壳有裂痕，已拍照。"),
        ("运输途中损坏", "{item}到货时包装破损，配件散落，买家要求换新。"),
    ]),
    TicketType.WRONG_OR_MISSING: (10, [
        ("少发配件", "买家说{item}的包装里少了说明书和数据线。"),
        ("发错颜色/型号", "买家下单的是{item}，收到的型号不一致。"),
    ]),
    TicketType.NOT_AS_DESCRIBED: (8, [
        ("与描述不符，想退货", "买家认为{item}实物比图片小，和想象中差距大。"),
        ("色差明显", "买家反映{item}颜色和详情页图片差别很大。"),
    ]),
    TicketType.QUALITY: (12, [
        ("使用几天出现故障", "{item}用了三天就无法开机，买家怀疑质量问题，已提供视频。"),
        ("{item}有异响", "买家反映{item}运行时有明显异响，要求检测。"),
    ]),
    TicketType.RETURN: (9, [("七天无理由退货", "买家不想要了，{item}未拆封，申请七天无理由退货。")]),
    TicketType.EXCHANGE: (6, [("申请换货", "买家想把{item}换成另一个规格，商品完好。")]),
    TicketType.REFUND: (6, [("申请仅退款", "买家说{item}少了一件，申请部分退款。")]),
    TicketType.TECHNICAL: (8, [
        ("使用咨询：{item}怎么设置", "买家不会设置{item}，需要指导操作步骤。"),
        ("连接/配对问题", "买家的{item}无法和手机配对，想要详细教程。"),
    ]),
    TicketType.REPAIR: (5, [("保修期内维修", "{item}使用半年后出现故障，买家申请保修维修。")]),
    TicketType.COMPLAINT: (6, [
        ("投诉：客服承诺未兑现", "买家投诉之前客服答应补发赠品，到现在没收到。"),
        ("投诉：售后处理太慢", "买家投诉售后处理拖了好几天，情绪激动，威胁给差评。"),
    ]),
    TicketType.SERVICE_ATTITUDE: (4, [("对客服态度不满", "买家认为客服回复生硬、敷衍，要求主管处理。")]),
    TicketType.OTHER: (3, [("发票问题", "买家需要开具增值税专用发票，提供了公司信息。")]),
}
COMPLAINT_CAUSES = [
    (ComplaintCause.BROKEN_PROMISE, 3), (ComplaintCause.SERVICE, 3), (ComplaintCause.PRODUCT_QUALITY, 2),
    (ComplaintCause.COMMUNICATION, 2), (ComplaintCause.EXPECTATION_GAP, 2), (ComplaintCause.POLICY, 1),
]  # fmt: skip
RMA_KIND = {
    TicketType.RETURN: ReturnKind.RETURN,
    TicketType.EXCHANGE: ReturnKind.EXCHANGE,
    TicketType.REFUND: ReturnKind.REFUND_ONLY,
    TicketType.TRANSPORT_DAMAGE: ReturnKind.EXCHANGE,
    TicketType.QUALITY: ReturnKind.RETURN,
    TicketType.NOT_AS_DESCRIBED: ReturnKind.RETURN,
    TicketType.WRONG_OR_MISSING: ReturnKind.REFUND_ONLY,
}
REPLIES = {
    "first": ["您好，非常抱歉给您带来不便，我是售后{agent}，马上为您核实处理。", "亲，您的问题已收到，{agent}这边立即跟进，请稍等。"],
    "waiting_customer": ["麻烦您拍一下商品和外包装的照片发给我们，方便尽快处理。", "请问方便提供一下问题的视频吗？"],
    "waiting_carrier": ["已联系{carrier}核实，催促网点尽快派送，有进展第一时间通知您。", "已转仓库核对发货记录，稍后给您答复。"],
    "resolved": ["已为您处理完毕，后续有任何问题随时联系我们。", "问题已解决，给您添麻烦了，感谢您的理解和支持！"],
    "note": ["买家情绪较激动，注意安抚。", "已核对聊天记录，当时客服介绍无夸大。", "网点爆仓，快递预计延迟1-2天。", "老客户，优先处理。"],
}
FOLLOW_UP_ANSWERS = ["已经解决了，谢谢", "满意，处理很快", "可以，没问题了"]


def _say(stdout, text: str) -> None:
    if stdout is not None:
        stdout.write(text + "\n")


def _weighted(rng: random.Random, pairs):
    values, weights = zip(*pairs, strict=True)
    return rng.choices(values, weights=weights)[0]


def _load_policies() -> list[CompensationPolicy]:
    categories = {category.name: category for category in Category.objects.all()}
    policies = []
    for name, trigger, days, category, carrier, kind, value, at_most, supervisor_above in COMPENSATION_POLICIES:
        policy, _created = CompensationPolicy.objects.get_or_create(
            name=name,
            defaults={
                "trigger": trigger, "min_days_late": days, "category": categories.get(category), "carrier": carrier, "kind": kind,
                "value": Decimal(value), "max_amount": Decimal(at_most) if at_most else None,
                "requires_supervisor_above": Decimal(supervisor_above),
            },
        )  # fmt: skip
        policies.append(policy)
    return policies


def _local_date(moment: dt.datetime, tz) -> dt.date:
    return moment.astimezone(tz).date()


def _promise_deliveries(orders: list[Order], tz) -> None:
    """Give every paid order the arrival date promised at sale: four days after payment, 20:00."""
    changed = []
    for order in orders:
        if order.paid_at and order.promised_delivery_by is None:
            day = _local_date(order.paid_at, tz) + 4 * DAY
            order.promised_delivery_by = dt.datetime.combine(day, dt.time(20, 0), tzinfo=tz)
            changed.append(order)
    Order.objects.bulk_update(changed, ["promised_delivery_by"], batch_size=BATCH)


def _is_late(order: Order, anchor: dt.datetime, tz) -> bool:
    if not order.promised_delivery_by or not order.shipped_at:
        return False
    arrived = order.delivered_at or anchor
    return _local_date(arrived, tz) > _local_date(order.promised_delivery_by, tz)


def _steps(rng: random.Random, created: dt.datetime, waiting: str | None) -> list[tuple[str, dt.datetime]]:
    """Draw a ticket's whole life as (status, time) steps after creation; the caller cuts it at the present."""
    at = created + dt.timedelta(hours=rng.uniform(0.1, 2))
    steps = [(TicketStatus.ASSIGNED, at)]
    at += dt.timedelta(hours=rng.uniform(0.05, 1))
    steps.append((TicketStatus.IN_PROGRESS, at))
    if waiting:
        at += dt.timedelta(hours=rng.uniform(0.5, 6))
        steps.append((waiting, at))
        at += dt.timedelta(hours=rng.uniform(4, 40))
        steps.append((TicketStatus.IN_PROGRESS, at))
    at += dt.timedelta(hours=rng.uniform(1, 20) if rng.random() < 0.85 else rng.uniform(20, 72))
    steps.append((TicketStatus.RESOLVED, at))
    at += 3 * DAY
    steps.append((TicketStatus.FOLLOW_UP, at))
    if rng.random() < 0.05:  # the customer says it is not solved: reopened once
        at += dt.timedelta(hours=rng.uniform(2, 20))
        steps.append((TicketStatus.IN_PROGRESS, at))
        at += dt.timedelta(hours=rng.uniform(5, 48))
        steps.append((TicketStatus.RESOLVED, at))
        at += 3 * DAY
        steps.append((TicketStatus.FOLLOW_UP, at))
    at += dt.timedelta(hours=rng.uniform(2, 30))
    steps.append((TicketStatus.CLOSED, at))
    return steps


def _money(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def demo_tickets_load(*, anchor: dt.datetime, orders: list[Order], users: dict[str, User], stdout=None) -> dict[str, int]:
    """Write the after-sales history of the demo's orders; returns the counts written."""
    from kefu.orders.services import compensation_amount, compensation_evidence, compensation_policy_match

    tickets_settings_load()
    rng = random.Random(SEED + 5)
    tz = anchor.tzinfo
    team = Team.objects.get(name=AFTERSALE_TEAM)
    agents = [users["ahua"], users["aqiang"]]
    supervisor = users["wang"]
    _load_policies()
    rules = {rule.code: rule for rule in AfterSalesRule.objects.all()}
    playbooks = {playbook.problem: playbook for playbook in Playbook.objects.all()}
    _promise_deliveries(orders, tz)
    paid = sorted((o for o in orders if o.paid_at and o.paid_amount > 0), key=lambda o: (o.placed_at, o.number))
    lines: dict[int, list] = {}
    from kefu.orders.models import OrderItem

    for item in OrderItem.objects.filter(order__in=paid).select_related("product__category").order_by("id"):
        lines.setdefault(item.order_id, []).append(item)
    conversation_of = dict(
        Conversation.objects.filter(order__in=paid).order_by("created_at").values_list("order_id", "pk")
    )
    delivered = [o for o in paid if o.delivered_at]
    late = [o for o in paid if _is_late(o, anchor, tz)]
    pools = {TicketType.LATE_DELIVERY: late or [o for o in paid if o.shipped_at]}
    for ticket_type in (TicketType.COMPLAINT, TicketType.SERVICE_ATTITUDE, TicketType.OTHER):
        pools[ticket_type] = paid
    types = list(TYPE_CONTENT)
    weights = [TYPE_CONTENT[t][0] for t in types]
    total = TICKETS_PER_MONTH * 12
    plan = types * 2 + rng.choices(types, weights=weights, k=total - 2 * len(types))
    used: set[int] = set()
    specs = []
    for ticket_type in plan:
        pool = pools.get(ticket_type, delivered)
        for _attempt in range(12):
            order = pool[rng.randrange(len(pool))]
            if order.pk not in used and lines.get(order.pk):
                break
        else:
            continue
        if ticket_type == TicketType.LATE_DELIVERY:
            created = order.promised_delivery_by + dt.timedelta(hours=rng.uniform(14, 60))
        elif ticket_type in (TicketType.COMPLAINT, TicketType.SERVICE_ATTITUDE, TicketType.OTHER):
            created = order.paid_at + dt.timedelta(hours=rng.uniform(2, 240))
        else:
            created = order.delivered_at + dt.timedelta(hours=rng.uniform(2, 120 if ticket_type != TicketType.REPAIR else 2000))
        created = created.replace(microsecond=0)
        if created >= anchor - HOUR or created < anchor - 365 * DAY:
            continue
        used.add(order.pk)
        specs.append((created, ticket_type, order))
    specs.sort(key=lambda spec: (spec[0], spec[2].number))

    existing = set(Ticket.objects.filter(created_at__gte=anchor - 400 * DAY).values_list("number", flat=True))
    sequence: dict[str, int] = {}
    tickets, stories = [], []
    for created, ticket_type, order in specs:
        day = "T" + created.astimezone(tz).strftime("%Y%m%d")
        sequence[day] = sequence.get(day, 0) + 1
        while f"{day}{sequence[day]:04d}" in existing:
            sequence[day] += 1
        first = lines[order.pk][0]
        subject, description = rng.choice(TYPE_CONTENT[ticket_type][1])
        values = {
            "item": first.title[:20], "carrier": order.carrier or "快递", "tracking": order.tracking_number,
            "promised": order.promised_delivery_by.astimezone(tz).strftime("%m月%d日") if order.promised_delivery_by else "约定时间",
        }  # fmt: skip
        cause = _weighted(rng, COMPLAINT_CAUSES) if ticket_type == TicketType.COMPLAINT else ""
        if ticket_type == TicketType.SERVICE_ATTITUDE:
            cause = ComplaintCause.SERVICE
        priority = _weighted(
            rng, [(TicketPriority.URGENT, 5), (TicketPriority.HIGH, 30 if ticket_type == TicketType.COMPLAINT else 18), (TicketPriority.NORMAL, 65), (TicketPriority.LOW, 10)]
        )
        waiting = None
        if rng.random() < 0.4:
            waiting = TicketStatus.WAITING_CARRIER if ticket_type in (TicketType.LATE_DELIVERY, TicketType.WRONG_OR_MISSING) else TicketStatus.WAITING_CUSTOMER
        steps = [(status, at) for status, at in _steps(rng, created, waiting) if at < anchor - dt.timedelta(minutes=5)]
        if rng.random() < 0.05 and len(steps) > 2:  # a few stall before being picked up
            steps = steps[: rng.randrange(0, 2)]
        assignee = agents[rng.randrange(2)] if steps else None
        status = steps[-1][0] if steps else TicketStatus.NEW
        stamp = {s: at for s, at in steps}
        resolved_at = max((at for s, at in steps if s == TicketStatus.RESOLVED), default=None)
        reopened = sum(1 for i, (s, _at) in enumerate(steps) if s == TicketStatus.IN_PROGRESS and i and steps[i - 1][0] == TicketStatus.FOLLOW_UP)
        channel = TicketChannel.CONVERSATION if order.pk in conversation_of else _weighted(
            rng, [(TicketChannel.WORKBENCH, 5), (TicketChannel.WEB_FORM, 3), (TicketChannel.API, 1)]
        )
        ticket = Ticket(
            number=f"{day}{sequence[day]:04d}", type=ticket_type, cause=cause, priority=priority, status=status, channel=channel,
            subject=subject.format(**values), description=description.format(**values), customer_id=order.customer_id, order=order,
            product_id=first.product_id, conversation_id=conversation_of.get(order.pk) if channel == TicketChannel.CONVERSATION else None,
            team=team, assignee=assignee, created_at=created, updated_at=steps[-1][1] if steps else created,
            assigned_at=stamp.get(TicketStatus.ASSIGNED), first_response_at=stamp.get(TicketStatus.IN_PROGRESS),
            resolved_at=resolved_at if status in (TicketStatus.RESOLVED, TicketStatus.FOLLOW_UP, TicketStatus.CLOSED) else None,
            closed_at=stamp.get(TicketStatus.CLOSED), reopened_count=reopened,
        )  # fmt: skip
        tickets.append(ticket)
        stories.append((ticket, order, first, steps, waiting))
    Ticket.objects.bulk_create(tickets, batch_size=BATCH)
    Ticket.items.through.objects.bulk_create(
        [Ticket.items.through(ticket_id=ticket.pk, orderitem_id=first.pk) for ticket, _o, first, _s, _w in stories], batch_size=BATCH
    )

    comments, events, ticks, rmas, rma_items, refunds, compensations = [], [], [], [], [], [], []
    pending_events = []  # (event, comment) pairs: the comment's id is known after its insert
    finished = (TicketStatus.RESOLVED, TicketStatus.FOLLOW_UP, TicketStatus.CLOSED)

    def event(ticket, action, at, actor=None, from_status="", to_status="", comment=None, **params):
        row = TicketEvent(ticket=ticket, actor=actor, action=action, from_status=from_status, to_status=to_status, params=params, created_at=at)
        (pending_events.append((row, comment)) if comment is not None else events.append(row))

    def reply(ticket, at, body, author, *, internal=False, rule=None):
        comment = TicketComment(ticket=ticket, author=author, body=body, is_internal=internal, cited_rule=rule, created_at=at)
        comments.append(comment)
        event(ticket, TicketEventAction.NOTE_ADDED if internal else TicketEventAction.COMMENTED, at, author, comment=comment)
        return comment

    for ticket, order, first, steps, _waiting in stories:
        agent = ticket.assignee
        fill = {"agent": agent.display_name if agent else "", "carrier": order.carrier or "快递"}
        actor_created = agent if ticket.channel in (TicketChannel.WORKBENCH, TicketChannel.CONVERSATION) else None
        event(ticket, TicketEventAction.CREATED, ticket.created_at, actor_created, to_status=TicketStatus.NEW, channel=ticket.channel)
        previous = TicketStatus.NEW
        for status, at in steps:
            if status == TicketStatus.ASSIGNED:
                event(ticket, TicketEventAction.ASSIGNED, at, agent, assignee=str(agent), assignee_id=agent.pk)
            system_step = status in (TicketStatus.FOLLOW_UP, TicketStatus.CLOSED)
            reopening = previous == TicketStatus.FOLLOW_UP and status == TicketStatus.IN_PROGRESS
            event(
                ticket, TicketEventAction.REOPENED if reopening else TicketEventAction.TRANSITIONED, at, None if system_step else agent,
                from_status=previous, to_status=status,
            )  # fmt: skip
            if status == TicketStatus.IN_PROGRESS and previous == TicketStatus.ASSIGNED:
                reply(ticket, at + dt.timedelta(minutes=1), rng.choice(REPLIES["first"]).format(**fill), agent)
                if rng.random() < 0.3:
                    reply(ticket, at + dt.timedelta(minutes=20), rng.choice(REPLIES["note"]), agent, internal=True)
            elif status in (TicketStatus.WAITING_CUSTOMER, TicketStatus.WAITING_CARRIER):
                reply(ticket, at + dt.timedelta(minutes=1), rng.choice(REPLIES[status]).format(**fill), agent)
            elif status == TicketStatus.RESOLVED:
                reply(ticket, at - dt.timedelta(minutes=2), rng.choice(REPLIES["resolved"]), agent)
            previous = status
        started = next((at for status, at in steps if status == TicketStatus.IN_PROGRESS), None)
        if started is None:
            continue
        done = ticket.status in finished
        last = steps[-1][1]

        # the playbook checklist
        problem = CAUSE_PLAYBOOK.get(ticket.cause) if ticket.type == TicketType.COMPLAINT else TYPE_PLAYBOOK.get(ticket.type)
        playbook = playbooks.get(problem)
        if playbook is not None:
            items = playbook_items(playbook)
            count = round(len(items) * rng.uniform(0.5, 0.9)) if done else rng.randint(1, 3)
            for key, section, label in sorted(rng.sample(items, min(count, len(items)))):
                at = started + (last - started) * rng.random()
                ticks.append(ChecklistTick(ticket=ticket, section=section, item_key=key, label=label[:255], done_by=agent, done_at=at))
                event(ticket, TicketEventAction.CHECKLIST_TICKED, at, agent, item=key, label=label)

        available = order.paid_amount
        # returns, exchanges, refunds
        if ticket.type in RMA_KIND and rng.random() < 0.7:
            kind = RMA_KIND[ticket.type]
            at = started + dt.timedelta(minutes=30)
            rma = ReturnRequest(
                order=order, ticket_id=ticket.pk, kind=kind, reason=ticket.subject, requested_by=agent, created_at=at, status=ReturnStatus.REQUESTED
            )
            rma_items.append(ReturnItem(rma=rma, order_item=first, quantity=1))
            history = [ReturnStatus.REQUESTED]
            decline = done and rng.random() < 0.1
            if decline:
                rule = rules.get("AS-02" if ticket.type == TicketType.QUALITY else "AS-01")
                rma.status, rma.decided_by, rma.decided_at, rma.decline_rule = ReturnStatus.DECLINED, agent, at + HOUR, rule
                rma.decline_note = "经核实不符合售后条件"
                history.append(ReturnStatus.DECLINED)
                if rule is not None:
                    body = f"很抱歉，经核实不符合退换条件。\n\n依据本店售后制度 {rule.code}《{rule.title}》：{rule.clause}"
                    comment = reply(ticket, at + HOUR, body, agent, rule=rule)
                    event(ticket, TicketEventAction.DECLINED, at + HOUR, agent, comment=comment, rule=rule.code)
            else:
                rma.status, rma.decided_by, rma.decided_at = ReturnStatus.APPROVED, agent, at + HOUR
                history.append(ReturnStatus.APPROVED)
                span = (last - at) if done else (anchor - at)
                if kind != ReturnKind.REFUND_ONLY and (done or rng.random() < 0.6):
                    rma.return_carrier, rma.return_tracking_number = "顺丰速运", f"SF{rng.randrange(10**12, 10**13)}"
                    rma.shipped_back_at = at + span * 0.3
                    rma.status = ReturnStatus.IN_TRANSIT
                    history.append(ReturnStatus.IN_TRANSIT)
                if done:
                    if kind != ReturnKind.REFUND_ONLY:
                        rma.received_at, rma.inspected_at = at + span * 0.6, at + span * 0.7
                        rma.inspection_passed, rma.inspection_note = True, "外观及功能检查完毕，符合退换条件"
                        history += [ReturnStatus.RECEIVED, ReturnStatus.INSPECTED]
                    rma.status, rma.completed_at = ReturnStatus.COMPLETED, at + span * 0.8
                    history.append(ReturnStatus.COMPLETED)
                    amount = None
                    if kind == ReturnKind.RETURN:
                        rma.resolution, amount = ReturnResolution.FULL_REFUND, min(first.unit_price, available)
                    elif kind == ReturnKind.REFUND_ONLY:
                        rma.resolution, amount = ReturnResolution.PARTIAL_REFUND, min(_money(order.paid_amount * Decimal(str(rng.uniform(0.05, 0.3)))), available)
                    else:
                        rma.resolution = ReturnResolution.EXCHANGE if kind == ReturnKind.EXCHANGE and ticket.type == TicketType.EXCHANGE else ReturnResolution.RESEND
                    if amount and amount > 0:
                        available -= amount
                        approver = agent if amount <= 200 else supervisor
                        refunds.append(
                            Refund(order=order, rma=rma, ticket_id=ticket.pk, amount=amount, reason=str(rma.get_resolution_display()),
                                   status=RefundStatus.ISSUED, requested_by=agent, approved_by=approver, decided_at=rma.completed_at, created_at=rma.completed_at)
                        )  # fmt: skip
                        event(ticket, TicketEventAction.REFUND, rma.completed_at, approver, amount=str(amount), status=RefundStatus.ISSUED)
            rmas.append(rma)
            moments = [rma.created_at, rma.decided_at, rma.shipped_back_at, rma.received_at, rma.inspected_at, rma.completed_at]
            for status, at in zip(history, [m for m in moments if m], strict=False):
                event(ticket, TicketEventAction.RETURN_CHANGED, at, agent, status=status)

        # compensation from the shop's policies
        trigger = {
            TicketType.LATE_DELIVERY: CompensationTrigger.LATE_DELIVERY,
            TicketType.TRANSPORT_DAMAGE: CompensationTrigger.TRANSPORT_DAMAGE,
            TicketType.WRONG_OR_MISSING: CompensationTrigger.WRONG_OR_MISSING,
        }.get(ticket.type)
        if trigger and (trigger == CompensationTrigger.LATE_DELIVERY or rng.random() < 0.3):
            evidence = compensation_evidence(order, at=ticket.created_at)
            policy = compensation_policy_match(trigger=trigger, order=order, days_late=evidence["days_late"])
            if policy is not None:
                amount = compensation_amount(policy, order)
                evidence.update(policy=policy.name, rule=f"{policy.get_kind_display()} {policy.value}", min_days_late=policy.min_days_late)
                at = started + dt.timedelta(minutes=40)
                compensation = Compensation(
                    ticket_id=ticket.pk, order=order, policy=policy, kind=policy.kind, amount=amount, evidence=evidence,
                    requires_supervisor=amount > policy.requires_supervisor_above, proposed_by=agent, created_at=at,
                )  # fmt: skip
                if done:
                    approver = supervisor if compensation.requires_supervisor else agent
                    compensation.approved_by, compensation.decided_at = approver, at + HOUR
                    compensation.status = CompensationStatus.APPROVED
                    if policy.kind != CompensationKind.COUPON and amount <= available:
                        available -= amount
                        refund = Refund(order=order, ticket_id=ticket.pk, amount=amount, reason=f"赔偿：{policy.name}", status=RefundStatus.ISSUED,
                                        requested_by=agent, approved_by=approver, decided_at=at + HOUR, created_at=at + HOUR)  # fmt: skip
                        refunds.append(refund)
                        compensation.refund, compensation.status = refund, CompensationStatus.PAID
                compensations.append(compensation)
                event(ticket, TicketEventAction.COMPENSATION, at, agent, amount=str(amount), status=CompensationStatus.PROPOSED)
                if done:
                    event(ticket, TicketEventAction.COMPENSATION, at + HOUR, compensation.approved_by, amount=str(amount), status=compensation.status)

    TicketComment.objects.bulk_create(comments, batch_size=BATCH)
    for row, comment in pending_events:
        row.params = {**row.params, "comment_id": comment.pk}
        events.append(row)
    TicketEvent.objects.bulk_create(events, batch_size=BATCH)
    ChecklistTick.objects.bulk_create(ticks, batch_size=BATCH)
    ReturnRequest.objects.bulk_create(rmas, batch_size=BATCH)
    for line in rma_items:
        line.rma_id = line.rma.pk
    ReturnItem.objects.bulk_create(rma_items, batch_size=BATCH)
    for refund in refunds:
        refund.rma_id = refund.rma.pk if refund.rma else None
    Refund.objects.bulk_create(refunds, batch_size=BATCH)
    for compensation in compensations:
        compensation.refund_id = compensation.refund.pk if compensation.refund else None
    Compensation.objects.bulk_create(compensations, batch_size=BATCH)
    clocks = _start_recent_clocks(tickets, anchor)
    counts = {
        "tickets": len(tickets), "ticket_events": len(events), "ticket_comments": len(comments), "returns": len(rmas),
        "refunds": len(refunds), "compensations": len(compensations), "sla_clocks": clocks,
    }  # fmt: skip
    _say(stdout, "售后工单 {tickets} 个（时间线 {ticket_events} 条，退换货 {returns} 个，退款 {refunds} 笔，赔偿 {compensations} 笔）".format(**counts))
    return counts


def _start_recent_clocks(tickets: list[Ticket], anchor: dt.datetime) -> int:
    """Start the SLA clocks of the last month's tickets, so lists show live SLA states."""
    from kefu.tickets.sla import sla_start

    started = 0
    for ticket in tickets:
        if ticket.created_at >= anchor - 30 * DAY and sla_start(ticket=ticket) is not None:
            started += 1
    return started


def demo_tickets_delete(*, customer_ids: list[int]) -> None:
    """Delete the demo customers' tickets and money records before their orders (foreign keys protect them)."""
    orders = Q(order__customer_id__in=customer_ids)
    Compensation.objects.filter(orders).delete()
    Refund.objects.filter(orders).delete()
    ReturnRequest.objects.filter(orders).delete()
    Ticket.objects.filter(customer_id__in=customer_ids).delete()
    CompensationPolicy.objects.filter(name__in=POLICY_NAMES, compensations__isnull=True).delete()
    tickets_settings_delete()
