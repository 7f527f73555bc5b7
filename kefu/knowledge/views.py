"""Back-office pages of the knowledge base: FAQ, phrase library, forbidden-phrase rules, objection scripts.

Supervisors and administrators only (``knowledge.write``). Views parse, call one service and
answer; the services validate, audit and tell every server process the knowledge changed.
"""

import io
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import models
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from kefu.accounts.permissions import Capability, user_can
from kefu.catalog.models import Product

from . import selectors, services
from .csv_io import FORMATS, LIST_JOINER
from .enums import FaqCategory, ForbiddenCategory, ObjectionKind
from .forms import CsvImportForm, FaqEntryForm, ForbiddenRuleForm, ObjectionScriptForm, PhraseForm
from .models import FaqEntry, ForbiddenRule, ObjectionScript, Phrase

FAQ_PAGE_SIZE = 50
MAX_DRAFT = 2000


@dataclass(frozen=True)
class Kind:
    """What the generic pages need to know about one of the four lists."""

    key: str  # "faq", "phrases", "rules", "objections": URL part and CSV format
    model: type[models.Model]
    form: type
    save: Any
    delete: Any
    instance_arg: str  # the services' keyword for the row
    title: Any
    item_name: Any

    @property
    def list_url(self) -> str:
        return reverse(f"knowledge:{self.key}_list")


KINDS = {
    "faq": Kind("faq", FaqEntry, FaqEntryForm, services.faq_entry_save, services.faq_entry_delete, "entry", gettext_lazy("FAQ"), gettext_lazy("FAQ entry")),
    "phrases": Kind("phrases", Phrase, PhraseForm, services.phrase_save, services.phrase_delete, "phrase", gettext_lazy("Phrase library"), gettext_lazy("phrase")),
    "rules": Kind("rules", ForbiddenRule, ForbiddenRuleForm, services.forbidden_rule_save, services.forbidden_rule_delete, "rule", gettext_lazy("Forbidden phrases"), gettext_lazy("forbidden-phrase rule")),
    "objections": Kind("objections", ObjectionScript, ObjectionScriptForm, services.objection_script_save, services.objection_script_delete, "script", gettext_lazy("Objection scripts"), gettext_lazy("objection script")),
}  # fmt: skip


def _require(request: HttpRequest) -> None:
    if not user_can(request.user, Capability.KNOWLEDGE_WRITE):
        raise PermissionDenied(_("Only supervisors and administrators may manage the knowledge base."))


def _context(kind: str, **extra: Any) -> dict[str, Any]:
    return {"kind": KINDS[kind], "kinds": KINDS.values(), "list_joiner": LIST_JOINER.strip(), **extra}


def _query(request: HttpRequest, *names: str) -> str:
    return urlencode({name: request.GET[name] for name in names if request.GET.get(name)})


@login_required
def home(request: HttpRequest) -> HttpResponse:
    _require(request)
    return redirect("knowledge:faq_list")


@login_required
def faq_list(request: HttpRequest) -> HttpResponse:
    _require(request)
    filters = {name: request.GET.get(name, "").strip() for name in ("q", "category", "product", "enabled")}
    entries = selectors.faq_entry_list(**filters)
    page = Paginator(entries, FAQ_PAGE_SIZE).get_page(request.GET.get("page"))
    ask = request.GET.get("ask", "").strip()[:MAX_DRAFT]
    context = _context(
        "faq",
        page=page,
        filters=filters,
        query=_query(request, "q", "category", "product", "enabled"),
        categories=FaqCategory.choices,
        products=Product.objects.filter(faq_entries__isnull=False).distinct().order_by("name"),
        ask=ask,
        matches=selectors.faq_try(ask) if ask else None,
    )
    return render(request, "knowledge/faq_list.html", context)


@login_required
@require_POST
def faq_bulk(request: HttpRequest) -> HttpResponse:
    _require(request)
    ids = [int(value) for value in request.POST.getlist("ids") if value.isdigit()]
    action = request.POST.get("action", "")
    back = request.POST.get("next", "")
    target = back if back.startswith("/") and url_has_allowed_host_and_scheme(back, allowed_hosts=None) else reverse("knowledge:faq_list")
    if not ids:
        messages.error(request, _("Tick at least one FAQ entry first."))
    elif action in {"enable", "disable"}:
        count = services.faq_entries_set_enabled(actor=request.user, ids=ids, enabled=action == "enable")
        messages.success(request, _("%(count)d FAQ entries changed.") % {"count": count})
    elif action == "delete":
        count = services.faq_entries_delete(actor=request.user, ids=ids)
        messages.success(request, _("%(count)d FAQ entries deleted.") % {"count": count})
    else:
        messages.error(request, _("Choose what to do with the ticked entries."))
    return redirect(target)


@login_required
def phrase_list(request: HttpRequest) -> HttpResponse:
    _require(request)
    q = request.GET.get("q", "").strip()
    return render(request, "knowledge/phrase_list.html", _context("phrases", groups=selectors.phrase_groups(q=q), q=q))


@login_required
def rule_list(request: HttpRequest) -> HttpResponse:
    _require(request)
    q, category = request.GET.get("q", "").strip(), request.GET.get("category", "")
    draft = request.GET.get("draft", "")[:MAX_DRAFT]
    context = _context(
        "rules",
        rules=selectors.forbidden_rule_list(q=q, category=category),
        q=q,
        category=category,
        categories=ForbiddenCategory.choices,
        draft=draft,
        check=selectors.draft_check(draft) if draft.strip() else None,
    )
    return render(request, "knowledge/rule_list.html", context)


@login_required
def guard_decisions(request: HttpRequest) -> HttpResponse:
    """List what agents did when the guard flagged a draft: the quality inspector's view of forbidden phrases."""
    from kefu.conversations.enums import GuardDecisionKind

    _require(request)
    decision, category = request.GET.get("decision", ""), request.GET.get("category", "")
    if decision not in GuardDecisionKind.values:
        decision = ""
    if category not in ForbiddenCategory.values:
        category = ""
    context = _context(
        "rules",
        decisions=selectors.guard_decision_list(decision=decision, category=category),
        decision=decision,
        category=category,
        decision_choices=GuardDecisionKind.choices,
        categories=ForbiddenCategory.choices,
        category_labels=dict(ForbiddenCategory.choices),
    )
    return render(request, "knowledge/guard_decisions.html", context)


@login_required
def objection_list(request: HttpRequest) -> HttpResponse:
    _require(request)
    q, kind = request.GET.get("q", "").strip(), request.GET.get("kind", "")
    context = _context(
        "objections", scripts=selectors.objection_script_list(q=q, kind=kind), q=q, selected_kind=kind, objection_kinds=ObjectionKind.choices
    )
    return render(request, "knowledge/objection_list.html", context)


@login_required
def item_edit(request: HttpRequest, kind: str, pk: int | None = None) -> HttpResponse:
    """Create (no pk) or edit one row of any of the four lists."""
    _require(request)
    spec = KINDS[kind]
    instance = get_object_or_404(spec.model, pk=pk) if pk is not None else None
    if request.method == "POST":
        form = spec.form(request.POST)
        if form.is_valid():
            try:
                saved = spec.save(actor=request.user, **{spec.instance_arg: instance}, **form.service_kwargs())
            except ValidationError as error:
                form.add_service_errors(error)
            else:
                messages.success(request, _("Saved “%(item)s”. The assistant uses it within a second.") % {"item": saved})
                return redirect(spec.list_url)
    else:
        form = spec.form(initial=spec.form.initial_for(instance) if instance else None)
    status = 400 if form.errors else 200
    return render(request, "knowledge/edit.html", _context(kind, form=form, instance=instance), status=status)


@login_required
def item_delete(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    _require(request)
    spec = KINDS[kind]
    instance = get_object_or_404(spec.model, pk=pk)
    if request.method == "POST":
        spec.delete(actor=request.user, **{spec.instance_arg: instance})
        messages.success(request, _("Deleted “%(item)s”.") % {"item": instance})
        return redirect(spec.list_url)
    return render(request, "knowledge/delete.html", _context(kind, instance=instance))


@login_required
def csv_export(request: HttpRequest, kind: str) -> HttpResponse:
    _require(request)
    content = services.knowledge_export_csv(actor=request.user, kind=kind)
    response = HttpResponse(content, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="kefu-{kind}.csv"'
    return response


@login_required
def csv_import(request: HttpRequest, kind: str) -> HttpResponse:
    _require(request)
    report = None
    form = CsvImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        report = services.knowledge_import_csv(
            actor=request.user, kind=kind, binary=io.BytesIO(upload.read()), file_name=upload.name, encoding=form.cleaned_data["encoding"]
        )
    status = 400 if form.errors or (report is not None and not report.readable) else 200
    columns = FORMATS[kind].columns
    return render(request, "knowledge/import.html", _context(kind, form=form, report=report, columns=columns), status=status)
