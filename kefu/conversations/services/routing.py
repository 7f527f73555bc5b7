"""Queues and assignment: per-team queues, routing policies, race-free claiming, transfers and presence."""

from __future__ import annotations

import threading

from django.db import connection, transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kefu.accounts.enums import Presence, RoutingPolicy
from kefu.accounts.models import Team, TeamMembership, User
from kefu.customers.enums import ValueLevel
from kefu.events import event_send_on_commit

from ..enums import ConversationAction, ConversationStatus, Conversion, LostReason, SenderKind
from ..errors import ChatError
from ..events import ConversationResolved, QueuePosition
from ..models import Conversation
from .common import (
    conversation_locked,
    conversation_publish,
    event_record,
    inbox_team_ids,
    message_append,
    visitor_group,
)

HIGH_VALUE_PRIORITY = 10  # high-value customers jump the queue
POSITIONS_SENT = 200  # queue positions are pushed to the first 200 waiting customers
ACTIVE = (ConversationStatus.OPEN, ConversationStatus.PENDING)


def conversation_visible_to_agent(conversation: Conversation, agent: User) -> bool:
    """Agents see the conversations of their teams' inboxes, of their teams, and their own."""
    if not agent.is_active:
        return False
    if agent.is_supervisor_or_admin or conversation.assignee_id == agent.pk:
        return True
    team_ids = agent_team_ids(agent.pk)
    return bool(team_ids & inbox_team_ids(conversation.inbox_id)) or conversation.team_id in team_ids


def agent_team_ids(agent_id: int) -> set[int]:
    """Return the ids of the agent's teams (one statement: it runs for every message an agent sends)."""
    table = connection.ops.quote_name(TeamMembership._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT team_id FROM {table} WHERE user_id = %s", [agent_id])
        return {row[0] for row in cursor.fetchall()}


def _open_load(agent_ids) -> dict[int, int]:
    rows = Conversation.objects.filter(assignee_id__in=list(agent_ids), status=ConversationStatus.OPEN).values("assignee_id").annotate(n=Count("pk"))
    return {row["assignee_id"]: row["n"] for row in rows}


def _candidates(team: Team) -> list[User]:
    """Online active members of the team with room under their capacity, in the policy's order."""
    members = list(User.objects.filter(memberships__team=team, is_active=True, presence=Presence.ONLINE))
    load = _open_load(member.pk for member in members)
    free = [member for member in members if load.get(member.pk, 0) < member.capacity]
    never = timezone.now().replace(year=1970)
    if team.routing_policy == RoutingPolicy.ROUND_ROBIN:
        free.sort(key=lambda member: (member.last_assigned_at or never, member.pk))
    else:
        free.sort(key=lambda member: (load.get(member.pk, 0), member.last_assigned_at or never, member.pk))
    return free


def _previous_agent(conversation: Conversation, candidates: list[User]) -> User | None:
    """Send a returning customer back to the agent who served them last, when that agent is free."""
    previous = (
        Conversation.objects.filter(customer_id=conversation.customer_id, assignee__isnull=False)
        .exclude(pk=conversation.pk)
        .order_by("-last_activity_at")
        .values_list("assignee_id", flat=True)
        .first()
    )
    return next((agent for agent in candidates if agent.pk == previous), None)


def conversation_enqueue(
    conversation: Conversation, *, action: ConversationAction = ConversationAction.QUEUED, actor=None, drain: bool = True
) -> None:
    """Put an unassigned conversation into its team's queue, then (unless the caller drains later) assign what the policy can."""
    now = timezone.now()
    priority = conversation.priority
    if conversation.customer.value_level == ValueLevel.HIGH and priority < HIGH_VALUE_PRIORITY:
        priority = HIGH_VALUE_PRIORITY
    conversation.queued_at, conversation.priority = conversation.queued_at or conversation.waiting_since or now, priority
    Conversation.objects.filter(pk=conversation.pk).update(queued_at=conversation.queued_at, priority=priority, assignee=None)
    conversation.assignee = None
    event_record(conversation, action, actor=actor, team=conversation.team_id)
    if conversation.team_id and drain:
        team_id = conversation.team_id
        _joined.__dict__.setdefault("teams", {}).setdefault(team_id, []).append(conversation.pk)
        transaction.on_commit(lambda: _drain_joined(team_id), robust=True)


_joined = threading.local()  # team id -> conversations that joined its queue in the transaction being committed


def _drain_joined(team_id: int) -> None:
    """Drain a team's queue once for every conversation that joined it in the commit (a batch may hold many)."""
    joined = _joined.__dict__.get("teams", {}).pop(team_id, None)
    if joined:  # else an earlier callback of the same commit drained them
        queue_drain(team_id=team_id, joined=joined)


def assignment_apply(conversation: Conversation, agent: User, *, action: ConversationAction, actor=None, note: str = "") -> bool:
    """Assign if still unassigned (or reassign when ``action`` is a transfer); False when someone else won."""
    now = timezone.now()
    queryset = Conversation.objects.filter(pk=conversation.pk)
    if action in (ConversationAction.ASSIGNED, ConversationAction.CLAIMED):
        queryset = queryset.filter(assignee__isnull=True)
    if not queryset.update(assignee=agent, assigned_at=now, queued_at=None, bot_active=False):
        return False
    User.objects.filter(pk=agent.pk).update(last_assigned_at=now)
    previous = conversation.assignee_id
    conversation.assignee, conversation.assigned_at, conversation.queued_at, conversation.bot_active = agent, now, None, False
    event_record(conversation, action, actor=actor, agent=agent.pk, previous=previous, note=note)
    conversation_publish(conversation, action=action)
    return True


def queue_drain(*, team_id: int, joined: int | list[int] | None = None) -> int:
    """Assign queued conversations of a team to free online agents by its policy; return how many.

    ``joined``: the conversation(s) that just entered the queue. When nothing was assigned, only
    they and those behind them have a new position, so only they are told (a long queue
    otherwise costs one event per waiting customer for every newcomer).
    """
    team = Team.objects.filter(pk=team_id).first()
    if team is None:
        return 0
    assigned = 0
    if team.routing_policy != RoutingPolicy.MANUAL:
        while True:
            candidates = _candidates(team)
            if not candidates:
                break
            head = queue_for(team_id).first()
            if head is None:
                break
            with transaction.atomic():
                conversation = conversation_locked(head.pk)
                if conversation.assignee_id or conversation.queued_at is None:
                    continue
                agent = _previous_agent(conversation, candidates) or candidates[0]
                if assignment_apply(conversation, agent, action=ConversationAction.ASSIGNED):
                    assigned += 1
    queue_positions_send(team_id=team_id, starting_with=None if assigned else joined)
    return assigned


def queue_for(team_id: int):
    """Return the team's waiting queue, first served first: higher priority, then longer waiting."""
    return (
        Conversation.objects.filter(team_id=team_id, assignee__isnull=True, queued_at__isnull=False, status__in=ACTIVE)
        .select_related("visitor")
        .order_by("-priority", "queued_at", "pk")
    )


def queue_positions_send(*, team_id: int, starting_with: int | list[int] | None = None) -> None:
    """Tell waiting customers their place: only the newcomers when they joined at the end, else the first 200."""
    team_name = Team.objects.filter(pk=team_id).values_list("name", flat=True).first() or ""
    if starting_with is not None:
        wanted = [starting_with] if isinstance(starting_with, int) else list(starting_with)
        newcomers = list(queue_for(team_id).filter(pk__in=wanted))
        if newcomers and all(newcomer.priority == 0 for newcomer in newcomers):  # joined at the end: nobody else moved
            for newcomer in newcomers:
                group = visitor_group(newcomer)
                if group:
                    event = QueuePosition(conversation=newcomer.pk, position=queue_position(newcomer), team=team_name)
                    event_send_on_commit(event, groups=[group])
            return
    for position, conversation in enumerate(queue_for(team_id)[:POSITIONS_SENT]):
        group = visitor_group(conversation)
        if group:
            event_send_on_commit(QueuePosition(conversation=conversation.pk, position=position, team=team_name), groups=[group])


def queue_position(conversation: Conversation) -> int | None:
    """How many are ahead of this conversation in its queue; None when it is not queued."""
    if conversation.assignee_id or conversation.queued_at is None or not conversation.team_id:
        return None
    ahead = queue_for(conversation.team_id).filter(
        Q(priority__gt=conversation.priority) | Q(priority=conversation.priority, queued_at__lt=conversation.queued_at)
    )
    return ahead.count()


def conversation_claim(*, conversation: Conversation, agent: User) -> Conversation:
    """Take a queued conversation; of two agents clicking at once exactly one wins, the other is told."""
    if not conversation_visible_to_agent(conversation, agent):
        raise ChatError("not_found", _("This conversation does not exist or is not yours to see."))
    with transaction.atomic():
        conversation = conversation_locked(conversation.pk)
        if conversation.assignee_id == agent.pk:
            return conversation
        if conversation.assignee_id is not None or not assignment_apply(conversation, agent, action=ConversationAction.CLAIMED, actor=agent):
            current = Conversation.objects.select_related("assignee").get(pk=conversation.pk).assignee
            raise ChatError("already_claimed", _("%(agent)s has already taken this conversation.") % {"agent": current or _("Someone")})
        if conversation.team_id:
            transaction.on_commit(lambda: queue_positions_send(team_id=conversation.team_id), robust=True)
    return conversation


def conversation_transfer(
    *, conversation: Conversation, actor: User, to_agent: User | None = None, to_team: Team | None = None, note: str = ""
) -> Conversation:
    """Hand a conversation to another agent or to a team's queue, with a note for the colleague."""
    if (to_agent is None) == (to_team is None):
        raise ChatError("invalid", _("Choose either an agent or a team."))
    if not conversation_visible_to_agent(conversation, actor):
        raise ChatError("not_found", _("This conversation does not exist or is not yours to see."))
    if not (actor.is_supervisor_or_admin or conversation.assignee_id in (None, actor.pk)):
        raise ChatError("forbidden", _("Only the agent serving this conversation or a supervisor can transfer it."))
    note = (note or "").strip()[:500]
    with transaction.atomic():
        conversation = conversation_locked(conversation.pk)
        if to_agent is not None:
            if not to_agent.is_active or to_agent.pk == conversation.assignee_id:
                raise ChatError("invalid", _("Choose another active agent."))
            agent_team_ids = set(to_agent.memberships.values_list("team_id", flat=True))
            if conversation.team_id not in agent_team_ids and agent_team_ids:
                team_id = sorted(agent_team_ids & inbox_team_ids(conversation.inbox_id)) or sorted(agent_team_ids)
                conversation.team_id = team_id[0]
                conversation.team = Team.objects.get(pk=team_id[0])
                Conversation.objects.filter(pk=conversation.pk).update(team_id=team_id[0])
            assignment_apply(conversation, to_agent, action=ConversationAction.TRANSFERRED, actor=actor, note=note)
            target = str(to_agent)
        else:
            conversation.team, conversation.team_id = to_team, to_team.pk
            Conversation.objects.filter(pk=conversation.pk).update(team=to_team, assignee=None, queued_at=None)
            conversation.queued_at = None
            conversation_enqueue(conversation, action=ConversationAction.TRANSFERRED, actor=actor)
            conversation_publish(conversation, action=ConversationAction.TRANSFERRED)
            target = to_team.name
        text = _("%(actor)s transferred the conversation to %(target)s.") % {"actor": actor, "target": target}
        if note:
            text = f"{text} {_('Note:')} {note}"
        message_append(conversation, sender_kind=SenderKind.SYSTEM, body=str(text), sender_user=actor, is_private=True)
    return conversation


def conversation_resolve(*, conversation: Conversation, actor: User) -> Conversation:
    """End the conversation; its agent's capacity frees up for the queue; a new customer message reopens it."""
    if not conversation_visible_to_agent(conversation, actor):
        raise ChatError("not_found", _("This conversation does not exist or is not yours to see."))
    with transaction.atomic():
        conversation = conversation_locked(conversation.pk)
        if conversation.status == ConversationStatus.RESOLVED:
            raise ChatError("illegal_state", _("This conversation is already resolved."))
        if not (actor.is_supervisor_or_admin or conversation.assignee_id in (None, actor.pk)):
            raise ChatError("forbidden", _("Only the agent serving this conversation or a supervisor can resolve it."))
        now = timezone.now()
        conversation.status, conversation.resolved_at, conversation.queued_at, conversation.waiting_since = ConversationStatus.RESOLVED, now, None, None
        Conversation.objects.filter(pk=conversation.pk).update(status=ConversationStatus.RESOLVED, resolved_at=now, queued_at=None, waiting_since=None, unread_count=0)
        event_record(conversation, ConversationAction.RESOLVED, actor=actor)
        conversation_publish(conversation, action=ConversationAction.RESOLVED)
        event_send_on_commit(
            ConversationResolved(conversation_id=conversation.pk, customer_id=conversation.customer_id, actor_id=actor.pk), groups=[]
        )
        for team_id in set(actor.memberships.values_list("team_id", flat=True)) | ({conversation.team_id} - {None}):
            transaction.on_commit(lambda team_id=team_id: queue_drain(team_id=team_id), robust=True)
    return conversation


def conversation_reopen(*, conversation: Conversation, actor: User) -> Conversation:
    if not conversation_visible_to_agent(conversation, actor):
        raise ChatError("not_found", _("This conversation does not exist or is not yours to see."))
    with transaction.atomic():
        conversation = conversation_locked(conversation.pk)
        if conversation.status != ConversationStatus.RESOLVED:
            raise ChatError("illegal_state", _("Only a resolved conversation can be reopened."))
        conversation.status, conversation.resolved_at = ConversationStatus.OPEN, None
        Conversation.objects.filter(pk=conversation.pk).update(status=ConversationStatus.OPEN, resolved_at=None)
        event_record(conversation, ConversationAction.REOPENED, actor=actor)
        if conversation.assignee_id is None:
            conversation_enqueue(conversation, actor=actor)
        conversation_publish(conversation, action=ConversationAction.REOPENED)
    return conversation


def conversation_handover(*, conversation: Conversation, reason: str) -> Conversation:
    """Hand over to a person (转人工) when the customer or the bot asks: join its team's queue."""
    with transaction.atomic():
        conversation = conversation_locked(conversation.pk)
        if conversation.bot_active:  # the agent who takes over reads what the bot saw
            from .bot import bot_reading_post

            bot_reading_post(conversation, reason=reason)
        waited = conversation.waiting_since is not None
        handover_mark(conversation, reason=reason)
        if not waited:
            from .messages import holding_schedule

            holding_schedule(conversation)
        if conversation.status == ConversationStatus.RESOLVED:
            conversation.status = ConversationStatus.OPEN
            Conversation.objects.filter(pk=conversation.pk).update(status=ConversationStatus.OPEN, resolved_at=None)
        if conversation.assignee_id is None and conversation.queued_at is None:
            conversation_enqueue(conversation)
        conversation_publish(conversation, action=ConversationAction.HANDOVER)
    return conversation


def handover_mark(conversation: Conversation, *, reason: str) -> None:
    """Record why a person is needed and take the conversation from the bot (the caller holds its lock)."""
    conversation.handover_reason = (reason or "")[:255]
    conversation.bot_active = False
    updates = {"handover_reason": conversation.handover_reason, "bot_active": False}
    if conversation.waiting_since is None:  # the bot had answered: from now on the customer waits for a person
        conversation.waiting_since = updates["waiting_since"] = timezone.now()
    Conversation.objects.filter(pk=conversation.pk).update(**updates)
    event_record(conversation, ConversationAction.HANDOVER, reason=conversation.handover_reason)


def conversation_conversion_mark(*, conversation: Conversation, actor: User | None, converted: bool, reason: str = "", order_number: str = "") -> Conversation:
    """Mark 成交 or 未成交 with a reason (price, product, other); an order can mark it too (actor None)."""
    if actor is not None and not conversation_visible_to_agent(conversation, actor):
        raise ChatError("not_found", _("This conversation does not exist or is not yours to see."))
    if not converted and reason not in (LostReason.PRICE, LostReason.PRODUCT, LostReason.OTHER):
        raise ChatError("invalid", _("Say why it was not converted: price, product or other."))
    value = Conversion.CONVERTED if converted else Conversion.NOT_CONVERTED
    lost = "" if converted else reason
    with transaction.atomic():
        conversation = conversation_locked(conversation.pk)
        conversation.conversion, conversation.lost_reason = value, lost
        Conversation.objects.filter(pk=conversation.pk).update(conversion=value, lost_reason=lost)
        event_record(conversation, ConversationAction.CONVERSION, actor=actor, conversion=value, reason=lost, order=order_number)
        conversation_publish(conversation, action=ConversationAction.CONVERSION)
    return conversation


def agent_presence_set(*, agent: User, presence: str) -> User:
    """Change an agent's presence; going online drains their queues, going offline returns their open chats to the queue."""
    if presence not in Presence.values:
        raise ChatError("invalid", _("Unknown presence."))
    now = timezone.now()
    User.objects.filter(pk=agent.pk).update(presence=presence, presence_changed_at=now, last_seen_at=now)
    agent.presence, agent.presence_changed_at, agent.last_seen_at = presence, now, now
    team_ids = set(agent.memberships.values_list("team_id", flat=True))
    if presence == Presence.OFFLINE:
        mine = Conversation.objects.filter(assignee=agent, status=ConversationStatus.OPEN).values_list("pk", flat=True)
        for pk in list(mine):
            with transaction.atomic():
                conversation = conversation_locked(pk)
                if conversation.assignee_id != agent.pk:
                    continue
                team_ids.add(conversation.team_id)
                conversation_enqueue(conversation, action=ConversationAction.REQUEUED, drain=False)
                conversation_publish(conversation, action=ConversationAction.REQUEUED)
    for team_id in team_ids - {None}:
        queue_drain(team_id=team_id)
    return agent


def agent_heartbeat(*, agent: User) -> None:
    """Record a sign of life from the workbench, at most every 15 seconds."""
    now = timezone.now()
    if agent.last_seen_at is None or (now - agent.last_seen_at).total_seconds() > 15:
        User.objects.filter(pk=agent.pk).update(last_seen_at=now)
        agent.last_seen_at = now


def presence_sweep(*, stale_after_seconds: int = 90) -> list[int]:
    """Set agents whose workbench went silent offline, which returns their chats to the queue."""
    cutoff = timezone.now() - timezone.timedelta(seconds=stale_after_seconds)
    stale = list(User.objects.exclude(presence=Presence.OFFLINE).filter(Q(last_seen_at__lt=cutoff) | Q(last_seen_at__isnull=True)))
    for agent in stale:
        agent_presence_set(agent=agent, presence=Presence.OFFLINE)
    return [agent.pk for agent in stale]


def conversation_rate(*, conversation: Conversation, score: int, comment: str = "") -> Conversation:
    """Record the customer's satisfaction (1-5) with the conversation; a new rating replaces the old."""
    if not 1 <= score <= 5:
        raise ChatError("invalid", _("Give a score from 1 to 5."))
    with transaction.atomic():
        conversation = conversation_locked(conversation.pk)
        conversation.satisfaction, conversation.satisfaction_comment = score, comment[:500]
        Conversation.objects.filter(pk=conversation.pk).update(satisfaction=score, satisfaction_comment=comment[:500])
        event_record(conversation, ConversationAction.RATED, score=score)
        conversation_publish(conversation, action=ConversationAction.RATED)
    return conversation


def escalation_supervisors(conversation: Conversation) -> list[User]:
    """Return who is alerted about an upset customer: the leads and supervisors of its team, else every supervisor."""
    from kefu.accounts.enums import Role

    supervisor_roles = [Role.SUPERVISOR, Role.ADMIN]
    users = []
    if conversation.team_id:
        users = list(
            User.objects.filter(is_active=True, memberships__team_id=conversation.team_id)
            .filter(Q(memberships__is_lead=True) | Q(role__in=supervisor_roles))
            .distinct()
            .order_by("pk")
        )
    return users or list(User.objects.filter(is_active=True, role__in=supervisor_roles).order_by("pk"))
