"""Reads of conversations, permission-aware: an agent sees only the inboxes of their teams."""

from django.db.models import Count, Q, QuerySet

from kefu.accounts.models import User
from kefu.inboxes.models import Inbox

from .enums import ConversationStatus
from .models import Conversation


def inboxes_visible_to(user: User) -> QuerySet[Inbox]:
    """Supervisors and admins see every inbox; an agent the inboxes owned by one of their teams."""
    if not user.is_authenticated or not user.is_active:
        return Inbox.objects.none()
    if user.is_supervisor_or_admin:
        return Inbox.objects.all()
    return Inbox.objects.filter(pk__in=Inbox.objects.filter(teams__memberships__user=user).values("pk"))


def conversations_visible_to(user: User) -> QuerySet[Conversation]:
    """Return the conversations the user may see; no duplicates when an inbox has several teams."""
    if not user.is_authenticated or not user.is_active:
        return Conversation.objects.none()
    if user.is_supervisor_or_admin:
        return Conversation.objects.all()
    return Conversation.objects.filter(inbox_id__in=inboxes_visible_to(user).values("pk"))


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
