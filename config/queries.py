"""Queries compiled to SQL once per thread, for the requests every learner sends many times.

Building a query's SQL (resolving lookups, joins and expressions) costs the ORM 0.3-0.8 ms of
CPU each time, against a few hundredths of a millisecond for PostgreSQL to answer it; on the
exam's hot paths that was a third of the application's CPU. A `PrecompiledQuery` builds its
queryset once with placeholder values, keeps the SQL and the position of each placeholder
among its parameters, and from then on only substitutes the real values, runs the SQL through
Django's cursor (so query counting, logging and transactions see it) and applies the same
converters the ORM would. Only `values_list()` querysets qualify: their rows are plain tuples.
"""

import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import QuerySet
from django.db.models.sql.compiler import SQLCompiler


@dataclass(frozen=True)
class _Compiled:
    sql: str
    # Each SQL parameter: the name of the argument it takes and the form the database wants it in
    # ("value" as given, "uuid", or "hex" for a UUID SQLite stores as text), or None to keep the constant.
    arguments: tuple[tuple[str, str] | None, ...]
    constants: tuple
    compiler: SQLCompiler


class PrecompiledQuery:
    """`build(**placeholders)` must return a `values_list()` queryset in which each argument is
    used as a plain parameter (a filter value): the placeholders must be values no constant of
    the query equals, of the type the real arguments have."""

    def __init__(self, build: Callable[..., QuerySet], **placeholders: Any) -> None:
        self._build = build
        self._placeholders = placeholders
        self._local = threading.local()  # a compiler holds its thread's connection

    def _compiled(self, alias: str) -> _Compiled:
        cache = self._local.__dict__.setdefault("by_alias", {})
        if (compiled := cache.get(alias)) is None:
            queryset = self._build(**self._placeholders)
            compiler = queryset.query.get_compiler(using=alias)
            sql, params = compiler.as_sql()
            arguments = tuple(self._argument_at(value) for value in params)
            missing = set(self._placeholders) - {argument[0] for argument in arguments if argument}
            if missing:
                raise ValueError(f"the query does not use {sorted(missing)} as parameters")
            compiled = cache[alias] = _Compiled(sql, arguments, tuple(params), compiler)
        return compiled

    def _argument_at(self, value: Any) -> tuple[str, str] | None:
        for name, placeholder in self._placeholders.items():
            is_uuid = isinstance(placeholder, uuid.UUID)
            if type(value) is type(placeholder) and value == placeholder:
                return name, "uuid" if is_uuid else "value"
            if is_uuid and value == placeholder.hex:
                return name, "hex"
        return None

    def rows(self, *, using: str = DEFAULT_DB_ALIAS, **arguments: Any) -> list[tuple]:
        compiled = self._compiled(using)
        params = [
            constant if argument is None else _database_form(arguments[argument[0]], argument[1])
            for argument, constant in zip(compiled.arguments, compiled.constants, strict=True)
        ]
        with connections[using].cursor() as cursor:
            cursor.execute(compiled.sql, params)
            fetched = cursor.fetchall()
        return [tuple(row) for row in compiled.compiler.results_iter(results=[fetched])]

    def first(self, *, using: str = DEFAULT_DB_ALIAS, **arguments: Any) -> tuple | None:
        rows = self.rows(using=using, **arguments)
        return rows[0] if rows else None


def _database_form(value: Any, form: str) -> Any:
    if form == "value":
        return value
    value = value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))
    return value.hex if form == "hex" else value
