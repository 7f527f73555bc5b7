from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .enums import (
    ClosingKind,
    FaqCategory,
    ForbiddenCategory,
    ObjectionKind,
    PhraseStage,
    ProblemType,
    SuggestionOutcome,
    SuggestionSource,
)


class FaqEntry(models.Model):
    """One question of the shop's FAQ book (常见问答): the answer every agent gives (口径一致)."""

    question = models.CharField(_("question"), max_length=255)
    variants = models.JSONField(_("question variants"), default=list, blank=True, help_text=_("Other ways customers ask the same"))
    answer = models.TextField(_("answer"))
    category = models.CharField(_("category"), max_length=16, choices=FaqCategory.choices, db_index=True)
    product = models.ForeignKey("catalog.Product", on_delete=models.SET_NULL, null=True, blank=True, related_name="faq_entries", verbose_name=_("product"))
    enabled = models.BooleanField(_("enabled"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("FAQ entry")
        verbose_name_plural = _("FAQ")
        ordering = ["category", "id"]

    def __str__(self) -> str:
        return self.question


class Phrase(models.Model):
    """A quick phrase (快捷短语) inserted by its shortcut code."""

    stage = models.CharField(_("stage"), max_length=16, choices=PhraseStage.choices, db_index=True)
    shortcut = models.CharField(_("shortcut"), max_length=32, unique=True, help_text=_("Typed after / in the composer"))
    title = models.CharField(_("title"), max_length=64)
    body = models.TextField(_("text"))
    sort_order = models.PositiveSmallIntegerField(_("order"), default=0)
    enabled = models.BooleanField(_("enabled"), default=True)

    class Meta:
        verbose_name = _("quick phrase")
        verbose_name_plural = _("quick phrases")
        ordering = ["stage", "sort_order", "id"]

    def __str__(self) -> str:
        return f"/{self.shortcut} {self.title}"


class ForbiddenRule(models.Model):
    """A forbidden-phrase rule (服务禁语): a pattern an agent's draft must not contain."""

    category = models.CharField(_("category"), max_length=16, choices=ForbiddenCategory.choices, db_index=True)
    pattern = models.CharField(_("pattern"), max_length=255, help_text=_("Regular expression or plain words"))
    is_regex = models.BooleanField(_("regular expression"), default=False)
    examples = models.JSONField(_("example wording"), default=list, blank=True)
    rewrite = models.TextField(_("suggested rewrite"))
    explanation = models.CharField(_("why it is forbidden"), max_length=255, blank=True)
    enabled = models.BooleanField(_("enabled"), default=True)

    class Meta:
        verbose_name = _("forbidden-phrase rule")
        verbose_name_plural = _("forbidden-phrase rules")
        ordering = ["category", "id"]

    def __str__(self) -> str:
        return f"{self.get_category_display()}: {self.pattern}"


class ObjectionScript(models.Model):
    """How to answer one of the seven objections (异议处理)."""

    kind = models.CharField(_("objection"), max_length=24, choices=ObjectionKind.choices, db_index=True)
    triggers = models.JSONField(_("customer wording"), default=list, blank=True)
    answer = models.TextField(_("answer"))
    explanation = models.TextField(_("why it works"), blank=True)
    sort_order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("objection script")
        verbose_name_plural = _("objection scripts")
        ordering = ["kind", "sort_order", "id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.answer[:30]}"


class ClosingTechnique(models.Model):
    """A way to help a hesitating customer decide (促成交易)."""

    kind = models.CharField(_("technique"), max_length=24, choices=ClosingKind.choices, unique=True)
    description = models.TextField(_("description"))
    examples = models.JSONField(_("example wording"), default=list, blank=True)

    class Meta:
        verbose_name = _("closing technique")
        verbose_name_plural = _("closing techniques")
        ordering = ["kind"]

    def __str__(self) -> str:
        return self.get_kind_display()


class AfterSalesRule(models.Model):
    """One clause of the shop's after-sales rules (售后制度), cited when a request is declined."""

    code = models.CharField(_("code"), max_length=32, unique=True)
    title = models.CharField(_("title"), max_length=128)
    clause = models.TextField(_("clause"))
    time_limit_days = models.PositiveSmallIntegerField(_("time limit (days)"), null=True, blank=True)
    conditions = models.JSONField(_("conditions"), default=list, blank=True)
    enabled = models.BooleanField(_("enabled"), default=True)

    class Meta:
        verbose_name = _("after-sales rule")
        verbose_name_plural = _("after-sales rules")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.title}"


class Playbook(models.Model):
    """How to handle one after-sales problem: causes to check, handling, offers, prevention."""

    problem = models.CharField(_("problem"), max_length=24, choices=ProblemType.choices, unique=True)
    title = models.CharField(_("title"), max_length=128)
    causes = models.JSONField(_("causes"), default=list, blank=True)
    handling = models.JSONField(_("handling steps"), default=list, blank=True)
    offers = models.JSONField(_("what to offer"), default=list, blank=True)
    prevention = models.JSONField(_("prevention"), default=list, blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("after-sales playbook")
        verbose_name_plural = _("after-sales playbooks")
        ordering = ["problem"]

    def __str__(self) -> str:
        return self.title


class SuggestionFeedback(models.Model):
    """An agent's use of a reply suggestion; FAQ rows teach the retriever (kefu.assist.feedback)."""

    message = models.ForeignKey(
        "conversations.Message", on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("customer message")
    )
    query = models.TextField(_("customer message"), help_text=_("The text the suggestion answered"))
    source = models.CharField(_("source"), max_length=16, choices=SuggestionSource.choices)
    source_id = models.CharField(_("source id"), max_length=64, blank=True)
    outcome = models.CharField(_("outcome"), max_length=16, choices=SuggestionOutcome.choices, db_index=True)
    suggested = models.TextField(_("suggested text"))
    sent = models.TextField(_("sent text"), blank=True)
    agent = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("agent"))
    created_at = models.DateTimeField(_("created at"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("suggestion feedback")
        verbose_name_plural = _("suggestion feedback")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.get_outcome_display()} {self.source}:{self.source_id}"
