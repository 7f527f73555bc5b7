"""The answer bot: per inbox, it answers confident FAQ matches at once and hands over to a person when it should.

It serves a conversation while ``Conversation.bot_active`` (new conversations of an inbox with
the bot on). For each customer message ``bot_turn`` either answers (the FAQ answer, labelled
as the bot), asks again when unsure, or hands over to the team's queue with its reading of the
conversation as a private note: when the customer asks for a person (转人工), after the
inbox's number of unsure turns in a row, or when the customer is angry or upset past the
inbox's intensity. Thresholds are the inbox's settings (InboxOptions).
"""

from __future__ import annotations

from collections.abc import Sequence

from django.utils.translation import gettext as _

from kefu.assist.retrieval import Hit
from kefu.assist.suggest import KnowledgeBase, Suggestion
from kefu.inboxes.options import InboxOptions

from ..enums import ConversationAction, Emotion, SenderKind, Stage
from ..models import Conversation, Message, MessageInsight
from .common import event_record, message_append

SMALL_TALK = ("greeting", "chitchat")
SMALL_TALK_CONFIDENCE = 0.6
HUMAN_CONFIDENCE = 0.5
GUESSES_SHOWN = 3
GUESS_CONFIDENCE = 0.3
READING_MESSAGES = 5


def bot_turn(
    conversation: Conversation,
    message: Message,
    *,
    insight: MessageInsight,
    hits: Sequence[Hit],
    suggestions: Sequence[Suggestion],
    knowledge: KnowledgeBase,
) -> str:
    """Answer, ask again or hand over; return which ("answered", "asked", "small_talk" or "handover"). The caller holds the lock."""
    options = InboxOptions.of(conversation.inbox)
    reason = handover_reason(insight, options)
    if reason:
        bot_handover(conversation, reason=reason)
        return "handover"
    best = hits[0] if hits else None
    entry = knowledge.faq_entries.get(best.entry_id) if best is not None else None
    if entry is not None and best.confidence >= options.bot_answer_confidence and entry.answer.strip():
        text = _answer_text(entry.id, suggestions) or entry.answer
        message_append(conversation, sender_kind=SenderKind.BOT, body=text, also={"waiting_since": None, "bot_misses": 0})
        event_record(conversation, ConversationAction.BOT_ANSWERED, entry=entry.id, question=entry.question, confidence=round(best.confidence, 3))
        return "answered"
    if insight.stage in SMALL_TALK and insight.stage_confidence >= SMALL_TALK_CONFIDENCE:
        if message.seq > 2:  # the greeting just answered a first "你好"
            body = _("How can I help you? Ask me about products, orders, delivery or after-sales; write 转人工 for an agent.")
            message_append(conversation, sender_kind=SenderKind.BOT, body=body, also={"waiting_since": None})
        return "small_talk"
    misses = conversation.bot_misses + 1
    if misses >= options.bot_unsure_turns:
        bot_handover(conversation, reason=_("The bot was unsure %(count)s times in a row.") % {"count": misses})
        return "handover"
    body, guesses = _unsure_text(hits, knowledge)
    message_append(conversation, sender_kind=SenderKind.BOT, body=body, choices=guesses, also={"waiting_since": None, "bot_misses": misses})
    return "asked"


def handover_reason(insight: MessageInsight, options: InboxOptions) -> str:
    """Return why this message needs a person now, or "" when the bot may go on."""
    if insight.stage == Stage.HUMAN and insight.stage_confidence >= HUMAN_CONFIDENCE:
        return _("The customer asked for a person.")
    if insight.emotion == Emotion.ANGRY:
        return _("The customer is angry.")
    if insight.emotion in ("anxious", "disappointed") and insight.intensity >= options.bot_handover_intensity:
        return _("The customer is upset (%(emotion)s, intensity %(intensity)s).") % {
            "emotion": Emotion(insight.emotion).label,
            "intensity": f"{insight.intensity:.2f}",
        }
    return ""


def _answer_text(entry_id, suggestions: Sequence[Suggestion]) -> str:
    """Prefer the suggestion's wording of the entry (placeholders filled), else the raw answer."""
    for suggestion in suggestions:
        if suggestion.source == "faq" and suggestion.source_id == entry_id:
            return suggestion.text
    return ""


def _unsure_text(hits: Sequence[Hit], knowledge: KnowledgeBase) -> tuple[str, list[str]]:
    """Ask again, offering the questions it thinks the customer may mean (猜你想问); return the text and those questions.

    The widget shows the questions as buttons; on other channels the customer answers with the number.
    """
    guesses = []
    for hit in hits:
        entry = knowledge.faq_entries.get(hit.entry_id)
        if entry is not None and hit.confidence >= GUESS_CONFIDENCE and entry.question not in guesses:
            guesses.append(entry.question)
        if len(guesses) == GUESSES_SHOWN:
            break
    text = _("Sorry, I am not sure I understood. Could you say it another way, or write 转人工 for an agent?")
    if guesses:
        text += "\n" + _("Did you mean:") + "\n" + "\n".join(f"{number}. {question}" for number, question in enumerate(guesses, 1))
    return text, guesses


def bot_reading(conversation: Conversation, *, reason: str) -> str:
    """Write the bot's reading of the conversation for the agent who takes it over."""
    insights = list(
        MessageInsight.objects.filter(conversation_id=conversation.pk).select_related("message").order_by("-message_id")[:READING_MESSAGES]
    )[::-1]
    lines = [_("Bot hand-over: %(reason)s") % {"reason": reason}]
    if insights:
        latest = insights[-1]
        stage = Stage(latest.stage).label if latest.stage in Stage.values else _("unknown")
        lines.append(
            _("Stage: %(stage)s · emotion: %(emotion)s (%(intensity)s)")
            % {"stage": stage, "emotion": Emotion(latest.emotion).label, "intensity": f"{latest.intensity:.2f}"}
        )
        answered = set(
            conversation.events.filter(action=ConversationAction.BOT_ANSWERED).values_list("params__question", flat=True)
        )
        lines.append(_("The customer wrote:"))
        for item in insights:
            lines.append(f"- {item.message.body[:80]}")
        if answered:
            lines.append(_("The bot answered: %(questions)s") % {"questions": "；".join(sorted(filter(None, answered)))})
    return "\n".join(lines)


def bot_handover(conversation: Conversation, *, reason: str) -> None:
    """Hand the conversation to its team's queue: tell the customer, leave the reading to the agent (the caller holds the lock)."""
    from .messages import holding_schedule
    from .routing import conversation_enqueue, handover_mark

    options = InboxOptions.of(conversation.inbox)
    if options.is_open():
        body = _("I am connecting you to an agent, one moment please.")
    else:
        body = _("Our agents are off duty now and back in about %(hours)s hours. Your message is kept and they will answer it first.") % {
            "hours": options.hours_until_open()
        }
    message_append(conversation, sender_kind=SenderKind.BOT, body=body)
    bot_reading_post(conversation, reason=reason)
    handover_mark(conversation, reason=reason)
    if conversation.assignee_id is None and conversation.queued_at is None:
        conversation_enqueue(conversation)
    holding_schedule(conversation)


def bot_reading_post(conversation: Conversation, *, reason: str) -> Message:
    return message_append(conversation, sender_kind=SenderKind.BOT, body=bot_reading(conversation, reason=reason), is_private=True)
