"""Admin for the knowledge base: FAQ, quick phrases, forbidden phrases and sales/after-sales playbooks."""

from typing import Any

from django import forms
from django.contrib import admin
from django.http import HttpRequest
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _

from kefu.accounts.admin_audit import AuditedAdminMixin

from .assist_index import knowledge_changed
from .models import (
    AfterSalesRule,
    ClosingTechnique,
    FaqEntry,
    ForbiddenRule,
    ObjectionScript,
    Phrase,
    Playbook,
    SuggestionFeedback,
)
from .services import pattern_error


class KnowledgeAdmin(AuditedAdminMixin, admin.ModelAdmin):
    """Audit every admin change like the knowledge pages do, and tell every server process the knowledge changed."""

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        knowledge_changed()

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        super().delete_model(request, obj)
        knowledge_changed()

    def delete_queryset(self, request: HttpRequest, queryset: Any) -> None:
        super().delete_queryset(request, queryset)
        knowledge_changed()


@admin.register(FaqEntry)
class FaqEntryAdmin(KnowledgeAdmin):
    list_display = ("question", "category", "product", "enabled", "updated_at")
    list_filter = ("enabled", "category", "product")
    search_fields = ("question", "answer", "product__name", "product__sku")
    list_select_related = ("product",)
    autocomplete_fields = ("product",)
    list_editable = ("enabled",)
    readonly_fields = ("created_at", "updated_at")
    fields = ("question", "variants", "answer", "category", "product", "enabled", "created_at", "updated_at")


@admin.register(Phrase)
class PhraseAdmin(KnowledgeAdmin):
    list_display = ("shortcut", "title", "stage", "body_excerpt", "sort_order", "enabled")
    list_display_links = ("shortcut", "title")
    list_filter = ("stage", "enabled")
    search_fields = ("shortcut", "title", "body")
    list_editable = ("sort_order", "enabled")

    @admin.display(description=_("text"))
    def body_excerpt(self, obj: Phrase) -> str:
        return Truncator(obj.body).chars(40)


class ForbiddenRuleAdminForm(forms.ModelForm):
    class Meta:
        model = ForbiddenRule
        fields = "__all__"

    def clean(self) -> dict:
        data = super().clean()
        if data.get("pattern"):
            problem = pattern_error(data["pattern"], is_regex=bool(data.get("is_regex")))
            if problem:
                self.add_error("pattern", _("This regular expression cannot be used: %(error)s.") % {"error": problem})
        return data


@admin.register(ForbiddenRule)
class ForbiddenRuleAdmin(KnowledgeAdmin):
    form = ForbiddenRuleAdminForm
    list_display = ("pattern", "category", "is_regex", "rewrite_excerpt", "enabled")
    list_filter = ("category", "is_regex", "enabled")
    search_fields = ("pattern", "rewrite", "explanation")
    list_editable = ("enabled",)

    @admin.display(description=_("suggested rewrite"))
    def rewrite_excerpt(self, obj: ForbiddenRule) -> str:
        return Truncator(obj.rewrite).chars(40)


@admin.register(ObjectionScript)
class ObjectionScriptAdmin(KnowledgeAdmin):
    list_display = ("kind", "answer_excerpt", "sort_order")
    list_filter = ("kind",)
    search_fields = ("answer", "explanation")
    list_editable = ("sort_order",)

    @admin.display(description=_("answer"))
    def answer_excerpt(self, obj: ObjectionScript) -> str:
        return Truncator(obj.answer).chars(50)


@admin.register(ClosingTechnique)
class ClosingTechniqueAdmin(KnowledgeAdmin):
    list_display = ("kind", "description_excerpt")
    search_fields = ("description",)

    @admin.display(description=_("description"))
    def description_excerpt(self, obj: ClosingTechnique) -> str:
        return Truncator(obj.description).chars(60)


@admin.register(AfterSalesRule)
class AfterSalesRuleAdmin(KnowledgeAdmin):
    list_display = ("code", "title", "time_limit_days", "enabled")
    list_filter = ("enabled",)
    search_fields = ("code", "title", "clause")
    list_editable = ("enabled",)


@admin.register(Playbook)
class PlaybookAdmin(KnowledgeAdmin):
    list_display = ("problem", "title", "updated_at")
    search_fields = ("title",)
    readonly_fields = ("updated_at",)


@admin.register(SuggestionFeedback)
class SuggestionFeedbackAdmin(admin.ModelAdmin):
    """What agents did with suggestions: read-only history that teaches the retriever."""

    list_display = ("created_at", "agent", "source", "source_id", "outcome", "query")
    list_filter = ("outcome", "source")
    search_fields = ("query", "suggested", "sent")
    raw_id_fields = ("message",)

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
