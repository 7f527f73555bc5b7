"""`kefu import customers|orders|products FILE`: import a shop export from the command line."""

import sys
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from kefu.customers.enums import Platform
from kefu.importing.enums import ImportKind, ImportStatus, ImportVia
from kefu.importing.readers import ENCODINGS
from kefu.importing.services import import_run_execute, import_run_messages

SHOWN_ERRORS = 50
PLATFORMS = [Platform.TAOBAO, Platform.JD, Platform.PINDUODUO, Platform.DOUYIN, Platform.SHOP]


class Command(BaseCommand):
    help = "Import customers, orders or products from a CSV (UTF-8 or GBK) or XLSX export."

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=ImportKind.values)
        parser.add_argument("file", type=Path)
        parser.add_argument("--mapping", type=Path, help='JSON file {"their header": "our field"} for other column names')
        parser.add_argument("--encoding", choices=[e for e in ENCODINGS if e != "gb18030"], default="auto")
        parser.add_argument("--dry-run", action="store_true", help="check and count everything, write nothing")
        parser.add_argument("--platform", choices=[p.value for p in PLATFORMS], default=Platform.TAOBAO.value,
                            help="where the buyer member names come from (default taobao)")
        parser.add_argument("--user", help="username recorded as the importer in the audit log")
        parser.add_argument("--batch-size", type=int, help="rows per transaction (default settings.KEFU IMPORT_BATCH_SIZE)")
        parser.add_argument("--quiet", action="store_true", help="no progress bar")

    def handle(self, *args, kind, file, mapping, encoding, dry_run, platform, user, batch_size, quiet, **options):
        if not file.is_file():
            raise CommandError(_("File not found: %(path)s") % {"path": file})
        if mapping is not None and not mapping.is_file():
            raise CommandError(_("File not found: %(path)s") % {"path": mapping})
        actor = None
        if user:
            actor = get_user_model().objects.filter(username=user).first()
            if actor is None:
                raise CommandError(_("No user %(username)s.") % {"username": user})
        bar = None
        progress = None
        if not quiet and sys.stderr.isatty():
            from tqdm import tqdm

            bar = tqdm(total=None, desc=file.name, file=sys.stderr, unit="B", unit_scale=True, delay=0.5, leave=False)

            def progress(position: int, total: int | None) -> None:
                if total is not None and bar.total != total:
                    bar.total = total
                    if file.suffix.lower() in (".xlsx", ".xlsm"):
                        bar.unit, bar.unit_scale = "row", False
                bar.update(position - bar.n)

        try:
            with file.open("rb") as handle:
                run = import_run_execute(
                    kind=kind, file=handle, file_name=file.name, user=actor, via=ImportVia.CLI,
                    mapping=str(mapping) if mapping else None, encoding=encoding, dry_run=dry_run,
                    platform=platform, batch_size=batch_size, on_progress=progress,
                )  # fmt: skip
        except PermissionDenied as denied:
            raise CommandError(str(denied)) from denied
        finally:
            if bar is not None:
                bar.close()
        if run.status == ImportStatus.FAILED:
            raise CommandError(run.message)
        for message in import_run_messages(run=run, limit=SHOWN_ERRORS):
            self.stderr.write(message)
        if run.rejected_count > SHOWN_ERRORS:
            more = run.rejected_count - SHOWN_ERRORS
            where = _(" (see import run #%(id)s in the admin)") % {"id": run.pk} if run.pk else ""
            self.stderr.write(_("… and %(count)d more rejected rows%(where)s") % {"count": more, "where": where})
        summary = _(
            "%(kind)s: %(rows)d rows read, %(created)d created, %(updated)d updated, %(rejected)d rows rejected "
            "in %(seconds).1f s (%(speed).0f rows/s)."
        ) % {
            "kind": run.get_kind_display(), "rows": run.rows_total, "created": run.created_count,
            "updated": run.updated_count, "rejected": run.rejected_count, "seconds": run.duration_seconds,
            "speed": run.rows_per_second,
        }  # fmt: skip
        if kind == ImportKind.ORDERS and run.details.get("customers_created"):
            summary += " " + _("%(count)d new customers.") % {"count": run.details["customers_created"]}
        if dry_run:
            summary = _("Dry run, nothing written.") + " " + summary
        self.stdout.write(self.style.SUCCESS(summary) if run.status == ImportStatus.SUCCEEDED else self.style.WARNING(summary))
