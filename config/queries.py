"""Queries compiled to SQL once per thread, for the requests every learner sends many times.

Building a query's SQL (resolving lookups, joins and expressions) costs the ORM 0.3-0.8 ms of
CPU each time, against a few hundredths of a millisecond for PostgreSQL to answer it; on the
exam's hot paths that was a third of the application's CPU. A `PrecompiledQuery` builds its
queryset once with placeholder values, keeps the SQL and the position of each placeholder
among its parameters, and from then on only substitutes the real values, runs the SQL through
Django's cursor (so query counting, logging and transactions see it) and applies the same
converters the ORM would. `rows()` gives the converted rows of any queryset (the columns of a
`values_list()`); `PrecompiledRecord` builds the model instances of one.
"""

import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import Model, QuerySet
from django.db.models.query import get_related_populators
from django.db.models.sql.compiler import SQLCompiler


@dataclass(frozen=True)
class _Compiled:
    sql: str
    # Each SQL parameter: the name of the argument it takes and what turns the argument into the
    # parameter the ORM would have sent, or None to keep the constant at that index.
    arguments: tuple[tuple[str, Callable[[Any], Any]] | None, ...]
    constants: tuple
    compiler: SQLCompiler
    # What turns each column as the database returns it into the field's value, worked out once.
    converters: dict


class PrecompiledQuery:
    """`build(**placeholders)` must return a queryset in which each argument is
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
            columns = [column[0] for column in compiler.select[: compiler.col_count]]
            converters = compiler.get_converters(columns)
            compiled = cache[alias] = _Compiled(sql, arguments, tuple(params), compiler, converters)
        return compiled

    def _argument_at(self, value: Any) -> tuple[str, Callable[[Any], Any]] | None:
        for name, placeholder in self._placeholders.items():
            if isinstance(placeholder, uuid.UUID):
                if value == placeholder and isinstance(value, uuid.UUID):
                    return name, _as_uuid
                if value == placeholder.hex:  # SQLite keeps UUIDs as hex text
                    return name, lambda argument: _as_uuid(argument).hex
            elif type(value) is type(placeholder) and value == placeholder:
                return name, _unchanged
            elif isinstance(placeholder, int) and isinstance(value, int) and value == placeholder:
                return name, type(value)  # psycopg's Int2/Int4/Int8, which type the parameter for PostgreSQL
        return None

    def rows(self, *, using: str = DEFAULT_DB_ALIAS, **arguments: Any) -> list[tuple]:
        compiled = self._compiled(using)
        params = [
            constant if argument is None else argument[1](arguments[argument[0]])
            for argument, constant in zip(compiled.arguments, compiled.constants, strict=True)
        ]
        with connections[using].cursor() as cursor:
            cursor.execute(compiled.sql, params)
            fetched = cursor.fetchall()
        if not compiled.converters:
            return [tuple(row) for row in fetched]
        return [tuple(row) for row in compiled.compiler.apply_converters(fetched, compiled.converters)]

    def compiler(self, using: str = DEFAULT_DB_ALIAS) -> SQLCompiler:
        """The compiler that made the SQL: its select list describes the rows."""
        return self._compiled(using).compiler

    def first(self, *, using: str = DEFAULT_DB_ALIAS, **arguments: Any) -> tuple | None:
        rows = self.rows(using=using, **arguments)
        return rows[0] if rows else None


def _as_uuid(value: Any) -> uuid.UUID:
    return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))


def _unchanged(value: Any) -> Any:
    return value


_M = TypeVar("_M", bound=Model)


class PrecompiledRecord(Generic[_M]):
    """The one instance a model queryset finds, with what its `select_related()` follows attached
    and its annotations set, read with SQL compiled once as for `PrecompiledQuery`. `build(**placeholders)` returns the
    queryset, filtered to at most one row; `select_for_update()` may lock it (call `get` inside
    the transaction)."""

    def __init__(self, build: Callable[..., QuerySet[_M]], **placeholders: Any) -> None:
        self._query = PrecompiledQuery(build, **placeholders)

    def get(self, *, using: str = DEFAULT_DB_ALIAS, **arguments: Any) -> _M:
        """Raises the model's DoesNotExist. As Django's ModelIterable builds instances."""
        compiler = self._query.compiler(using)
        rows = self._query.rows(using=using, **arguments)
        klass_info, select = compiler.klass_info, compiler.select
        model = klass_info["model"]
        if not rows:
            raise model.DoesNotExist
        if len(rows) > 1:
            raise model.MultipleObjectsReturned
        fields = klass_info["select_fields"]
        start, end = fields[0], fields[-1] + 1
        instance = model.from_db(using, [column[0].target.attname for column in select[start:end]], rows[0][start:end])
        # django-stubs describes a later Django, which added a fetch mode.
        for populator in get_related_populators(klass_info, select, using):  # type: ignore[call-arg]
            populator.populate(rows[0], instance)
        for name, position in compiler.annotation_col_map.items():
            setattr(instance, name, rows[0][position])
        return instance
