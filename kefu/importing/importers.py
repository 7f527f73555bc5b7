"""What every kind of import does: key a row, parse it, and write a batch of grouped rows."""

import datetime
import sqlite3
from collections import Counter
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from typing import Any

from django.db import connections, models, router
from django.db.models import Q
from django.utils import timezone

from kefu.customers.enums import Platform
from kefu.customers.models import CustomerIdentity

from .columns import ColumnMap


@dataclass(slots=True)
class RowGroup:
    """The rows of one record (an order spans one row per item), parsed, with the first error."""

    key: str
    lines: list[int] = dataclass_field(default_factory=list)
    records: list[dict[str, Any]] = dataclass_field(default_factory=list)
    error: tuple[int, str] | None = None


@dataclass(slots=True)
class BatchOutcome:
    created: int = 0
    updated: int = 0
    rejected: list[tuple[RowGroup, int, str]] = dataclass_field(default_factory=list)  # group, line, reason
    details: Counter = dataclass_field(default_factory=Counter)


class Importer:
    """One kind of import; subclasses parse rows in Python and write a batch with a few queries."""

    kind: str

    def __init__(self, *, columns: ColumnMap, started_at: datetime.datetime, dry_run: bool, platform: str):
        self.columns = columns
        self.labels = columns.labels
        self.started_at = started_at
        self.dry_run = dry_run
        self.platform = platform

    def row_key(self, cells: dict[str, Any]) -> str | None:
        """Return the key that groups rows of one record, or None for a record of its own."""
        return None

    def parse_row(self, cells: dict[str, Any]) -> dict[str, Any]:
        raise NotImplementedError

    def write_batch(self, groups: list[RowGroup]) -> BatchOutcome:
        raise NotImplementedError


def identity_keys(*, platform: str, buyer: str, phone: str, email: str) -> list[tuple[str, str]]:
    """List the identities that recognise a customer, strongest first: member name, phone, e-mail."""
    keys = []
    if buyer:
        keys.append((platform, buyer))
    if phone:
        keys.append((Platform.PHONE.value, phone))
    if email:
        keys.append((Platform.EMAIL.value, email))
    return keys


def identities_lookup(keys: set[tuple[str, str]]) -> dict[tuple[str, str], int]:
    """Map (platform, identifier) to customer id for all the keys of a batch, in one query."""
    if not keys:
        return {}
    by_platform: dict[str, list[str]] = {}
    for platform, external_id in keys:
        by_platform.setdefault(platform, []).append(external_id)
    condition = Q()
    for platform, external_ids in by_platform.items():
        condition |= Q(platform=platform, external_id__in=external_ids)
    rows = CustomerIdentity.objects.filter(condition).values_list("platform", "external_id", "customer_id")
    return {(platform, external_id): customer_id for platform, external_id, customer_id in rows}


def bulk_update_rows(model: type[models.Model], objects: list[models.Model], fields: list[str]) -> None:
    """Update many rows with one UPDATE ... FROM (VALUES ...) per chunk.

    Django's bulk_update writes a CASE WHEN per field, which SQLite and PostgreSQL evaluate in
    time proportional to the batch for every row; joining a VALUES list is linear. Other
    databases (or SQLite older than 3.33) get bulk_update.
    """
    if not objects:
        return
    connection = connections[router.db_for_write(model)]
    vendor = connection.vendor
    if vendor not in ("sqlite", "postgresql") or (vendor == "sqlite" and sqlite3.sqlite_version_info < (3, 33)):
        model.objects.bulk_update(objects, fields, batch_size=250)
        return
    meta = model._meta
    concrete = [meta.get_field(name) for name in fields]
    quote = connection.ops.quote_name
    table = quote(meta.db_table)
    pk_column = quote(meta.pk.column)
    aliases = ["pk_", *[f"v{index}" for index in range(len(concrete))]]
    assignments = ", ".join(f"{quote(field.column)} = v.{alias}" for field, alias in zip(concrete, aliases[1:], strict=True))
    if vendor == "postgresql":
        casts = [f"%s::{meta.pk.db_type(connection)}", *[f"%s::{field.db_type(connection)}" for field in concrete]]
        row_sql = "(" + ", ".join(casts) + ")"
    else:
        row_sql = "(" + ", ".join(["%s"] * len(aliases)) + ")"
    chunk = max(1, min(500, 30000 // len(aliases)))
    with connection.cursor() as cursor:
        for start in range(0, len(objects), chunk):
            part = objects[start : start + chunk]
            params: list[Any] = []
            for obj in part:
                params.append(obj.pk)
                params.extend(field.get_db_prep_save(getattr(obj, field.attname), connection=connection) for field in concrete)
            values = ", ".join([row_sql] * len(part))
            if vendor == "postgresql":
                sql = f"UPDATE {table} SET {assignments} FROM (VALUES {values}) AS v({', '.join(aliases)}) WHERE {table}.{pk_column} = v.pk_"
            else:
                sql = f"WITH v({', '.join(aliases)}) AS (VALUES {values}) UPDATE {table} SET {assignments} FROM v WHERE {table}.{pk_column} = v.pk_"
            cursor.execute(sql, params)


def bulk_insert_rows(
    model: type[models.Model], rows: list[dict[str, Any]], *, returning: bool = False, ignore_conflicts: bool = False
) -> list[int]:
    """Insert rows given as {attname: value} with multi-row INSERTs; return the new ids if asked.

    The same SQL bulk_create writes, without building a model instance per row and compiling
    it field by field, which is most of the import's time. Missing fields take their defaults;
    auto_now and auto_now_add fields take the current time. Ids come back in row order
    (RETURNING), as bulk_create relies on too.
    """
    if not rows:
        return []
    connection = connections[router.db_for_write(model)]
    vendor = connection.vendor
    if vendor not in ("sqlite", "postgresql"):
        objects = [model(**row) for row in rows]
        model.objects.bulk_create(objects, ignore_conflicts=ignore_conflicts)
        return [obj.pk for obj in objects]
    meta = model._meta
    fields = [field for field in meta.concrete_fields if not field.primary_key]
    quote = connection.ops.quote_name
    now = timezone.now()
    defaults: dict[str, Any] = {}
    for field in fields:
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            defaults[field.attname] = now
        elif field.has_default() and not callable(field.default):
            defaults[field.attname] = field.get_default()
    table = quote(meta.db_table)
    if vendor == "postgresql" and not ignore_conflicts:
        return _copy_rows(connection, meta, fields, defaults, rows, returning=returning)
    columns = ", ".join(quote(field.column) for field in fields)
    prefix = "INSERT OR IGNORE INTO" if ignore_conflicts and vendor == "sqlite" else "INSERT INTO"
    suffix = " ON CONFLICT DO NOTHING" if ignore_conflicts and vendor == "postgresql" else ""
    if returning:
        suffix += f" RETURNING {quote(meta.pk.column)}"
    row_sql = "(" + ", ".join(["%s"] * len(fields)) + ")"
    chunk = max(1, min(500, 30000 // len(fields)))
    ids: list[int] = []
    with connection.cursor() as cursor:
        for start in range(0, len(rows), chunk):
            part = rows[start : start + chunk]
            params: list[Any] = []
            for row in part:
                for field in fields:
                    name = field.attname
                    if name in row:
                        value = row[name]
                    elif name in defaults:
                        value = defaults[name]
                    else:
                        value = field.get_default()
                    params.append(field.get_db_prep_save(value, connection=connection))
            cursor.execute(f"{prefix} {table} ({columns}) VALUES {', '.join([row_sql] * len(part))}{suffix}", params)
            if returning:
                ids.extend(row[0] for row in cursor.fetchall())
    return ids


def _copy_rows(connection, meta, fields, defaults: dict[str, Any], rows: list[dict[str, Any]], *, returning: bool) -> list[int]:
    """Insert with PostgreSQL's COPY, the fastest way in; ids are drawn from the sequence first if wanted."""
    quote = connection.ops.quote_name
    table = quote(meta.db_table)
    ids: list[int] = []
    with connection.cursor() as cursor:
        if returning:
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                [meta.db_table, meta.pk.column, len(rows)],
            )
            ids = [row[0] for row in cursor.fetchall()]
            fields = [meta.pk, *fields]
        columns = ", ".join(quote(field.column) for field in fields)
        with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
            for index, row in enumerate(rows):
                values = []
                for field in fields:
                    name = field.attname
                    if field is meta.pk:
                        value = ids[index]
                    elif name in row:
                        value = row[name]
                    elif name in defaults:
                        value = defaults[name]
                    else:
                        value = field.get_default()
                    values.append(field.get_db_prep_save(value, connection=connection))
                copy.write_row(values)
    return ids
