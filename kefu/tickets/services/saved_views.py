"""Saved filters of the ticket list, per user."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from kefu.accounts.models import User

from ..models import SavedView
from .timeline import _error


def saved_view_save(*, user: User, name: str, query: str) -> SavedView:
    """Keep the list's current filters under a name; saving the same name again replaces them."""
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": [_error(_("This field is required."), "required")]})
    if len(name) > 64:
        raise ValidationError({"name": [_error(_("Ensure this value has at most %(limit)s characters."), "max_length", limit=64)]})
    query = (query or "").lstrip("?")[:500]
    view, _created = SavedView.objects.update_or_create(user=user, name=name, defaults={"query": query})
    return view


def saved_view_delete(*, user: User, view_id: int) -> None:
    SavedView.objects.filter(user=user, pk=view_id).delete()
