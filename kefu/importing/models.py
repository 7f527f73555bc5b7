from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from .enums import ImportKind, ImportStatus, ImportVia

MAX_STORED_ERRORS = 1000


class ImportRun(models.Model):
    """One import of a shop export file, with its counts and the first errors, kept as history."""

    kind = models.CharField(_("kind"), max_length=16, choices=ImportKind.choices, db_index=True)
    file_name = models.CharField(_("file name"), max_length=255)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("user")
    )
    via = models.CharField(_("via"), max_length=16, choices=ImportVia.choices, default=ImportVia.CLI)
    status = models.CharField(_("status"), max_length=16, choices=ImportStatus.choices, default=ImportStatus.RUNNING, db_index=True)
    encoding = models.CharField(_("encoding"), max_length=16, blank=True)
    started_at = models.DateTimeField(_("started at"), db_index=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    rows_total = models.PositiveIntegerField(_("rows read"), default=0)
    created_count = models.PositiveIntegerField(_("created"), default=0)
    updated_count = models.PositiveIntegerField(_("updated"), default=0)
    rejected_count = models.PositiveIntegerField(_("rejected rows"), default=0)
    errors = models.JSONField(_("errors"), default=list, blank=True, help_text=_("The first 1,000 rejected rows: line and reason"))
    message = models.TextField(_("message"), blank=True, help_text=_("Why the whole file failed, if it did"))
    details = models.JSONField(_("details"), default=dict, blank=True, help_text=_("Extra counts, e.g. customers created by an order import"))

    class Meta:
        verbose_name = _("import run")
        verbose_name_plural = _("import runs")
        ordering = ["-started_at"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.file_name} ({self.started_at:%Y-%m-%d %H:%M})"

    @property
    def duration_seconds(self) -> float:
        if not self.finished_at:
            return 0.0
        return (self.finished_at - self.started_at).total_seconds()

    @property
    def rows_per_second(self) -> float:
        seconds = self.duration_seconds
        return self.rows_total / seconds if seconds > 0 else 0.0
