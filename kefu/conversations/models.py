import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .enums import (
    ConversationStatus,
    Conversion,
    Emotion,
    EmotionTrend,
    GuardDecisionKind,
    LostReason,
    SenderKind,
    Stage,
)


class Visitor(models.Model):
    """A browser that chats through the widget, tied to it by a signed token; linked to one customer."""

    key = models.UUIDField(_("key"), default=uuid.uuid4, unique=True, editable=False)
    inbox = models.ForeignKey("inboxes.Inbox", on_delete=models.CASCADE, related_name="visitors", verbose_name=_("inbox"))
    customer = models.ForeignKey("customers.Customer", on_delete=models.PROTECT, related_name="visitors", verbose_name=_("customer"))
    user_agent = models.CharField(_("browser"), max_length=255, blank=True)
    identified_at = models.DateTimeField(_("identified at"), null=True, blank=True, help_text=_("When the visitor proved who they are with an order"))
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    last_seen_at = models.DateTimeField(_("last seen at"), default=timezone.now)

    class Meta:
        verbose_name = _("visitor")
        verbose_name_plural = _("visitors")

    def __str__(self) -> str:
        return f"{self.key.hex[:8]} ({self.customer})"

    @property
    def group(self) -> str:
        return f"visitor.{self.key.hex}"


class Conversation(models.Model):
    """A thread between a customer and the shop in one inbox, with the times KPIs need."""

    inbox = models.ForeignKey("inboxes.Inbox", on_delete=models.PROTECT, related_name="conversations", verbose_name=_("inbox"))
    customer = models.ForeignKey("customers.Customer", on_delete=models.PROTECT, related_name="conversations", verbose_name=_("customer"))
    visitor = models.ForeignKey(Visitor, on_delete=models.SET_NULL, null=True, blank=True, related_name="conversations", verbose_name=_("visitor"))
    team = models.ForeignKey("accounts.Team", on_delete=models.SET_NULL, null=True, blank=True, related_name="conversations", verbose_name=_("team"))
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="assigned_conversations", verbose_name=_("assignee")
    )
    status = models.CharField(_("status"), max_length=16, choices=ConversationStatus.choices, default=ConversationStatus.OPEN, db_index=True)
    subject = models.CharField(_("subject"), max_length=200, blank=True)
    priority = models.SmallIntegerField(_("priority"), default=0, help_text=_("Higher is served first"))
    order = models.ForeignKey("orders.Order", on_delete=models.SET_NULL, null=True, blank=True, related_name="conversations", verbose_name=_("order"))
    created_at = models.DateTimeField(_("created at"), default=timezone.now, db_index=True)
    first_customer_message_at = models.DateTimeField(_("first customer message at"), null=True, blank=True)
    first_response_at = models.DateTimeField(_("first response at"), null=True, blank=True)
    first_agent_response_at = models.DateTimeField(_("first agent response at"), null=True, blank=True)
    assigned_at = models.DateTimeField(_("assigned at"), null=True, blank=True)
    last_activity_at = models.DateTimeField(_("last activity at"), default=timezone.now, db_index=True)
    last_customer_message_at = models.DateTimeField(_("last customer message at"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    conversion = models.CharField(_("conversion"), max_length=16, choices=Conversion.choices, blank=True, default="")
    lost_reason = models.CharField(_("reason not converted"), max_length=16, choices=LostReason.choices, blank=True, default="")
    last_seq = models.PositiveIntegerField(_("last sequence number"), default=0)
    last_public_seq = models.PositiveIntegerField(
        _("last public sequence number"), default=0, help_text=_("Of the last message the customer sees; private notes leave gaps")
    )
    queued_at = models.DateTimeField(_("queued at"), null=True, blank=True, help_text=_("When it entered the team's queue; empty once assigned"))
    waiting_since = models.DateTimeField(_("waiting since"), null=True, blank=True, help_text=_("The customer's oldest message not yet answered"))
    unread_count = models.PositiveIntegerField(_("unread messages"), default=0)
    last_message_preview = models.CharField(_("last message"), max_length=120, blank=True)
    last_message_sender_kind = models.CharField(_("last message sender"), max_length=16, choices=SenderKind.choices, blank=True)
    handover_reason = models.CharField(_("handover reason"), max_length=255, blank=True, help_text=_("Why the bot or the customer asked for a person"))
    satisfaction = models.PositiveSmallIntegerField(_("satisfaction"), null=True, blank=True, help_text=_("1-5, given by the customer at the end"))
    satisfaction_comment = models.CharField(_("satisfaction comment"), max_length=500, blank=True)
    bot_active = models.BooleanField(_("served by the bot"), default=False, help_text=_("The answer bot serves it; it joins a queue on handover"))
    bot_misses = models.PositiveSmallIntegerField(_("bot's unsure turns in a row"), default=0)
    emotion = models.CharField(_("emotion"), max_length=16, choices=Emotion.choices, blank=True, help_text=_("Of the customer's latest message"))
    emotion_intensity = models.FloatField(_("emotion intensity"), null=True, blank=True)
    emotion_trend = models.CharField(_("emotion trend"), max_length=8, choices=EmotionTrend.choices, blank=True)
    stage = models.CharField(_("stage"), max_length=24, choices=Stage.choices, blank=True, help_text=_("The service stage of the customer's latest message"))
    escalated_at = models.DateTimeField(_("escalated at"), null=True, blank=True, help_text=_("When an angry customer raised it in the queue"))

    class Meta:
        verbose_name = _("conversation")
        verbose_name_plural = _("conversations")
        ordering = ["-last_activity_at"]
        indexes = [
            models.Index(fields=["status", "team", "-priority", "created_at"]),
            models.Index(fields=["assignee", "status"]),
            models.Index(fields=["team", "queued_at"]),
            models.Index(fields=["customer", "-last_activity_at"]),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.customer}"

    @property
    def first_response_seconds(self) -> float | None:
        if self.first_customer_message_at and self.first_response_at:
            return (self.first_response_at - self.first_customer_message_at).total_seconds()
        return None


class Message(models.Model):
    """One message; numbered per conversation so clients can resume after a reconnect."""

    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="messages", verbose_name=_("conversation"))
    seq = models.PositiveIntegerField(_("sequence number"))
    sender_kind = models.CharField(_("sender"), max_length=16, choices=SenderKind.choices, db_index=True)
    sender_user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("agent"))
    body = models.TextField(_("body"), blank=True)
    attachments = models.JSONField(_("attachments"), default=list, blank=True)
    choices = models.JSONField(_("choices"), default=list, blank=True, help_text=_("Questions the customer can tap to ask next (the bot's 猜你想问)"))
    is_private = models.BooleanField(_("private note"), default=False, help_text=_("Seen by agents only"))
    client_id = models.CharField(_("client id"), max_length=64, blank=True, help_text=_("Sent by the client to deduplicate resends"))
    created_at = models.DateTimeField(_("created at"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        ordering = ["conversation", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["conversation", "seq"], name="uniq_message_seq"),
            models.UniqueConstraint(fields=["conversation", "client_id"], condition=~Q(client_id=""), name="uniq_message_client_id"),
            models.CheckConstraint(condition=~Q(body="") | ~Q(attachments=[]), name="message_not_empty"),
        ]

    def __str__(self) -> str:
        return f"{self.get_sender_kind_display()}: {self.body[:40]}"


class ConversationEvent(models.Model):
    """The conversation's history as data: assignment, transfer, status, conversion."""

    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="events", verbose_name=_("conversation"))
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("actor"))
    action = models.CharField(_("action"), max_length=32, db_index=True)
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("conversation event")
        verbose_name_plural = _("conversation events")
        ordering = ["conversation", "created_at"]

    def __str__(self) -> str:
        return f"{self.conversation_id} {self.action}"


class MessageInsight(models.Model):
    """What the assistant read in one customer message: emotion, stage, objection, best FAQ match, suggestions."""

    message = models.OneToOneField(Message, on_delete=models.CASCADE, related_name="insight", verbose_name=_("message"))
    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="insights", verbose_name=_("conversation"))
    emotion = models.CharField(_("emotion"), max_length=16, choices=Emotion.choices)
    polarity = models.FloatField(_("polarity"), default=0.0)
    intensity = models.FloatField(_("intensity"), default=0.0)
    cues = models.JSONField(_("cues"), default=list, blank=True)
    stage = models.CharField(_("stage"), max_length=24, choices=Stage.choices, blank=True)
    stage_confidence = models.FloatField(_("stage confidence"), default=0.0)
    objection = models.CharField(_("objection"), max_length=24, blank=True)
    faq_entry_id = models.IntegerField(_("best FAQ entry"), null=True, blank=True)
    faq_confidence = models.FloatField(_("FAQ confidence"), default=0.0)
    suggestions = models.JSONField(_("suggestions"), default=list, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("message insight")
        verbose_name_plural = _("message insights")
        indexes = [models.Index(fields=["conversation", "-message"])]

    def __str__(self) -> str:
        return f"{self.message_id} {self.emotion} {self.stage}"


class GuardDecision(models.Model):
    """An agent's decision on a draft the forbidden-phrase guard flagged: sent anyway or revised (quality inspection)."""

    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="guard_decisions", verbose_name=_("conversation"))
    message = models.ForeignKey(Message, on_delete=models.SET_NULL, null=True, blank=True, related_name="guard_decisions", verbose_name=_("message"))
    agent = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("agent"))
    decision = models.CharField(_("decision"), max_length=16, choices=GuardDecisionKind.choices)
    draft = models.TextField(_("draft"))
    flags = models.JSONField(_("flags"), default=list, blank=True)
    categories = models.CharField(_("categories"), max_length=120, blank=True, help_text=_("The flagged categories, comma-separated, for filtering"))
    created_at = models.DateTimeField(_("created at"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("guard decision")
        verbose_name_plural = _("guard decisions")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.get_decision_display()}: {self.draft[:40]}"
