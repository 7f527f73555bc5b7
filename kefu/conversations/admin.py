"""Admin for conversations; messages and events are history and stay read-only here."""

from django.contrib import admin
from django.http import HttpRequest
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _

from .models import Conversation, ConversationEvent, GuardDecision, Message, MessageInsight


class ReadOnlyInlineMixin:
    """History written by services; the admin only shows it."""

    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


class MessageInline(ReadOnlyInlineMixin, admin.TabularInline):
    model = Message
    fields = ("seq", "created_at", "sender_kind", "sender_user", "body", "is_private", "attachments")
    readonly_fields = fields
    ordering = ("seq",)

    def get_queryset(self, request: HttpRequest):
        return super().get_queryset(request).select_related("sender_user")


class ConversationEventInline(ReadOnlyInlineMixin, admin.TabularInline):
    model = ConversationEvent
    fields = ("created_at", "actor", "action", "params")
    readonly_fields = fields
    classes = ("collapse",)

    def get_queryset(self, request: HttpRequest):
        return super().get_queryset(request).select_related("actor")


@admin.register(Conversation)
class ConversationAdmin(admin.ModelAdmin):
    list_display = (
        "id",
        "customer",
        "inbox",
        "team",
        "assignee",
        "status",
        "priority",
        "conversion",
        "last_activity_at",
    )
    list_display_links = ("id", "customer")
    list_filter = ("status", "inbox__channel", "inbox", "team", "assignee", "conversion", "lost_reason")
    search_fields = (
        "subject",
        "customer__name",
        "customer__phone",
        "customer__identities__external_id",
        "order__number",
    )
    date_hierarchy = "created_at"
    list_select_related = ("customer", "inbox", "team", "assignee")
    autocomplete_fields = ("customer", "inbox", "team", "assignee", "order")
    readonly_fields = (
        "created_at",
        "first_customer_message_at",
        "first_response_at",
        "first_agent_response_at",
        "assigned_at",
        "last_activity_at",
        "last_customer_message_at",
        "resolved_at",
        "last_seq",
    )
    inlines = (MessageInline, ConversationEventInline)
    list_per_page = 50
    fieldsets = (
        (None, {"fields": ("inbox", "customer", "subject", "order")}),
        (_("Handling"), {"fields": ("team", "assignee", "status", "priority")}),
        (_("Outcome"), {"fields": ("conversion", "lost_reason")}),
        (
            _("Times"),
            {
                "fields": (
                    "created_at",
                    "first_customer_message_at",
                    "first_response_at",
                    "first_agent_response_at",
                    "assigned_at",
                    "last_customer_message_at",
                    "last_activity_at",
                    "resolved_at",
                    "last_seq",
                ),
                "classes": ("collapse",),
            },
        ),
    )


@admin.register(Message)
class MessageAdmin(admin.ModelAdmin):
    """Searchable across conversations; messages are only ever written by the messaging service."""

    list_display = ("created_at", "conversation", "sender_kind", "sender_user", "body_excerpt", "is_private")
    list_filter = ("sender_kind", "is_private", "conversation__inbox")
    search_fields = ("body", "conversation__customer__name")
    date_hierarchy = "created_at"
    list_select_related = ("conversation__customer", "sender_user")
    readonly_fields = (
        "conversation",
        "seq",
        "sender_kind",
        "sender_user",
        "body",
        "attachments",
        "is_private",
        "client_id",
        "created_at",
    )
    ordering = ("-created_at",)

    @admin.display(description=_("body"))
    def body_excerpt(self, obj: Message) -> str:
        return Truncator(obj.body).chars(60)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


@admin.register(ConversationEvent)
class ConversationEventAdmin(admin.ModelAdmin):
    list_display = ("created_at", "conversation", "action", "actor")
    list_filter = ("action",)
    search_fields = ("action", "conversation__customer__name")
    date_hierarchy = "created_at"
    list_select_related = ("conversation__customer", "actor")
    readonly_fields = ("conversation", "actor", "action", "params", "created_at")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


class ReadOnlyAdmin(admin.ModelAdmin):
    """Rows the assistant and the agents' decisions wrote: for inspection, never edited."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


@admin.register(GuardDecision)
class GuardDecisionAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "agent", "decision", "categories", "draft_short", "conversation")
    list_filter = ("decision", "created_at")
    search_fields = ("draft", "categories", "agent__username")
    list_select_related = ("agent",)
    date_hierarchy = "created_at"

    @admin.display(description=_("draft"))
    def draft_short(self, obj: GuardDecision) -> str:
        return Truncator(obj.draft).chars(60)


@admin.register(MessageInsight)
class MessageInsightAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "conversation", "emotion", "intensity", "stage", "objection", "faq_confidence")
    list_filter = ("emotion", "stage")
    raw_id_fields = ("message", "conversation")
