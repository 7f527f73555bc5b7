"""Admin for agents, teams, API tokens and the (read-only) audit log."""

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.db.models import Count
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from .models import ApiToken, AuditLog, Team, TeamMembership, User
from .services import api_token_create, api_token_revoke


class MembershipOfUserInline(admin.TabularInline):
    model = TeamMembership
    fk_name = "user"
    extra = 0
    fields = ("team", "is_lead", "joined_at")
    readonly_fields = ("joined_at",)
    autocomplete_fields = ("team",)
    verbose_name = _("team")
    verbose_name_plural = _("teams")


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = (
        "username",
        "display_name",
        "role",
        "presence",
        "capacity",
        "can_view_contact",
        "is_staff",
        "is_active",
        "last_login",
    )
    list_filter = ("role", "presence", "can_view_contact", "is_staff", "is_superuser", "is_active", "teams")
    search_fields = ("username", "display_name", "first_name", "last_name", "email")
    ordering = ("username",)
    inlines = (MembershipOfUserInline,)
    readonly_fields = ("presence_changed_at", "last_login", "date_joined")
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (
            _("Service"),
            {
                "fields": (
                    "role",
                    "display_name",
                    "capacity",
                    "presence",
                    "presence_changed_at",
                    "can_view_contact",
                )
            },
        ),
        (_("Personal info"), {"fields": ("first_name", "last_name", "email")}),
        (
            _("Permissions"),
            {
                "fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions"),
                "classes": ("collapse",),
            },
        ),
        (_("Important dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (None, {"classes": ("wide",), "fields": ("username", "usable_password", "password1", "password2")}),
        (_("Service"), {"fields": ("role", "display_name", "capacity", "can_view_contact", "is_staff")}),
    )


class TeamMembershipInline(admin.TabularInline):
    model = TeamMembership
    extra = 0
    fields = ("user", "is_lead", "joined_at")
    readonly_fields = ("joined_at",)
    autocomplete_fields = ("user",)


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ("name", "description", "member_count", "created_at")
    search_fields = ("name", "description")
    readonly_fields = ("created_at",)
    inlines = (TeamMembershipInline,)

    def get_queryset(self, request: HttpRequest):
        return super().get_queryset(request).annotate(member_count=Count("memberships"))

    @admin.display(description=_("members"), ordering="member_count")
    def member_count(self, obj: Team) -> int:
        return obj.member_count


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Tokens are made by the service so that only the hash is stored; the secret is shown once."""

    list_display = ("prefix_display", "name", "user", "created_at", "last_used_at", "revoked_at")
    list_filter = (("revoked_at", admin.EmptyFieldListFilter), "created_at")
    search_fields = ("prefix", "name", "user__username", "user__display_name")
    list_select_related = ("user",)
    autocomplete_fields = ("user",)
    date_hierarchy = "created_at"
    actions = ("revoke_tokens",)

    def get_fields(self, request: HttpRequest, obj: ApiToken | None = None):
        if obj is None:
            return ("user", "name")
        return ("user", "name", "prefix", "created_at", "last_used_at", "revoked_at")

    def get_readonly_fields(self, request: HttpRequest, obj: ApiToken | None = None):
        if obj is None:
            return ()
        return ("user", "prefix", "created_at", "last_used_at", "revoked_at")

    @admin.display(description=_("prefix"), ordering="prefix")
    def prefix_display(self, obj: ApiToken) -> str:
        return f"{obj.prefix}…"

    def save_model(self, request: HttpRequest, obj: ApiToken, form, change: bool) -> None:
        if change:
            obj.save(update_fields=["name"])
            return
        token, secret = api_token_create(
            user=form.cleaned_data["user"], name=form.cleaned_data.get("name", ""), actor=request.user, via="admin"
        )
        # Become the saved token so that the admin's redirect and log entry point at it.
        for field in token._meta.concrete_fields:
            setattr(obj, field.attname, getattr(token, field.attname))
        obj._state.adding = False
        obj._state.db = token._state.db
        messages.warning(
            request,
            _("The token's secret is shown only this once; copy it now: %(secret)s") % {"secret": secret},
        )

    @admin.action(description=_("Revoke selected API tokens"), permissions=["change"])
    def revoke_tokens(self, request: HttpRequest, queryset) -> None:
        count = 0
        for token in queryset.filter(revoked_at__isnull=True):
            api_token_revoke(token=token, actor=request.user)
            count += 1
        self.message_user(
            request,
            ngettext("%(count)d token revoked.", "%(count)d tokens revoked.", count) % {"count": count},
            messages.SUCCESS,
        )


@admin.register(AuditLog)
class AuditLogAdmin(admin.ModelAdmin):
    """The audit log is evidence: nobody adds, edits or deletes rows here."""

    list_display = (
        "created_at",
        "actor",
        "action",
        "object_type",
        "object_id",
        "object_repr",
        "via",
        "ip_address",
    )
    list_filter = ("action", "via", "object_type")
    search_fields = (
        "object_repr",
        "object_id",
        "object_type",
        "actor__username",
        "actor__display_name",
        "ip_address",
    )
    list_select_related = ("actor",)
    date_hierarchy = "created_at"
    readonly_fields = [f.name for f in AuditLog._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: AuditLog | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: AuditLog | None = None) -> bool:
        return False
