from django.db import models
from django.utils.translation import gettext_lazy as _


class ConversationStatus(models.TextChoices):
    OPEN = "open", _("Open")  # waiting in a queue or being served
    PENDING = "pending", _("Pending")  # waiting for the customer or a colleague
    RESOLVED = "resolved", _("Resolved")  # finished; a new customer message reopens it


class SenderKind(models.TextChoices):
    CUSTOMER = "customer", _("Customer")
    AGENT = "agent", _("Agent")
    BOT = "bot", _("Bot")  # the answer bot, labelled 机器人 in the widget
    SYSTEM = "system", _("System")  # greetings, holding and away messages, transfers


class Conversion(models.TextChoices):
    UNKNOWN = "", _("Not marked")
    CONVERTED = "converted", _("Converted")  # 成交
    NOT_CONVERTED = "not_converted", _("Not converted")  # 未成交


class LostReason(models.TextChoices):
    NONE = "", _("None")
    PRICE = "price", _("Price")
    PRODUCT = "product", _("Product")
    OTHER = "other", _("Other")


class ConversationAction(models.TextChoices):
    """What a ConversationEvent row records; analytics and quality inspection read these."""

    CREATED = "created", _("Created")  # first customer message
    QUEUED = "queued", _("Queued")  # entered a team's waiting queue
    ASSIGNED = "assigned", _("Assigned")  # by the routing policy
    CLAIMED = "claimed", _("Claimed")  # an agent took it from the queue
    TRANSFERRED = "transferred", _("Transferred")  # to another agent or team, with a note
    REQUEUED = "requeued", _("Returned to the queue")  # its agent went offline
    HANDOVER = "handover", _("Asked for a person")  # 转人工
    GREETED = "greeted", _("Greeted")  # the system's greeting went out
    HOLDING = "holding", _("Holding message sent")  # nobody answered in time
    AWAY = "away", _("Away message sent")  # outside business hours
    RESOLVED = "resolved", _("Resolved")
    REOPENED = "reopened", _("Reopened")
    CONVERSION = "conversion", _("Conversion marked")  # 成交 / 未成交, by an agent or an order
    IDENTIFIED = "identified", _("Visitor identified")  # linked to a customer by order and phone
    RATED = "rated", _("Rated")  # satisfaction from the customer
    BOT_ANSWERED = "bot_answered", _("Answered by the bot")  # a confident FAQ match went out
    ESCALATED = "escalated", _("Escalated")  # an angry customer: raised in the queue, supervisors alerted


class Emotion(models.TextChoices):
    """The customer's emotion in a message (kefu.assist.emotion)."""

    ANGRY = "angry", _("Angry")  # 愤怒
    ANXIOUS = "anxious", _("Anxious")  # 焦虑
    DISAPPOINTED = "disappointed", _("Disappointed")  # 失望
    NEUTRAL = "neutral", _("Neutral")  # 平静
    SATISFIED = "satisfied", _("Satisfied")  # 满意


class EmotionTrend(models.TextChoices):
    """Where the customer's mood goes over their last messages."""

    NONE = "", _("Unknown")
    RISING = "rising", _("Getting worse")  # more negative or more intense
    FALLING = "falling", _("Calming down")
    STEADY = "steady", _("Steady")


class Stage(models.TextChoices):
    """The service stage of a customer message (kefu.assist.intent), DOMAIN.md's 接待流程."""

    GREETING = "greeting", _("Greeting")
    PRODUCT = "product", _("Product question")
    BARGAINING = "bargaining", _("Bargaining")
    PAYMENT = "payment", _("Payment")
    LOGISTICS = "logistics", _("Logistics")
    RETURN_EXCHANGE = "return_exchange", _("Return or exchange")
    REFUND = "refund", _("Refund")
    REPAIR = "repair", _("Repair or technical help")
    COMPLAINT = "complaint", _("Complaint")
    REVIEW = "review", _("Review")
    CHITCHAT = "chitchat", _("Chit-chat")
    HUMAN = "human", _("Asking for a person")


class GuardDecisionKind(models.TextChoices):
    """What an agent did when the guard flagged a draft."""

    SENT = "sent", _("Sent anyway")
    REVISED = "revised", _("Revised")
