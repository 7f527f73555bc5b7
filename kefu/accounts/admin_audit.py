"""Audit rows for changes made in the Django admin, like those the services write."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from .enums import AuditAction
from .services import audit_record, audit_value


def _jsonable(value: Any) -> Any:
    """Audit form values: the services' audit form, and text for model instances and querysets."""
    value = audit_value(value)
    return value if isinstance(value, str | int | float | bool | type(None) | list | dict) else str(value)


class AuditedAdminMixin(admin.ModelAdmin):
    """Write an audit row for every add, change and delete of customer data in the admin."""

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        before = {}
        if change and obj.pk:
            stored = type(obj).objects.filter(pk=obj.pk).values(*[f for f in form.changed_data if f in {c.name for c in obj._meta.concrete_fields}]).first()
            before = stored or {}
        super().save_model(request, obj, form, change)
        changes = {field: [_jsonable(before.get(field)), _jsonable(form.cleaned_data.get(field))] for field in form.changed_data}
        audit_record(
            actor=request.user,
            action=AuditAction.UPDATE if change else AuditAction.CREATE,
            obj=obj,
            changes=changes,
            via="admin",
            ip_address=request.META.get("REMOTE_ADDR"),
        )

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        audit_record(actor=request.user, action=AuditAction.DELETE, obj=obj, via="admin", ip_address=request.META.get("REMOTE_ADDR"))
        super().delete_model(request, obj)

    def delete_queryset(self, request: HttpRequest, queryset: Any) -> None:
        for obj in queryset:
            audit_record(actor=request.user, action=AuditAction.DELETE, obj=obj, via="admin", ip_address=request.META.get("REMOTE_ADDR"))
        super().delete_queryset(request, queryset)
