"""Reads of conversations, permission-aware: an agent sees only the inboxes of their teams."""

from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet
from django.http import Http404

from kefu.accounts.models import Team, TeamMembership, User
from kefu.inboxes.models import Inbox

from .enums import ConversationStatus
from .models import Conversation, Message


def inboxes_visible_to(user: User) -> QuerySet[Inbox]:
    """Supervisors and admins see every inbox; an agent the inboxes owned by one of their teams."""
    if not user.is_authenticated or not user.is_active:
        return Inbox.objects.none()
    if user.is_supervisor_or_admin:
        return Inbox.objects.all()
    return Inbox.objects.filter(pk__in=Inbox.objects.filter(teams__memberships__user=user).values("pk"))


def conversations_visible_to(user: User) -> QuerySet[Conversation]:
    """Return the conversations the user may see: their teams' inboxes, conversations routed to their teams, their own."""
    if not user.is_authenticated or not user.is_active:
        return Conversation.objects.none()
    if user.is_supervisor_or_admin:
        return Conversation.objects.all()
    team_ids = TeamMembership.objects.filter(user=user).values("team_id")
    return Conversation.objects.filter(Q(inbox_id__in=inboxes_visible_to(user).values("pk")) | Q(team_id__in=team_ids) | Q(assignee=user))


def conversation_counts_for(user: User) -> dict[str, int]:
    """Count the visible open and pending conversations, the unassigned queue and the user's own, in one query."""
    open_, pending = ConversationStatus.OPEN, ConversationStatus.PENDING
    counts = conversations_visible_to(user).aggregate(
        open=Count("pk", filter=Q(status=open_)),
        pending=Count("pk", filter=Q(status=pending)),
        queued=Count("pk", filter=Q(status=open_, assignee__isnull=True)),
        mine_open=Count("pk", filter=Q(status=open_, assignee=user)),
        mine_pending=Count("pk", filter=Q(status=pending, assignee=user)),
    )
    return {key: value or 0 for key, value in counts.items()}


def conversations_recent_for(user: User, *, limit: int = 10) -> list[Conversation]:
    """Return the visible conversations with the latest activity first."""
    queryset = conversations_visible_to(user).select_related("customer", "inbox", "assignee", "team")
    return list(queryset.order_by("-last_activity_at", "-pk")[:limit])


LIST_RELATED = ("customer", "inbox", "assignee", "team", "visitor")


def with_returning(queryset: QuerySet[Conversation]) -> QuerySet[Conversation]:
    """Annotate ``customer_returning`` (回头客): a named customer with an order or another conversation."""
    from kefu.orders.models import Order

    other = Conversation.objects.filter(customer_id=OuterRef("customer_id")).exclude(pk=OuterRef("pk"))
    orders = Order.objects.filter(customer_id=OuterRef("customer_id"))
    return queryset.annotate(customer_returning=Q(customer__name__gt="") & (Exists(orders) | Exists(other)))


def conversation_list_for(user: User, *, tab: str, limit: int = 200) -> list[Conversation]:
    """List for the workbench: mine (open and pending), queue (unassigned, waiting), teams, all (supervisors)."""
    visible = with_returning(conversations_visible_to(user).select_related(*LIST_RELATED))
    active = Q(status__in=[ConversationStatus.OPEN, ConversationStatus.PENDING])
    if tab == "mine":
        queryset = visible.filter(active, assignee=user).order_by("-last_activity_at", "-pk")
    elif tab == "queue":
        queryset = visible.filter(active, assignee__isnull=True).order_by("-priority", F("queued_at").asc(nulls_last=True), "pk")
    elif tab == "teams":
        team_ids = TeamMembership.objects.filter(user=user).values("team_id")
        queryset = visible.filter(active, team_id__in=team_ids).order_by("-last_activity_at", "-pk")
    elif tab == "all" and user.is_supervisor_or_admin:
        queryset = visible.order_by("-last_activity_at", "-pk")
    else:
        return []
    return list(queryset[:limit])


def conversation_get_for(user: User, pk: int) -> Conversation:
    """Return a conversation the user may see, or raise Http404 (never tell whether it exists)."""
    try:
        return conversations_visible_to(user).select_related(*LIST_RELATED).get(pk=pk)
    except (Conversation.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def messages_after(conversation: Conversation, after_seq: int, *, include_private: bool, limit: int = 500) -> list[Message]:
    queryset = conversation.messages.filter(seq__gt=max(int(after_seq or 0), 0)).select_related("sender_user")
    if not include_private:
        queryset = queryset.filter(is_private=False)
    return list(queryset.order_by("seq")[:limit])


def messages_before(conversation: Conversation, before_seq: int, *, include_private: bool, limit: int = 50) -> list[Message]:
    queryset = conversation.messages.filter(seq__lt=int(before_seq)).select_related("sender_user")
    if not include_private:
        queryset = queryset.filter(is_private=False)
    return list(reversed(queryset.order_by("-seq")[:limit]))


def customer_conversations(customer, *, exclude_pk: int | None = None, limit: int = 20) -> list[Conversation]:
    queryset = Conversation.objects.filter(customer=customer).select_related(*LIST_RELATED).order_by("-last_activity_at", "-pk")
    if exclude_pk:
        queryset = queryset.exclude(pk=exclude_pk)
    return list(queryset[:limit])


def _open_counts() -> dict[int, int]:
    rows = Conversation.objects.filter(status=ConversationStatus.OPEN, assignee__isnull=False).values("assignee_id").annotate(n=Count("pk"))
    return {row["assignee_id"]: row["n"] for row in rows}


def agents_for_transfer(user: User) -> list[dict]:
    """Active agents a conversation can go to, with presence and load, online first."""
    counts = _open_counts()
    agents = User.objects.filter(is_active=True).exclude(pk=user.pk).prefetch_related("teams").order_by("username")
    rows = [
        {
            "id": agent.pk,
            "name": str(agent),
            "presence": agent.presence,
            "open_count": counts.get(agent.pk, 0),
            "capacity": agent.capacity,
            "teams": [team.name for team in agent.teams.all()],
        }
        for agent in agents
    ]
    order = {"online": 0, "away": 1, "offline": 2}
    return sorted(rows, key=lambda row: (order.get(row["presence"], 3), row["open_count"]))


def teams_for_transfer(user: User) -> list[dict]:
    from .services.routing import queue_for

    return [{"id": team.pk, "name": team.name, "queued": queue_for(team.pk).count()} for team in Team.objects.order_by("name")]
