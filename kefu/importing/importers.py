"""What every kind of import does: key a row, parse it, and write a batch of grouped rows."""

import datetime
import sqlite3
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from decimal import Decimal
from typing import Any

from django.db import connections, models, router, transaction
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
    """Map (platform, identifier) to customer id for all the keys of a batch, in one query (a few on SQLite)."""
    if not keys:
        return {}
    by_platform: dict[str, list[str]] = {}
    for platform, external_id in keys:
        by_platform.setdefault(platform, []).append(external_id)
    vendor = connections[router.db_for_read(CustomerIdentity)].vendor
    if vendor == "sqlite":  # a query per platform and chunk: a few statement shapes, see statement_slices
        conditions = [Q(platform=platform, external_id__in=chunk) for platform, ids in by_platform.items() for chunk in lookup_chunks(ids, vendor=vendor)]
    else:
        combined = Q()
        for platform, ids in by_platform.items():
            combined |= Q(platform=platform, external_id__in=ids)
        conditions = [combined]
    found: dict[tuple[str, str], int] = {}
    for condition in conditions:
        rows = CustomerIdentity.objects.filter(condition).values_list("platform", "external_id", "customer_id")
        found.update(((platform, external_id), customer_id) for platform, external_id, customer_id in rows)
    return found


def statement_slices(total: int, size: int, *, vendor: str) -> Iterator[tuple[int, int]]:
    """Cut `total` rows into (start, stop) slices of at most `size` for multi-row statements.

    On SQLite the last, partial slice is cut further into powers of two, so that statements come
    in about ten shapes whatever the batch. Python's sqlite3 keeps each connection's last 128
    distinct statements prepared (`cached_statements`), and a prepared multi-row statement takes
    up to a megabyte: with one new shape per batch and per table, the cache filled as the file
    grew, and held some 40 MB at 50,000 rows. PostgreSQL (psycopg binds client-side, nothing is
    prepared) takes the remainder in one statement.
    """
    start = 0
    while total - start >= size:
        yield start, start + size
        start += size
    remainder = total - start
    if not remainder:
        return
    if vendor != "sqlite":
        yield start, total
        return
    bit = 1 << (remainder.bit_length() - 1)
    while remainder:
        if remainder >= bit:
            yield start, start + bit
            start += bit
            remainder -= bit
        bit >>= 1


def lookup_chunks(values: Iterable[Any], *, vendor: str, size: int = 512) -> list[list[Any]]:
    """Split distinct values for `field__in` lookups, in the shapes of statement_slices (see there)."""
    values = list(values)
    if vendor != "sqlite":
        return [values] if values else []
    return [values[start:stop] for start, stop in statement_slices(len(values), size, vendor=vendor)]


def _value_getter(rows: list[Any]) -> Callable[[Any, str], Any]:
    if rows and isinstance(rows[0], dict):
        return dict.__getitem__
    return getattr


def _fast_prep(field: models.Field, connection) -> Callable[[Any], Any]:
    """field.get_db_prep_save for one field, skipped for the values that PostgreSQL's driver takes as they are.

    On PostgreSQL get_db_prep_save returns a str, an int, a Decimal or an aware datetime unchanged
    for the fields below; calling it for every cell was a tenth of an import's time.
    """
    prep = field.get_db_prep_save
    internal = field.get_internal_type()
    if connection.vendor != "postgresql":
        return lambda value: prep(value, connection=connection)
    if isinstance(field, models.ForeignKey):
        internal = field.target_field.get_internal_type()
    native: type | None = {
        "CharField": str, "TextField": str, "DecimalField": Decimal, "BooleanField": bool, "IntegerField": int,
        "BigIntegerField": int, "SmallIntegerField": int, "PositiveIntegerField": int, "PositiveBigIntegerField": int,
        "PositiveSmallIntegerField": int, "AutoField": int, "BigAutoField": int, "SmallAutoField": int,
    }.get(internal)  # fmt: skip
    if internal == "DateTimeField":
        return lambda value: value if value is None or (type(value) is datetime.datetime and value.tzinfo is not None) else prep(value, connection=connection)
    if native is None:
        return lambda value: prep(value, connection=connection)
    return lambda value: value if value is None or type(value) is native else prep(value, connection=connection)


def bulk_update_rows(model: type[models.Model], objects: list[models.Model] | list[dict[str, Any]], fields: list[str]) -> None:
    """Update many rows, given as instances or as {attname: value} dicts with the primary key.

    PostgreSQL: COPY into a temporary table, then one UPDATE ... FROM it. SQLite: one
    UPDATE ... FROM (VALUES ...) per chunk. Django's bulk_update writes a CASE WHEN per field,
    which both evaluate in time proportional to the batch for every row; a join is linear.
    Other databases (or SQLite older than 3.33) get bulk_update.
    """
    if not objects:
        return
    connection = connections[router.db_for_write(model)]
    vendor = connection.vendor
    meta = model._meta
    concrete = [meta.get_field(name) for name in fields]
    get = _value_getter(objects)
    if vendor not in ("sqlite", "postgresql") or (vendor == "sqlite" and sqlite3.sqlite_version_info < (3, 33)):
        if get is not getattr:
            objects = [model(**{meta.pk.attname: row[meta.pk.attname], **{field.attname: row[field.attname] for field in concrete}}) for row in objects]
        model.objects.bulk_update(objects, fields, batch_size=250)
        return
    if vendor == "postgresql":
        _copy_update(connection, meta, concrete, objects, get)
        return
    quote = connection.ops.quote_name
    table = quote(meta.db_table)
    pk_column = quote(meta.pk.column)
    pk_name = meta.pk.attname
    aliases = ["pk_", *[f"v{index}" for index in range(len(concrete))]]
    assignments = ", ".join(f"{quote(field.column)} = v.{alias}" for field, alias in zip(concrete, aliases[1:], strict=True))
    row_sql = "(" + ", ".join(["%s"] * len(aliases)) + ")"
    preps = [(field.attname, _fast_prep(field, connection)) for field in concrete]
    chunk = max(1, min(500, 30000 // len(aliases)))
    with connection.cursor() as cursor:
        for start, stop in statement_slices(len(objects), chunk, vendor=vendor):
            part = objects[start:stop]
            params: list[Any] = []
            for obj in part:
                params.append(get(obj, pk_name))
                params.extend(prep(get(obj, name)) for name, prep in preps)
            values = ", ".join([row_sql] * len(part))
            sql = f"WITH v({', '.join(aliases)}) AS (VALUES {values}) UPDATE {table} SET {assignments} FROM v WHERE {table}.{pk_column} = v.pk_"
            cursor.execute(sql, params)


def _copy_update(connection, meta, concrete: list[models.Field], rows: list[Any], get: Callable[[Any, str], Any]) -> None:
    """PostgreSQL: COPY the new values into a temporary table, then UPDATE ... FROM it, in three round trips.

    The table is dropped at once (and ON COMMIT in any case): a batch in a savepoint, as in
    tests, must not find the previous batch's.
    """
    quote = connection.ops.quote_name
    table = quote(meta.db_table)
    temp = quote(f"kefu_update_{meta.db_table}")
    pk = meta.pk
    columns = [pk, *concrete]
    column_sql = ", ".join(quote(field.column) for field in columns)
    assignments = ", ".join(f"{quote(field.column)} = v.{quote(field.column)}" for field in concrete)
    preps = [(field.attname, _fast_prep(field, connection)) for field in columns]
    with transaction.atomic(using=connection.alias, savepoint=False), connection.cursor() as cursor:
        cursor.execute(f"CREATE TEMPORARY TABLE {temp} ON COMMIT DROP AS SELECT {column_sql} FROM {table} WITH NO DATA")
        with cursor.cursor.copy(f"COPY {temp} ({column_sql}) FROM STDIN") as copy:
            write_row = copy.write_row
            for row in rows:
                write_row([prep(get(row, name)) for name, prep in preps])
        # ANALYZE: without statistics the planner guesses the temporary table's size and may scan the whole table
        cursor.execute(
            f"ANALYZE {temp}; UPDATE {table} AS t SET {assignments} FROM {temp} AS v WHERE t.{quote(pk.column)} = v.{quote(pk.column)}; DROP TABLE {temp}"
        )


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
        for start, stop in statement_slices(len(rows), chunk, vendor=vendor):
            part = rows[start:stop]
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
        preps = [(field, field.attname, _fast_prep(field, connection)) for field in fields]
        with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
            for index, row in enumerate(rows):
                values = []
                for field, name, prep in preps:
                    if field is meta.pk:
                        value = ids[index]
                    elif name in row:
                        value = row[name]
                    elif name in defaults:
                        value = defaults[name]
                    else:
                        value = field.get_default()
                    values.append(prep(value))
                copy.write_row(values)
    return ids
