"""The assistant in live chat: read each customer message, keep the reading, escalate, let the bot answer.

A customer message is stored first (the hot path does no text work); after commit a Huey task
runs ``message_analyse``: normalise, emotion, stage and objection, FAQ retrieval and the reply
suggestions (kefu.assist, fed by the knowledge app). The reading is kept as a
``MessageInsight`` row and on the conversation (emotion, its trend, stage); an angry customer's
conversation is raised in the queue and the supervisors are alerted; when the bot serves the
conversation it answers or hands over (``bot.py``). Agents get it all as ``assist.updated``.
"""

from __future__ import annotations

import dataclasses
import unicodedata
from typing import Any, ClassVar

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kefu.assist.emotion import emotion as emotion_read
from kefu.assist.intent import intent as intent_read
from kefu.assist.normalise import normalise
from kefu.assist.suggest import suggest
from kefu.events import Event, event_send_on_commit
from kefu.knowledge.assist_index import knowledge_base_build
from kefu.knowledge.enums import ObjectionKind, SuggestionSource

from ..enums import ConversationAction, Emotion, EmotionTrend, SenderKind, Stage
from ..models import Conversation, Message, MessageInsight
from ..payloads import choice_label, customer_display_name, emotion_view, stage_view
from .common import agent_groups, conversation_locked, conversation_publish, event_record

NEGATIVE = ("angry", "anxious", "disappointed")
ESCALATION_PRIORITY = 20  # added to the queue priority of an angry customer's conversation (high value is +10)
ESCALATION_INTENSITY = 0.8  # a negative emotion this intense escalates too, angry or not
ANGRY_INTENSITY = 0.5  # anger below this is a curt request ("退款！"), not yet a customer to calm
TREND_WINDOW = 3  # the mood of the latest message against the mean of this many before it
TREND_STEP = 0.15
HISTORY_SHOWN = 10
CONTEXT_MESSAGES = 6


@dataclasses.dataclass(frozen=True, kw_only=True)
class CustomerMessageReceived(Event):
    """Sent to the reactions only: a new customer message to read (kefu.reactions)."""

    type: ClassVar[str] = "message.customer_received"
    message_id: int
    conversation_id: int


@dataclasses.dataclass(frozen=True, kw_only=True)
class AssistUpdated(Event):
    type: ClassVar[str] = "assist.updated"
    conversation: int
    assist: dict[str, Any]


def customer_message_received(message: Message) -> None:
    """Have the message read after commit (the caller stored it in the current transaction)."""
    event_send_on_commit(CustomerMessageReceived(message_id=message.pk, conversation_id=message.conversation_id), groups=())


def on_customer_message(event: CustomerMessageReceived) -> None:
    """Reaction: read the message in the task worker, off the chat server's hot path."""
    from ..tasks import message_analyse_task

    message_analyse_task(event.message_id)


def _mood(emotion: str, polarity: float, intensity: float) -> float:
    """Score how bad the customer feels: 0 calm or happy .. 1 furious."""
    if emotion in NEGATIVE:
        return max(intensity, -polarity, 0.0)
    return max(0.0, -polarity) * 0.5


def emotion_trend(scores: list[float]) -> str:
    """Compare the latest mood score with the mean of the ones before it (oldest first)."""
    if len(scores) < 2:
        return EmotionTrend.NONE
    before = scores[-1 - TREND_WINDOW : -1]
    delta = scores[-1] - sum(before) / len(before)
    if delta > TREND_STEP:
        return EmotionTrend.RISING
    if delta < -TREND_STEP:
        return EmotionTrend.FALLING
    return EmotionTrend.STEADY


def _chosen_question(message: Message) -> str:
    """Return the question a bare number picks from the bot's last 猜你想问 list ("2" or "２"), else ""."""
    number = unicodedata.normalize("NFKC", message.body).strip().rstrip(".。")
    if not number.isdigit() or len(number) > 2:
        return ""
    choices = (
        Message.objects.filter(conversation_id=message.conversation_id, seq__lt=message.seq, sender_kind=SenderKind.BOT)
        .order_by("-seq")
        .values_list("choices", flat=True)
        .first()
    )
    index = int(number) - 1
    return choices[index] if choices and 0 <= index < len(choices) else ""


def message_analyse(*, message_id: int, act: bool = True) -> MessageInsight | None:
    """Read one customer message and act on it; idempotent (a message is read once).

    ``act=False`` only keeps the reading (the demo's past conversations): no escalation, no bot
    turn, no events.
    """
    from .bot import bot_turn

    message = Message.objects.select_related("conversation", "conversation__customer", "conversation__assignee").filter(pk=message_id).first()
    if message is None or message.sender_kind != SenderKind.CUSTOMER or not message.body.strip():
        return None
    if MessageInsight.objects.filter(message_id=message_id).exists():
        return None
    conversation = message.conversation
    knowledge = knowledge_base_build()
    history = list(
        Message.objects.filter(conversation_id=conversation.pk, seq__lt=message.seq, is_private=False)
        .order_by("-seq")
        .values_list("sender_kind", "body")[:CONTEXT_MESSAGES]
    )[::-1]
    text = _chosen_question(message) or message.body
    normalised = normalise(text)
    mood = emotion_read(normalised)
    reading = intent_read(normalised)
    hits = knowledge.faq.search(text, k=5)
    suggestions = suggest(
        message=text,
        history=history,
        knowledge=knowledge,
        customer_name=conversation.customer.name or None,
        agent_name=str(conversation.assignee) if conversation.assignee_id else None,
        normalised=normalised,
        detected_emotion=mood,
        detected_intent=reading,
        faq_hits=hits,
    )
    best = hits[0] if hits else None
    with transaction.atomic():
        conversation = conversation_locked(conversation.pk)
        if MessageInsight.objects.filter(message_id=message_id).exists():  # a retry raced a first run
            return None
        insight = MessageInsight.objects.create(
            message=message,
            conversation=conversation,
            emotion=mood.label,
            polarity=round(mood.polarity, 4),
            intensity=round(mood.intensity, 4),
            cues=list(mood.cues)[:8],
            stage=reading.stage if reading.stage in Stage.values else "",
            stage_confidence=round(reading.confidence, 4),
            objection=reading.objection or "",
            faq_entry_id=best.entry_id if best and isinstance(best.entry_id, int) else None,
            faq_confidence=round(best.confidence, 4) if best else 0.0,
            suggestions=[suggestion.as_dict() for suggestion in suggestions],
        )
        latest = _is_latest(conversation, message)
        if latest:
            _conversation_reading_update(conversation, insight)
        if latest and act:
            if _should_escalate(conversation, insight):
                conversation_escalate(conversation, insight=insight)
            turn = bot_turn(conversation, message, insight=insight, hits=hits, suggestions=suggestions, knowledge=knowledge) if conversation.bot_active else ""
            conversation_publish(conversation, customer=turn == "handover")  # the customer sees who answers change
        if act:
            event_send_on_commit(AssistUpdated(conversation=conversation.pk, assist=assist_view(conversation)), groups=agent_groups(conversation))
    return insight


def _is_latest(conversation: Conversation, message: Message) -> bool:
    """Tell whether no later customer message exists (a late reading must not overwrite a newer one)."""
    return not Message.objects.filter(conversation_id=conversation.pk, sender_kind=SenderKind.CUSTOMER, seq__gt=message.seq).exists()


def _conversation_reading_update(conversation: Conversation, insight: MessageInsight) -> None:
    recent = list(
        MessageInsight.objects.filter(conversation_id=conversation.pk)
        .order_by("-message_id")
        .values_list("emotion", "polarity", "intensity")[: TREND_WINDOW + 1]
    )[::-1]
    trend = emotion_trend([_mood(*row) for row in recent])
    fields = {
        "emotion": insight.emotion,
        "emotion_intensity": insight.intensity,
        "emotion_trend": trend,
        "stage": insight.stage or conversation.stage,
    }
    Conversation.objects.filter(pk=conversation.pk).update(**fields)
    for name, value in fields.items():
        setattr(conversation, name, value)


def _should_escalate(conversation: Conversation, insight: MessageInsight) -> bool:
    if conversation.escalated_at is not None:
        return False
    if insight.emotion == Emotion.ANGRY:
        return insight.intensity >= ANGRY_INTENSITY
    return insight.emotion in NEGATIVE and insight.intensity >= ESCALATION_INTENSITY


def conversation_escalate(conversation: Conversation, *, insight: MessageInsight) -> None:
    """Raise an upset customer's conversation in its queue and alert the supervisors now (the caller holds the lock)."""
    from kefu.tickets.notifications import notify

    from ..events import Notification
    from .routing import escalation_supervisors

    now = timezone.now()
    conversation.escalated_at = now
    conversation.priority = max(conversation.priority, 0) + ESCALATION_PRIORITY
    Conversation.objects.filter(pk=conversation.pk).update(escalated_at=now, priority=conversation.priority)
    event_record(conversation, ConversationAction.ESCALATED, emotion=insight.emotion, intensity=insight.intensity, message=insight.message_id)
    customer = customer_display_name(conversation.customer)
    title = _("%(customer)s is upset: %(emotion)s") % {"customer": customer, "emotion": Emotion(insight.emotion).label}
    body = insight.message.body[:200]
    url = f"/workbench/?conversation={conversation.pk}"
    supervisors = escalation_supervisors(conversation)
    from kefu.tickets.models import NotificationKind

    notify(users=supervisors, kind=NotificationKind.ESCALATION, title=title, body=body, url=url)
    alert = Notification(kind="escalation", title=title, body=body, url=url, conversation=conversation.pk)
    event_send_on_commit(alert, groups=[f"agent.{user.pk}" for user in supervisors])


def _labelled(choices, code: str) -> dict[str, str] | None:
    return {"code": code, "label": choice_label(choices, code)} if code else None


def assist_view(conversation: Conversation) -> dict[str, Any]:
    """Return what the workbench's assist tab shows: the latest reading, the mood history and the suggestions."""
    insights = list(
        MessageInsight.objects.filter(conversation_id=conversation.pk).select_related("message").order_by("-message_id")[:HISTORY_SHOWN]
    )[::-1]
    latest = insights[-1] if insights else None
    view: dict[str, Any] = {
        "conversation": conversation.pk,
        "message": None,
        "emotion": None,
        "history": [
            {"seq": item.message.seq, "code": item.emotion, "label": str(Emotion(item.emotion).label), "intensity": round(item.intensity, 2)}
            for item in insights
        ],
        "stage": None,
        "objection": None,
        "suggestions": [],
        "escalated": conversation.escalated_at is not None,
        "bot_active": conversation.bot_active,
    }
    if latest is None:
        return view
    view["message"] = {"id": latest.message_id, "seq": latest.message.seq, "body": latest.message.body}
    emotion = emotion_view(latest.emotion, latest.intensity, conversation.emotion_trend)
    view["emotion"] = {**emotion, "polarity": round(latest.polarity, 2), "cues": list(latest.cues)}
    view["stage"] = stage_view(latest.stage)
    view["objection"] = _labelled(ObjectionKind, latest.objection)
    view["suggestions"] = [
        {**item, "source_label": choice_label(SuggestionSource, item.get("source", ""))} for item in latest.suggestions
    ]
    return view


def utf16_index(text: str, index: int) -> int:
    """Turn a Python (code point) index into a JavaScript (UTF-16) one: emoji count twice there."""
    return len(text[:index].encode("utf-16-le")) // 2


def draft_check(*, text: str) -> list[dict[str, Any]]:
    """Check an agent's draft with the forbidden-phrase guard; spans in UTF-16 indices for the browser."""
    from kefu.knowledge.assist_index import guard_build
    from kefu.knowledge.enums import ForbiddenCategory
    from kefu.knowledge.models import ForbiddenRule

    flags = guard_build().check(text)
    explanations = dict(ForbiddenRule.objects.filter(pk__in=[flag.rule_id for flag in flags if isinstance(flag.rule_id, int)]).values_list("pk", "explanation"))
    return [
        {
            **flag.as_dict(),
            "start": utf16_index(text, flag.start),
            "end": utf16_index(text, flag.end),
            "category_label": choice_label(ForbiddenCategory, flag.category),
            "explanation": explanations.get(flag.rule_id, ""),
        }
        for flag in flags
    ]


def guard_decision_record(*, conversation: Conversation, agent, draft: str, decision: str, message_id: int | None = None):
    """Record what the agent did with a flagged draft (sent anyway or revised), for quality inspection.

    The flags are computed again here, not taken from the browser. Return the row, or None when
    the guard finds nothing in the draft (nothing to inspect).
    """
    from django.core.exceptions import ValidationError

    from ..enums import GuardDecisionKind
    from ..models import GuardDecision

    draft = (draft or "").strip()
    if not draft or len(draft) > 2000:
        raise ValidationError(_("The draft must be 1 to 2000 characters."), code="draft")
    if decision not in GuardDecisionKind.values:
        raise ValidationError(_("Unknown decision: %(decision)s.") % {"decision": decision}, code="decision")
    message = None
    if message_id is not None:
        message = Message.objects.filter(pk=message_id, conversation_id=conversation.pk, sender_user=agent).first()
        if message is None:
            raise ValidationError(_("That message is not one of yours in this conversation."), code="message")
    flags = draft_check(text=draft)
    if not flags:
        return None
    return GuardDecision.objects.create(
        conversation=conversation,
        message=message,
        agent=agent,
        decision=decision,
        draft=draft,
        flags=flags,
        categories=",".join(sorted({flag["category"] for flag in flags}))[:120],
    )


def suggestion_feedback_record(*, conversation: Conversation, agent, message_id: Any, source: str, source_id: Any, suggested: str, sent: str = "", rejected: bool = False):
    """Record what the agent did with a suggestion: used as is, edited, or rejected; FAQ rows teach the retriever."""
    from django.core.exceptions import ValidationError

    from kefu.knowledge.enums import SuggestionOutcome
    from kefu.knowledge.models import SuggestionFeedback

    if source not in SuggestionSource.values:
        raise ValidationError(_("Unknown suggestion source: %(source)s.") % {"source": source}, code="source")
    suggested, sent = (suggested or "").strip(), (sent or "").strip()
    if not suggested or len(suggested) > 4000 or len(sent) > 4000:
        raise ValidationError(_("The suggested text must be 1 to 4000 characters."), code="suggested")
    if not rejected and not sent:
        raise ValidationError(_("Give the text that was sent, or mark the suggestion rejected."), code="sent")
    message = Message.objects.filter(pk=message_id, conversation_id=conversation.pk, sender_kind=SenderKind.CUSTOMER).first() if str(message_id).isdigit() else None
    if message is None:
        raise ValidationError(_("That customer message is not in this conversation."), code="message")
    outcome = SuggestionOutcome.REJECTED if rejected else SuggestionOutcome.USED if sent == suggested else SuggestionOutcome.EDITED
    return SuggestionFeedback.objects.create(
        message=message,
        query=message.body,
        source=source,
        source_id=str(source_id if source_id is not None else "")[:64],
        outcome=outcome,
        suggested=suggested,
        sent=sent,
        agent=agent,
    )
