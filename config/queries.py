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
from typing import Any, Generic, TypeVar

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import ForeignKey, Model, QuerySet
from django.db.models.sql.compiler import SQLCompiler


@dataclass(frozen=True)
class _Compiled:
    sql: str
    # Each SQL parameter: the name of the argument it takes and what turns the argument into the
    # parameter the ORM would have sent, or None to keep the constant at that index.
    arguments: tuple[tuple[str, Callable[[Any], Any]] | None, ...]
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
        return [tuple(row) for row in compiled.compiler.results_iter(results=[fetched])]

    def first(self, *, using: str = DEFAULT_DB_ALIAS, **arguments: Any) -> tuple | None:
        rows = self.rows(using=using, **arguments)
        return rows[0] if rows else None


def _as_uuid(value: Any) -> uuid.UUID:
    return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))


def _unchanged(value: Any) -> Any:
    return value


_M = TypeVar("_M", bound=Model)


class PrecompiledRecord(Generic[_M]):
    """One model instance, with the instances its `related` foreign keys point to (as
    `select_related()` would attach them), read with a `PrecompiledQuery`. `where(**placeholders)`
    returns the model's queryset filtered to at most one row; the placeholders are as for
    `PrecompiledQuery`."""

    def __init__(
        self, model: type[_M], *, related: tuple[str, ...], where: Callable[..., QuerySet], **placeholders: Any
    ) -> None:
        self._model = model
        self._fields = _attnames(model)
        self._related = [(field, _attnames(field.related_model)) for field in map(_foreign_key(model), related)]
        columns = [*self._fields]
        for field, attnames in self._related:
            columns += [f"{field.name}__{attname}" for attname in attnames]
        self._query = PrecompiledQuery(lambda **values: where(**values).values_list(*columns), **placeholders)

    def get(self, *, using: str = DEFAULT_DB_ALIAS, **arguments: Any) -> _M:
        """Raises the model's DoesNotExist."""
        row = self._query.first(using=using, **arguments)
        if row is None:
            raise self._model.DoesNotExist  # type: ignore[attr-defined]  # every concrete model has one
        instance = self._model.from_db(using, self._fields, row[: len(self._fields)])
        start = len(self._fields)
        for field, attnames in self._related:
            values = row[start : start + len(attnames)]
            start += len(attnames)
            related = None if values[0] is None else field.related_model.from_db(using, attnames, values)
            field.set_cached_value(instance, related)
        return instance


def _foreign_key(model: type[Model]) -> Callable[[str], ForeignKey]:
    def field(name: str) -> ForeignKey:
        found = model._meta.get_field(name)
        if not isinstance(found, ForeignKey):
            raise TypeError(f"{model.__name__}.{name} is not a foreign key")
        return found

    return field


def _attnames(model) -> list[str]:
    return [field.attname for field in model._meta.concrete_fields]
