"""Admin for import runs, with an upload page that runs an import and shows its summary."""

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from kefu.accounts.permissions import Capability, user_can
from kefu.customers.enums import Platform

from .enums import ImportKind, ImportVia
from .models import ImportRun
from .services import import_run_execute, import_run_messages


class ImportUploadForm(forms.Form):
    kind = forms.ChoiceField(label=_("What the file holds"), choices=ImportKind.choices)
    file = forms.FileField(label=_("File"), help_text=_("CSV (UTF-8 or GBK) or XLSX, with a header row"))
    encoding = forms.ChoiceField(
        label=_("Encoding"), choices=[("auto", _("Detect")), ("utf-8", "UTF-8"), ("gbk", "GBK / GB18030")], initial="auto"
    )
    platform = forms.ChoiceField(
        label=_("Platform of the member names"),
        choices=[(p.value, p.label) for p in (Platform.TAOBAO, Platform.JD, Platform.PINDUODUO, Platform.DOUYIN, Platform.SHOP)],
        initial=Platform.TAOBAO,
    )
    mapping = forms.FileField(
        label=_("Column mapping"), required=False, help_text=_('Optional JSON file: {"their header": "our field"}')
    )
    dry_run = forms.BooleanField(label=_("Dry run: check and count, write nothing"), required=False)


def _may_import(request: HttpRequest) -> bool:
    user = request.user
    return user.is_staff and user_can(user, Capability.DATA_IMPORT)


@admin.register(ImportRun)
class ImportRunAdmin(admin.ModelAdmin):
    change_list_template = "admin/importing/importrun/change_list.html"
    list_display = ("started_at", "kind", "file_name", "status", "rows_total", "created_count", "updated_count", "rejected_count", "user", "via")
    list_filter = ("kind", "status", "via", "started_at")
    search_fields = ("file_name", "user__username")
    date_hierarchy = "started_at"
    list_select_related = ("user",)
    fields = (
        "kind", "file_name", "status", "message", "user", "via", "encoding", "started_at", "finished_at", "speed",
        "rows_total", "created_count", "updated_count", "rejected_count", "details", "error_list",
    )  # fmt: skip
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # imports are made on the upload page

    def has_change_permission(self, request: HttpRequest, obj: ImportRun | None = None) -> bool:
        return False

    def has_view_permission(self, request: HttpRequest, obj: ImportRun | None = None) -> bool:
        return _may_import(request) or super().has_view_permission(request, obj)

    def has_module_permission(self, request: HttpRequest) -> bool:
        return _may_import(request) or super().has_module_permission(request)

    @admin.display(description=_("rows per second"))
    def speed(self, run: ImportRun) -> str:
        return f"{run.rows_per_second:,.0f} ({run.duration_seconds:.1f} s)"

    @admin.display(description=_("errors"))
    def error_list(self, run: ImportRun) -> str:
        messages = import_run_messages(run=run)
        if not messages:
            return "-"
        return format_html("<ul>{}</ul>", format_html_join("", "<li>{}</li>", ((message,) for message in messages)))

    def get_urls(self):
        upload = path("upload/", self.admin_site.admin_view(self.upload_view), name="importing_importrun_upload")
        return [upload, *super().get_urls()]

    def changelist_view(self, request: HttpRequest, extra_context: dict | None = None) -> HttpResponse:
        extra_context = {**(extra_context or {}), "may_import": _may_import(request)}
        return super().changelist_view(request, extra_context)

    def upload_view(self, request: HttpRequest) -> HttpResponse:
        """Choose a kind and a file, run the import, and show its summary and errors."""
        if not _may_import(request):
            raise PermissionDenied
        run = None
        if request.method == "POST":
            form = ImportUploadForm(request.POST, request.FILES)
            if form.is_valid():
                upload = form.cleaned_data["file"]
                mapping = form.cleaned_data["mapping"]
                run = import_run_execute(
                    kind=form.cleaned_data["kind"],
                    file=upload.file,
                    file_name=upload.name,
                    user=request.user,
                    via=ImportVia.ADMIN,
                    mapping=mapping.file if mapping else None,
                    encoding=form.cleaned_data["encoding"],
                    dry_run=form.cleaned_data["dry_run"],
                    platform=form.cleaned_data["platform"],
                    ip_address=request.META.get("REMOTE_ADDR") or None,
                )
        else:
            form = ImportUploadForm()
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("Import a file"),
            "form": form,
            "run": run,
            "run_errors": import_run_messages(run=run) if run is not None else [],
            "run_url": reverse("admin:importing_importrun_change", args=[run.pk]) if run is not None and run.pk else "",
        }
        return TemplateResponse(request, "admin/importing/importrun/upload.html", context)
