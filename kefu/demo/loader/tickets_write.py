"""One planned ticket written through the services: its steps, replies, checklist, return, money and visits.

Each story becomes steps on the shared ``Timeline``; a step calls one service and stamps what it
wrote with its moment. Replies to the customer are written as ticket comments only (the live
service would also post them into today's chat, which a replayed history must not do).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import random
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import translation

from kefu.accounts.models import Team, User
from kefu.conversations.models import Conversation
from kefu.orders import services as orders
from kefu.orders.enums import ReturnKind, ReturnResolution, ReturnStatus
from kefu.orders.models import Compensation, Refund, ReturnRequest
from kefu.tickets import followups
from kefu.tickets import services as tickets
from kefu.tickets.enums import TicketChannel, TicketEventAction, TicketStatus, TicketType
from kefu.tickets.models import FollowUpVisit, Ticket, TicketComment, TicketEvent
from kefu.tickets.selectors import playbook_items, ticket_playbook
from kefu.tickets.sla import sla_first_response_record

from ..content import aftersales_tickets as content
from .tickets_plan import Story, office_hours
from .tickets_replay import Timeline, tick_stamp, ticket_stamp

MINUTE = dt.timedelta(minutes=1)
HOUR = dt.timedelta(hours=1)
RMA_KIND = {
    TicketType.RETURN: ReturnKind.RETURN, TicketType.EXCHANGE: ReturnKind.EXCHANGE, TicketType.REFUND: ReturnKind.REFUND_ONLY,
    TicketType.TRANSPORT_DAMAGE: ReturnKind.EXCHANGE, TicketType.QUALITY: ReturnKind.RETURN,
    TicketType.NOT_AS_DESCRIBED: ReturnKind.RETURN, TicketType.WRONG_OR_MISSING: ReturnKind.REFUND_ONLY,
}  # fmt: skip
RETURN_CARRIERS = [("顺丰速运", "SF", 13), ("中通快递", "7", 13), ("圆通速递", "YT", 13)]


@dataclasses.dataclass
class Cast:
    """Who works the tickets and what they draw on."""

    team: Team
    agents: list[User]
    supervisor: User
    rules: dict
    conversation_of: dict[int, int]
    customers_with_chats: set[int]


class StoryWriter:
    """Turns one story into steps on the timeline, keeping what later steps need (the ticket, its return, refunds)."""

    def __init__(self, *, story: Story, timeline: Timeline, cast: Cast, rng: random.Random) -> None:
        self.story, self.timeline, self.cast, self.rng = story, timeline, cast, rng
        self.ticket: Ticket | None = None
        self.agent = cast.agents[rng.randrange(len(cast.agents))]
        self.rma: ReturnRequest | None = None
        self.compensation: Compensation | None = None
        self.replied = False
        self.comments: list[TicketComment] = []

    # --- planning -------------------------------------------------------------------------------

    def plan(self) -> None:
        story, rng, timeline = self.story, self.rng, self.timeline
        timeline.at(story.created, self.open)
        started = next((at for status, at in story.steps if status == TicketStatus.IN_PROGRESS), None)
        returning = story.type in RMA_KIND and rng.random() < 0.7
        if returning and started is not None and RMA_KIND[story.type] != ReturnKind.REFUND_ONLY:
            # A parcel sent back takes days: the ticket is resolved once it is back and inspected.
            back = office_hours(started + dt.timedelta(hours=rng.uniform(50, 110)))
            story.steps = [(status, max(at, back) if status == TicketStatus.RESOLVED else at) for status, at in story.steps]
        resolved = next((at for status, at in story.steps if status == TicketStatus.RESOLVED), None)
        for status, at in story.steps:
            timeline.at(at, self.assign if status == "assign" else (lambda when, status=status: self.move(status, when)))
        if started is None:
            return
        end = min(resolved or timeline.cut, timeline.cut)
        playbook_end = resolved - 10 * MINUTE if resolved else end
        self._plan_checklist(started, playbook_end, done=resolved is not None)
        if returning:
            self._plan_return(started, end, done=resolved is not None and resolved <= timeline.cut)
        trigger = orders.TICKET_TYPE_TRIGGER.get(story.type)
        if trigger and story.type != TicketType.QUALITY and (story.type == TicketType.LATE_DELIVERY or rng.random() < 0.3):
            arrived = story.order.delivered_at
            at = office_hours(max(started + 40 * MINUTE, arrived + HOUR)) if arrived else None
            if at is not None and (resolved is None or at < resolved - 30 * MINUTE):
                timeline.at(at, self.propose)
                if resolved is not None:
                    timeline.at(min(office_hours(at + (resolved - at) / 3), resolved - 10 * MINUTE), self.grant)

    def _plan_checklist(self, start: dt.datetime, end: dt.datetime, *, done: bool) -> None:
        self.checklist_window = (start, end, done)
        self.timeline.at(start + 2 * MINUTE, self.tick_items)

    def _plan_return(self, start: dt.datetime, end: dt.datetime, *, done: bool) -> None:
        kind = RMA_KIND[self.story.type]
        at = start + 30 * MINUTE
        approved = at + HOUR
        span = end - approved
        if span <= HOUR:
            return
        at, approved = office_hours(at), office_hours(approved)
        if approved <= at:
            approved = at + HOUR
        self.timeline.at(at, lambda when: self.rma_request(kind, when))
        decline = done and self.rng.random() < 0.12 and self.story.order.customer_id not in self.cast.customers_with_chats
        if decline:
            self.timeline.at(approved, self.rma_decline)
            return
        self.timeline.at(approved, self.rma_approve)
        steps = []
        if kind != ReturnKind.REFUND_ONLY and (done or self.rng.random() < 0.6):
            steps.append((0.2, self.rma_ship_back))
            if done:
                steps += [(0.6, lambda when: self._rma_step(orders.rma_receive, when, received_at=when)), (0.7, self.rma_inspect)]
        if done:
            steps.append((0.85, self.rma_complete))
        previous = approved
        for share, step in steps:  # the warehouse and the agents work by day
            previous = max(office_hours(approved + span * share), previous + 10 * MINUTE)
            self.timeline.at(previous, step)

    # --- the ticket's own steps -------------------------------------------------------------------

    def open(self, when: dt.datetime) -> None:
        story, cast = self.story, self.cast
        conversation_id = cast.conversation_of.get(story.order.pk)
        if conversation_id:
            channel = TicketChannel.CONVERSATION
        else:
            channel = self.rng.choices([TicketChannel.WORKBENCH, TicketChannel.WEB_FORM, TicketChannel.API], weights=[5, 3, 1])[0]
        by_agent = channel in (TicketChannel.WORKBENCH, TicketChannel.CONVERSATION)
        with self.timeline.moment(when):
            self.ticket = tickets.ticket_create(
                actor=self.agent if by_agent else None, customer=story.order.customer, type=story.type, subject=story.subject,
                description=story.description, priority=story.priority, cause=story.cause, order=story.order, items=[story.item],
                conversation=Conversation.objects.get(pk=conversation_id) if conversation_id else None,
                team=cast.team, channel=channel, created_at=when,
            )  # fmt: skip
        self.timeline.created(self.ticket)

    def assign(self, when: dt.datetime) -> None:
        with self.timeline.moment(when):
            self.ticket = tickets.ticket_assign(ticket=self.ticket, actor=self.agent, assignee=self.agent)
        ticket_stamp(self.ticket, when, assigned_at=when)
        self.timeline.transitioned(self.ticket, TicketStatus.NEW, TicketStatus.ASSIGNED, when)

    def move(self, status: str, when: dt.datetime, *, actor: User | None | bool = True, note: str = "") -> None:
        actor = self.agent if actor is True else actor
        before = self.ticket.status
        with self.timeline.moment(when):
            self.ticket = tickets.ticket_transition(ticket=self.ticket, to_status=status, actor=actor, note=note)
        stamps = {"resolved_at": when} if status == TicketStatus.RESOLVED else {"closed_at": when} if status == TicketStatus.CLOSED else {}
        ticket_stamp(self.ticket, when, **stamps)
        reopened = before in (TicketStatus.RESOLVED, TicketStatus.FOLLOW_UP) and status == TicketStatus.IN_PROGRESS
        self.timeline.transitioned(self.ticket, before, status, when, reopened=reopened)
        fill = {"agent": self.agent.display_name, "carrier": self.story.order.carrier or "快递"}
        if status == TicketStatus.IN_PROGRESS and not self.replied:
            self.reply(when + MINUTE, self.rng.choice(content.REPLIES["first"]).format(**fill))
            if self.rng.random() < 0.3:
                notes = content.REPLIES["note_late" if self.story.type == TicketType.LATE_DELIVERY else "note"]
                self.reply(when + 20 * MINUTE, self.rng.choice(notes), internal=True)
        elif status in (TicketStatus.WAITING_CUSTOMER, TicketStatus.WAITING_CARRIER):
            self.reply(when + MINUTE, self.rng.choice(content.REPLIES[status]).format(**fill))
        elif status == TicketStatus.RESOLVED:
            self.reply(when - 2 * MINUTE, self.rng.choice(content.REPLIES["resolved"]))
            self._plan_visit(when)

    def reply(self, when: dt.datetime, body: str, *, internal: bool = False) -> None:
        """Write a reply or note as the agent wrote it; the first reply is the ticket's first response."""
        comment = TicketComment.objects.create(ticket=self.ticket, author=self.agent, body=body, is_internal=internal, created_at=when)
        action = TicketEventAction.NOTE_ADDED if internal else TicketEventAction.COMMENTED
        TicketEvent.objects.create(ticket=self.ticket, actor=self.agent, action=action, params={"comment_id": comment.pk}, created_at=when)
        if not internal and not self.replied:
            self.replied = True
            Ticket.objects.filter(pk=self.ticket.pk, first_response_at=None).update(first_response_at=when)
            self.ticket.first_response_at = when
            sla_first_response_record(ticket=self.ticket, at=when)

    def tick_items(self, when: dt.datetime) -> None:
        start, end, done = self.checklist_window
        playbook = ticket_playbook(self.ticket)
        if playbook is None or end <= start:
            return
        items = playbook_items(playbook)
        count = round(len(items) * self.rng.uniform(0.5, 0.9)) if done else self.rng.randint(1, 3)
        moments = sorted(min(office_hours(start + (end - start) * self.rng.random()), end) for _ in range(min(count, len(items))))
        for (key, _section, _label), at in zip(sorted(self.rng.sample(items, len(moments))), moments, strict=True):
            self.timeline.at(at, lambda moment, key=key: self._tick(key, moment))

    def _tick(self, key: str, when: dt.datetime) -> None:
        with self.timeline.moment(when):
            tick = tickets.ticket_checklist_tick(ticket=self.ticket, actor=self.agent, item_key=key)
        tick_stamp(tick, when)

    # --- returns and money ------------------------------------------------------------------------

    def rma_request(self, kind: str, when: dt.datetime) -> None:
        items = [{"order_item_id": self.story.item.pk, "quantity": 1}]
        with self.timeline.moment(when):
            try:
                self.rma = orders.rma_request(actor=self.agent, order=self.story.order, kind=kind, items=items, reason=self.ticket.subject, ticket=self.ticket)
            except ValidationError:
                return
        ReturnRequest.objects.filter(pk=self.rma.pk).update(created_at=when)
        ticket_stamp(self.ticket, when)

    def _rma_step(self, service, when: dt.datetime, **stamps) -> None:
        if self.rma is None:
            return
        with self.timeline.moment(when):
            try:
                self.rma = service(rma=self.rma, actor=self.agent)
            except ValidationError:
                return
        ReturnRequest.objects.filter(pk=self.rma.pk).update(**stamps)
        ticket_stamp(self.ticket, when)

    def rma_approve(self, when: dt.datetime) -> None:
        self._rma_step(orders.rma_approve, when, decided_at=when)

    def rma_decline(self, when: dt.datetime) -> None:
        if self.rma is None:
            return
        rule = self.cast.rules.get("AS-02" if self.story.type == TicketType.QUALITY else "AS-01")
        with self.timeline.moment(when):
            self.rma = orders.rma_decline(rma=self.rma, actor=self.agent, rule=rule, note="很抱歉，经核实不符合退换条件。")
        ReturnRequest.objects.filter(pk=self.rma.pk).update(decided_at=when)
        TicketComment.objects.filter(ticket=self.ticket, cited_rule=rule).update(created_at=when)
        ticket_stamp(self.ticket, when)

    def rma_ship_back(self, when: dt.datetime) -> None:
        if self.rma is None or self.rma.status != ReturnStatus.APPROVED:
            return
        carrier, prefix, length = self.rng.choice(RETURN_CARRIERS)
        number = prefix + "".join(str(self.rng.randrange(10)) for _ in range(length - len(prefix)))
        service = lambda rma, actor: orders.rma_mark_shipped_back(rma=rma, actor=actor, carrier=carrier, tracking_number=number)  # noqa: E731
        self._rma_step(service, when, shipped_back_at=when)

    def rma_inspect(self, when: dt.datetime) -> None:
        service = lambda rma, actor: orders.rma_inspect(rma=rma, actor=actor, passed=True, note="外观及功能检查完毕，符合退换条件")  # noqa: E731
        self._rma_step(service, when, inspected_at=when)

    def rma_complete(self, when: dt.datetime) -> None:
        rma = self.rma
        if rma is None or rma.status not in (ReturnStatus.APPROVED, ReturnStatus.INSPECTED):
            return
        if rma.kind == ReturnKind.RETURN:
            resolution, amount = ReturnResolution.FULL_REFUND, None
        elif rma.kind == ReturnKind.REFUND_ONLY:
            share = Decimal(str(round(self.rng.uniform(0.05, 0.3), 2)))
            resolution, amount = ReturnResolution.PARTIAL_REFUND, (self.story.item.unit_price * share).quantize(Decimal("0.01"))
        else:
            resolution = ReturnResolution.EXCHANGE if self.story.type == TicketType.EXCHANGE else ReturnResolution.RESEND
            amount = None
        with self.timeline.moment(when):
            try:
                self.rma, refund = orders.rma_complete(rma=rma, actor=self.agent, resolution=resolution, refund_amount=amount)
            except ValidationError:
                return
        ReturnRequest.objects.filter(pk=self.rma.pk).update(completed_at=when)
        ticket_stamp(self.ticket, when)
        if refund is not None:
            self._refund_stamp(refund, when)

    def _refund_stamp(self, refund: Refund, when: dt.datetime) -> None:
        """Stamp a refund; one above the agents' limit waits for the supervisor, who approves it two hours later."""
        Refund.objects.filter(pk=refund.pk).update(created_at=when, decided_at=when if refund.decided_at else None)
        if refund.decided_at is None:
            self.timeline.at(when + 2 * HOUR, lambda moment: self._refund_approve(refund, moment))

    def _refund_approve(self, refund: Refund, when: dt.datetime) -> None:
        with self.timeline.moment(when):
            orders.refund_approve(refund=refund, actor=self.cast.supervisor)
        Refund.objects.filter(pk=refund.pk).update(decided_at=when)
        ticket_stamp(self.ticket, when)

    def propose(self, when: dt.datetime) -> None:
        with self.timeline.moment(when):
            try:
                self.compensation = orders.compensation_propose(ticket=self.ticket, actor=self.agent, at=when)
            except ValidationError:
                return
        Compensation.objects.filter(pk=self.compensation.pk).update(created_at=when)
        ticket_stamp(self.ticket, when)

    def grant(self, when: dt.datetime) -> None:
        compensation = self.compensation
        if compensation is None:
            return
        approver = self.cast.supervisor if compensation.requires_supervisor else self.agent
        with self.timeline.moment(when):
            try:
                compensation = orders.compensation_approve(compensation=compensation, actor=approver)
            except ValidationError:
                return
        Compensation.objects.filter(pk=compensation.pk).update(decided_at=when)
        if compensation.refund_id:
            Refund.objects.filter(pk=compensation.refund_id).update(created_at=when, decided_at=when)
        ticket_stamp(self.ticket, when)

    # --- the follow-up visit (回访) ----------------------------------------------------------------

    def _plan_visit(self, resolved: dt.datetime) -> None:
        """Plan the sending of the visit the resolution scheduled, and the customer's answer or silence."""
        visit = FollowUpVisit.objects.filter(ticket=self.ticket, sent_at=None, cancelled_at=None).order_by("-pk").first()
        if visit is None:
            return
        sent = visit.scheduled_for + dt.timedelta(minutes=self.rng.uniform(0, 1))
        self.timeline.at(sent, lambda when: self.visit_send(visit, when))
        if self.story.reopen_on_visit:
            self.story.reopen_on_visit = False
            self.timeline.at(sent + dt.timedelta(hours=self.rng.uniform(1, 6)), lambda when: self.visit_answer(visit, when, solved=False, rating=2))
        elif self.rng.random() < 0.85:
            rating = self.rng.choices([5, 4, 3], weights=[70, 24, 6])[0]
            self.timeline.at(sent + dt.timedelta(hours=self.rng.uniform(0.5, 30)), lambda when: self.visit_answer(visit, when, solved=True, rating=rating))
        else:
            days = followups.ticket_settings().follow_up_answer_days
            self.timeline.at(sent + dt.timedelta(days=days, minutes=1), lambda when: self.visit_expire(visit, when))

    def visit_send(self, visit: FollowUpVisit, when: dt.datetime) -> None:
        """Mark the visit sent on the customer's channel and move the ticket to follow-up, as the periodic task does.

        The question itself is not posted: in a replayed history it would land in today's chat.
        """
        conversation = followups.customer_conversation(customer=self.story.order.customer, ticket=self.ticket)
        via = "conversation" if conversation is not None else "email" if self.story.order.customer.email else "none"
        FollowUpVisit.objects.filter(pk=visit.pk).update(sent_at=when, sent_via=via)
        notes = {"conversation": "Follow-up visit sent as a chat message.", "email": "Follow-up visit sent by e-mail.",
                 "none": "Follow-up visit due, but the customer has no conversation and no e-mail address."}  # fmt: skip
        with translation.override(settings.LANGUAGE_CODE):
            note = translation.gettext(notes[via])
        self.move(TicketStatus.FOLLOW_UP, when, actor=None, note=note)

    def visit_answer(self, visit: FollowUpVisit, when: dt.datetime, *, solved: bool, rating: int) -> None:
        before = Ticket.objects.values_list("status", flat=True).get(pk=self.ticket.pk)
        comment = self.rng.choice(content.FOLLOW_UP_SOLVED) if solved else content.FOLLOW_UP_NOT_SOLVED
        with self.timeline.moment(when):
            followups.follow_up_answer(visit=visit, solved=solved, rating=rating, comment=comment)
        FollowUpVisit.objects.filter(pk=visit.pk).update(answered_at=when)
        self.ticket.refresh_from_db()
        if solved:
            ticket_stamp(self.ticket, when, closed_at=when)
            self.timeline.transitioned(self.ticket, before, TicketStatus.CLOSED, when)
            return
        ticket_stamp(self.ticket, when)
        self.timeline.transitioned(self.ticket, before, TicketStatus.IN_PROGRESS, when, reopened=True)
        self.reply(when + 40 * MINUTE, "非常抱歉问题还没解决，我这边重新为您跟进，马上安排检测。")
        self.timeline.at(when + dt.timedelta(hours=self.rng.uniform(5, 30)), lambda moment: self.move(TicketStatus.RESOLVED, moment))

    def visit_expire(self, visit: FollowUpVisit, when: dt.datetime) -> None:
        before = Ticket.objects.values_list("status", flat=True).get(pk=self.ticket.pk)
        with self.timeline.moment(when):
            followups.follow_up_expire(visit=visit, now=when)
        self.ticket.refresh_from_db()
        ticket_stamp(self.ticket, when, closed_at=when)
        self.timeline.transitioned(self.ticket, before, TicketStatus.CLOSED, when)
