"""Ticks on a ticket's playbook checklist; the playbooks themselves are knowledge.Playbook."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..enums import ChecklistSection


class ChecklistTick(models.Model):
    """One playbook item an agent marked done on one ticket; the item's text is kept as it was."""

    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.CASCADE, related_name="checklist_ticks", verbose_name=_("ticket"))
    section = models.CharField(_("section"), max_length=16, choices=ChecklistSection.choices)
    item_key = models.CharField(_("item"), max_length=64, help_text=_("section:position, e.g. handling:2"))
    label = models.CharField(_("text"), max_length=255)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("done by")
    )
    done_at = models.DateTimeField(_("done at"), default=timezone.now)

    class Meta:
        verbose_name = _("checklist tick")
        verbose_name_plural = _("checklist ticks")
        ordering = ["ticket", "item_key"]
        constraints = [models.UniqueConstraint(fields=["ticket", "item_key"], name="uniq_ticket_checklist_item")]

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.item_key}"
