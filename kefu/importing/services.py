"""Run an import: stream rows, validate them in Python, write them in batches, record the run.

Every row is parsed and checked before anything is written, so a batch's transaction only
fails for exceptional reasons (a race on a unique key, a constraint we did not foresee); the
batch is then retried one record at a time so that its good rows are still imported.
"""

from collections import Counter
from collections.abc import Callable
from typing import IO, Any

from django.conf import settings
from django.db import DatabaseError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kefu.accounts.enums import AuditAction
from kefu.accounts.models import User
from kefu.accounts.permissions import Capability, permission_require
from kefu.accounts.services import audit_record

from .cells import RowError
from .columns import load_mapping, resolve_columns
from .customers import CustomerImporter
from .enums import ImportKind, ImportStatus, ImportVia
from .importers import BatchOutcome, Importer, RowGroup
from .models import MAX_STORED_ERRORS, ImportRun
from .orders import OrderImporter
from .products import ProductImporter
from .readers import FileUnreadable, open_table

IMPORTERS: dict[str, type[Importer]] = {
    ImportKind.ORDERS: OrderImporter,
    ImportKind.CUSTOMERS: CustomerImporter,
    ImportKind.PRODUCTS: ProductImporter,
}

ProgressCallback = Callable[[int, int | None], None]


class _Tally:
    """Counts and the first errors of one run; memory stays bounded however many rows fail."""

    def __init__(self) -> None:
        self.rows = 0
        self.created = 0
        self.updated = 0
        self.rejected = 0
        self.errors: list[dict[str, Any]] = []
        self.details: Counter = Counter()

    def reject(self, line: int, reason: str) -> None:
        self.rejected += 1
        if len(self.errors) < MAX_STORED_ERRORS:
            self.errors.append({"line": line, "reason": reason})

    def reject_group(self, group: RowGroup, line: int, reason: str) -> None:
        """Reject every row of a record: the bad one with its reason, the others pointing to it."""
        for other in group.lines:
            if other == line:
                self.reject(line, reason)
            else:
                self.reject(other, _("%(key)s is not imported because line %(line)d has an error") % {"key": group.key, "line": line})

    def add(self, outcome: BatchOutcome) -> None:
        self.created += outcome.created
        self.updated += outcome.updated
        self.details.update(outcome.details)
        for group, line, reason in outcome.rejected:
            self.reject_group(group, line, reason)


def _write(importer: Importer, groups: list[RowGroup], tally: _Tally) -> None:
    """Write one batch in one transaction; if the database refuses it, bisect to find the culprits.

    Rows are validated before, so this is exceptional; halving keeps it to a few extra
    transactions per bad record instead of one per record of the batch.
    """
    if not groups:
        return
    try:
        with transaction.atomic():
            outcome = importer.write_batch(groups)
    except DatabaseError as error:
        if len(groups) == 1:
            tally.reject_group(groups[0], groups[0].lines[0], _("the database refused it: %(error)s") % {"error": error})
            return
        middle = len(groups) // 2
        _write(importer, groups[:middle], tally)
        _write(importer, groups[middle:], tally)
        return
    tally.add(outcome)


def _flush(importer: Importer, groups: dict[str, RowGroup], tally: _Tally) -> None:
    good = []
    for group in groups.values():
        if group.error is not None:
            tally.reject_group(group, *group.error)
        else:
            good.append(group)
    _write(importer, good, tally)


def import_run_execute(
    *,
    kind: str,
    file: IO[bytes],
    file_name: str,
    user: User | None = None,
    via: str = ImportVia.CLI,
    mapping: dict[str, str] | IO[bytes] | str | None = None,
    encoding: str = "auto",
    dry_run: bool = False,
    platform: str = "taobao",
    batch_size: int | None = None,
    on_progress: ProgressCallback | None = None,
    ip_address: str | None = None,
) -> ImportRun:
    """Import a customers, orders or products file and return its ImportRun.

    A dry run reads and checks everything and counts what would be created or updated, but
    writes nothing: not the data, not the ImportRun (returned unsaved), not the audit log.
    """
    if kind not in IMPORTERS:
        raise ValueError(f"unknown import kind {kind!r}")
    batch_size = batch_size or settings.KEFU["IMPORT_BATCH_SIZE"]
    actor = user if user is not None and user.pk else None
    permission_require(actor, Capability.DATA_IMPORT)
    run = ImportRun(kind=kind, file_name=file_name[:255], user=actor, via=via, started_at=timezone.now())
    if not dry_run:
        run.save()
    tally = _Tally()
    reader = None
    try:
        reader = open_table(file, file_name=file_name, encoding=encoding)
        run.encoding = reader.encoding
        columns = resolve_columns(kind=kind, header=reader.header, mapping=load_mapping(mapping))
        importer = IMPORTERS[kind](columns=columns, started_at=run.started_at, dry_run=dry_run, platform=platform)
        groups: dict[str, RowGroup] = {}
        rows_in_batch = 0
        last_key = None
        total = reader.progress_total
        for row in reader.rows():
            tally.rows += 1
            cells = columns.cells(row.values)
            try:
                key = importer.row_key(cells)
            except RowError as error:
                tally.reject(row.line, str(error))
                continue
            if key is None:
                key = f"#{row.line}"
            # a batch ends at a record boundary, so the rows of one order stay together
            if rows_in_batch >= batch_size and key != last_key and key not in groups:
                _flush(importer, groups, tally)
                groups = {}
                rows_in_batch = 0
                if on_progress is not None:
                    on_progress(reader.progress_position(), total)
            last_key = key
            rows_in_batch += 1
            group = groups.get(key)
            if group is None:
                group = groups[key] = RowGroup(key=key)
            group.lines.append(row.line)
            if group.error is not None:
                continue
            try:
                group.records.append(importer.parse_row(cells))
            except RowError as error:
                group.error = (row.line, str(error))
        _flush(importer, groups, tally)
        if on_progress is not None:
            on_progress(total if total is not None else reader.progress_position(), total)
        run.status = ImportStatus.PARTIAL if tally.rejected else ImportStatus.SUCCEEDED
        if columns.ignored:
            run.details["ignored_columns"] = columns.ignored[:100]
    except FileUnreadable as error:
        run.status = ImportStatus.FAILED
        run.message = str(error)
    finally:
        if reader is not None:
            reader.close()
    run.finished_at = timezone.now()
    run.rows_total = tally.rows
    run.created_count = tally.created
    run.updated_count = tally.updated
    run.rejected_count = tally.rejected
    run.errors = tally.errors
    run.details.update(tally.details)
    run.details["dry_run"] = dry_run
    if dry_run:
        return run
    run.save()
    audit_record(
        actor=actor,
        action=AuditAction.IMPORT,
        obj=run,
        changes={
            "kind": kind,
            "file_name": run.file_name,
            "status": run.status,
            "rows": run.rows_total,
            "created": run.created_count,
            "updated": run.updated_count,
            "rejected": run.rejected_count,
        },
        via=via,
        ip_address=ip_address,
    )
    return run


def import_run_messages(*, run: ImportRun, limit: int | None = None) -> list[str]:
    """Return the run's errors as lines for people to read, in the active language."""
    errors = run.errors if limit is None else run.errors[:limit]
    return [_("line %(line)d: %(reason)s") % {"line": error["line"], "reason": error["reason"]} for error in errors]
