"""Service outcomes as the flash messages the ticket pages show."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest


def _errors_text(error: ValidationError) -> str:
    """Flatten a service's ValidationError into one line for a flash message."""
    texts = []
    for messages_ in (error.message_dict.values() if hasattr(error, "error_dict") else [error.messages]):
        texts.extend(str(text) for text in messages_)
    return " ".join(texts)


def _form_or_error(request: HttpRequest, form) -> bool:
    if form.is_valid():
        return True
    messages.error(request, " ".join(str(error) for errors in form.errors.values() for error in errors))
    return False
