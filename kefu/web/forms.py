"""What the back-office forms share: a service's refusal shown next to the fields it names."""

from __future__ import annotations

from collections.abc import Mapping

from django import forms
from django.core.exceptions import ValidationError


def form_add_service_errors(form: forms.Form, error: ValidationError, field_map: Mapping[str, str | None] | None = None) -> None:
    """Put a service's ValidationError on the form: by field where it names one (renamed by ``field_map``), else above it."""
    if not hasattr(error, "error_dict"):
        for message in error.messages:
            form.add_error(None, message)
        return
    for name, errors in error.error_dict.items():
        target = (field_map or {}).get(name, name)
        for item in errors:
            form.add_error(target if target in form.fields else None, item)
