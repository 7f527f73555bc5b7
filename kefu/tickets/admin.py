"""Admin for tickets: the raw data; agents and supervisors work in the ticket pages."""

from django.contrib import admin

from .models import ChecklistTick, SavedView, Ticket, TicketComment, TicketEvent


class TicketEventInline(admin.TabularInline):
    model = TicketEvent
    extra = 0
    fields = ("created_at", "actor", "action", "from_status", "to_status", "params")
    readonly_fields = fields
    can_delete = False
    ordering = ("created_at", "id")


class TicketCommentInline(admin.TabularInline):
    model = TicketComment
    extra = 0
    fields = ("created_at", "author", "is_internal", "body", "cited_rule")
    readonly_fields = ("created_at", "author")
    raw_id_fields = ("cited_rule",)


@admin.register(Ticket)
class TicketAdmin(admin.ModelAdmin):
    list_display = ("number", "subject", "type", "priority", "status", "team", "assignee", "customer", "created_at")
    list_filter = ("status", "type", "priority", "team", "channel")
    search_fields = ("number", "subject", "customer__name", "order__number")
    raw_id_fields = ("customer", "order", "conversation", "product", "items", "created_by")
    readonly_fields = ("number", "created_at", "updated_at", "assigned_at", "first_response_at", "resolved_at", "closed_at", "reopened_count")
    date_hierarchy = "created_at"
    list_select_related = ("team", "assignee", "customer")
    inlines = [TicketCommentInline, TicketEventInline]
    show_full_result_count = False  # 200,000 rows: no second COUNT(*) per page


@admin.register(ChecklistTick)
class ChecklistTickAdmin(admin.ModelAdmin):
    list_display = ("ticket", "item_key", "label", "done_by", "done_at")
    raw_id_fields = ("ticket",)


@admin.register(SavedView)
class SavedViewAdmin(admin.ModelAdmin):
    list_display = ("name", "user", "query", "created_at")
    list_filter = ("user",)
