"""Forms of the knowledge pages: they parse what was typed; the services validate and store it."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from kefu.catalog.models import Product
from kefu.web.forms import form_add_service_errors

from .enums import FaqCategory, ForbiddenCategory, ObjectionKind, PhraseStage
from .models import FaqEntry, ForbiddenRule, ObjectionScript, Phrase

LINES_HELP = _("One per line.")


def _lines(value: str) -> list[str]:
    return [line.strip() for line in (value or "").splitlines() if line.strip()]


class ServiceForm(forms.Form):
    """A form whose ``service_kwargs()`` feed a service; the service's field errors come back with ``add_service_errors``."""

    def add_service_errors(self, error: ValidationError) -> None:
        form_add_service_errors(self, error, {"product_id": "product"})


class FaqEntryForm(ServiceForm):
    question = forms.CharField(label=_("Question"), max_length=255)
    variants = forms.CharField(
        label=_("Other ways customers ask"), required=False, widget=forms.Textarea(attrs={"rows": 5}), help_text=LINES_HELP
    )
    answer = forms.CharField(label=_("Answer"), widget=forms.Textarea(attrs={"rows": 5}))
    category = forms.ChoiceField(label=_("Category"), choices=FaqCategory.choices)
    product = forms.ModelChoiceField(label=_("Product"), queryset=Product.objects.order_by("name"), required=False)
    enabled = forms.BooleanField(label=_("Enabled"), required=False, initial=True)

    @staticmethod
    def initial_for(entry: FaqEntry) -> dict:
        return {
            "question": entry.question,
            "variants": "\n".join(entry.variants or []),
            "answer": entry.answer,
            "category": entry.category,
            "product": entry.product_id,
            "enabled": entry.enabled,
        }

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        return {**data, "variants": _lines(data["variants"])}


class PhraseForm(ServiceForm):
    stage = forms.ChoiceField(label=_("Stage"), choices=PhraseStage.choices)
    shortcut = forms.CharField(label=_("Shortcut"), max_length=33, help_text=_("Typed after / in the composer, e.g. hi"))
    title = forms.CharField(label=_("Title"), max_length=64)
    body = forms.CharField(label=pgettext_lazy("text of a quick phrase", "Text"), widget=forms.Textarea(attrs={"rows": 4}), help_text=_("Placeholders: {name} {agent} {product} {order} {tracking} {carrier} {hours}"))
    sort_order = forms.IntegerField(label=_("Order"), min_value=0, max_value=32767, initial=0)
    enabled = forms.BooleanField(label=_("Enabled"), required=False, initial=True)

    @staticmethod
    def initial_for(phrase: Phrase) -> dict:
        return {f: getattr(phrase, f) for f in ("stage", "shortcut", "title", "body", "sort_order", "enabled")}

    def service_kwargs(self) -> dict:
        return dict(self.cleaned_data)


class ForbiddenRuleForm(ServiceForm):
    category = forms.ChoiceField(label=_("Category"), choices=ForbiddenCategory.choices)
    pattern = forms.CharField(label=_("Pattern"), max_length=255, help_text=_("Plain words, or a regular expression when the box below is ticked, e.g. 你(自己)?看(说明书|详情页)"))
    is_regex = forms.BooleanField(label=_("Regular expression"), required=False)
    examples = forms.CharField(label=_("Examples"), required=False, widget=forms.Textarea(attrs={"rows": 3}), help_text=LINES_HELP)
    rewrite = forms.CharField(label=_("Suggested rewrite"), widget=forms.Textarea(attrs={"rows": 3}))
    explanation = forms.CharField(label=_("Why it is forbidden"), max_length=255, required=False)
    enabled = forms.BooleanField(label=_("Enabled"), required=False, initial=True)

    @staticmethod
    def initial_for(rule: ForbiddenRule) -> dict:
        initial = {f: getattr(rule, f) for f in ("category", "pattern", "is_regex", "rewrite", "explanation", "enabled")}
        return {**initial, "examples": "\n".join(rule.examples or [])}

    def service_kwargs(self) -> dict:
        return {**self.cleaned_data, "examples": _lines(self.cleaned_data["examples"])}


class ObjectionScriptForm(ServiceForm):
    kind = forms.ChoiceField(label=_("Objection"), choices=ObjectionKind.choices)
    triggers = forms.CharField(label=_("Customer wording"), required=False, widget=forms.Textarea(attrs={"rows": 4}), help_text=LINES_HELP)
    answer = forms.CharField(label=_("Answer"), widget=forms.Textarea(attrs={"rows": 4}))
    explanation = forms.CharField(label=_("Why it works"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    sort_order = forms.IntegerField(label=_("Order"), min_value=0, max_value=32767, initial=0)

    @staticmethod
    def initial_for(script: ObjectionScript) -> dict:
        initial = {f: getattr(script, f) for f in ("kind", "answer", "explanation", "sort_order")}
        return {**initial, "triggers": "\n".join(script.triggers or [])}

    def service_kwargs(self) -> dict:
        return {**self.cleaned_data, "triggers": _lines(self.cleaned_data["triggers"])}


class CsvImportForm(forms.Form):
    file = forms.FileField(label=_("CSV file"))
    encoding = forms.ChoiceField(
        label=_("Encoding"),
        choices=[("auto", _("Detect (UTF-8 or GBK)")), ("utf-8", "UTF-8"), ("gbk", "GBK / GB18030")],
        initial="auto",
    )

    MAX_BYTES = 10 * 1024 * 1024

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > self.MAX_BYTES:
            raise ValidationError(_("The file is larger than 10 MB."), code="too_large")
        return upload
