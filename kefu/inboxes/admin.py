"""Admin for inboxes (channels) and the teams that own them."""

from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from .models import Inbox


@admin.register(Inbox)
class InboxAdmin(admin.ModelAdmin):
    list_display = (
        "name",
        "channel",
        "team_names",
        "is_active",
        "bot_enabled",
        "email_address",
        "created_at",
    )
    list_filter = ("channel", "is_active", "bot_enabled", "teams")
    search_fields = ("name", "email_address", "public_key")
    autocomplete_fields = ("teams",)
    readonly_fields = ("public_key", "created_at")
    fieldsets = (
        (None, {"fields": ("name", "channel", "teams", "is_active", "bot_enabled")}),
        (_("Channel"), {"fields": ("public_key", "email_address", "greeting", "settings")}),
        (_("Record"), {"fields": ("created_at",)}),
    )

    def get_queryset(self, request: HttpRequest):
        return super().get_queryset(request).prefetch_related("teams")

    @admin.display(description=_("teams"))
    def team_names(self, obj: Inbox) -> str:
        return "、".join(team.name for team in obj.teams.all()) or "—"
