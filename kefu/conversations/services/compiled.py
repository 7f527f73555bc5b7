"""Queries of the chat hot path compiled once per thread, then run with new parameters.

Building the SQL of a ``select_related`` query costs the Django ORM about a millisecond of
Python every time (five joined tables, a hundred columns), several times per chat message,
all on Channels' single database thread. The SQL never changes, only the ids: here the
ORM compiles a queryset once (with a placeholder value), and each call runs that SQL and
builds the objects with the ORM's own converters and related-object populators, so the
instances are exactly what the queryset would have returned.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from django.db import connections
from django.db.models import QuerySet
from django.db.models.query import get_related_populators
from django.db.transaction import TransactionManagementError

PLACEHOLDER = -7_314_159_265  # a value no id takes: marks where the parameter goes in the compiled SQL


class CompiledQuery:
    """A queryset factory ``build(placeholder)`` compiled once per thread and database; ``rows``/``first`` run it."""

    def __init__(self, build: Callable[[int], QuerySet]) -> None:
        self.build = build
        self.local = threading.local()

    def _compiled(self, using: str) -> dict[str, Any]:
        cache = self.local.__dict__.setdefault("by_alias", {})
        state = cache.get(using)
        connection = connections[using]
        if state is not None and state["connection"] is connection:
            return state
        queryset = self.build(PLACEHOLDER)
        compiler = queryset.query.get_compiler(using=using)
        sql, params = compiler.as_sql()
        slots = [index for index, value in enumerate(params) if value == PLACEHOLDER]
        if len(slots) != 1:
            raise ValueError("the compiled query must take the placeholder exactly once")
        klass_info, select = compiler.klass_info, compiler.select
        start, end = klass_info["select_fields"][0], klass_info["select_fields"][-1] + 1
        state = {
            "connection": connection,
            "compiler": compiler,
            "sql": sql,
            "params": list(params),
            "slot": slots[0],
            "model": klass_info["model"],
            "start": start,
            "end": end,
            "init_list": [column[0].target.attname for column in select[start:end]],
            "populators": get_related_populators(klass_info, select, using),
            "converters": compiler.get_converters([column[0] for column in select[0 : compiler.col_count]]),
            "locks": bool(queryset.query.select_for_update and connection.features.has_select_for_update),
        }
        cache[using] = state
        return state

    def rows(self, value: int, *, using: str = "default") -> list:
        """Run the query for this value and return the model instances."""
        state = self._compiled(using)
        connection = state["connection"]
        if state["locks"] and connection.get_autocommit():
            raise TransactionManagementError("select_for_update cannot be used outside of a transaction.")
        params = list(state["params"])
        params[state["slot"]] = value
        with connection.cursor() as cursor:
            cursor.execute(state["sql"], params)
            raw = cursor.fetchall()
        if not raw:
            return []
        rows = state["compiler"].apply_converters(raw, state["converters"]) if state["converters"] else raw
        model, start, end, init_list, populators = state["model"], state["start"], state["end"], state["init_list"], state["populators"]
        result = []
        for row in rows:
            obj = model.from_db(using, init_list, row[start:end])
            for populator in populators:
                populator.populate(row, obj)
            result.append(obj)
        return result

    def first(self, value: int, *, using: str = "default"):
        found = self.rows(value, using=using)
        return found[0] if found else None
