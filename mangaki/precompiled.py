"""Small read queries compiled to SQL once per process, then run with each call's parameters.

Django compiles a queryset to SQL every time it is evaluated, and builds model instances row by
row. A query of the serving path is precompiled here only where that saves at least 5% of one
recommendation call, measured by ``python -m bench.site_precompiled`` (each query both ways,
interleaved, next to ``recommendations_for`` in the same run; PostgreSQL, the real data, a
person with 200 ratings, a call of about 5-7 ms): the listed works with their category (about
25% of a call), their tags (13-18%), the API token with its user and profile (9-10%) and the
active versions (8-10%). One person's ratings saved 4-5% and is read through the ORM.

Only for ``values_list`` querysets whose columns the database driver already returns as the
Python values wanted (integers, text; booleans and dates through ``PartialModel``): rows come
straight from the cursor, without the converters Django would apply (a boolean or a date would
differ on SQLite). The queries still go through Django's cursor, so they are counted, logged
and wrapped like any other. ``PartialModel`` turns such rows into model instances, as ``only()``
would.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Hashable
from datetime import date

from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.models import (
    DEFERRED,
    AutoField,
    BooleanField,
    CharField,
    DateField,
    DateTimeField,
    FileField,
    FloatField,
    ForeignKey,
    IntegerField,
    JSONField,
    Model,
    QuerySet,
    TextField,
)


class PrecompiledQuery:
    """``build(*parameters)`` compiled once per number of parameters, then run with new ones.

    The compiled SQL is reused only when its parameters are exactly ``parameters``, in order
    (checked on the first call); any other shape is evaluated by the ORM every time.
    """

    def __init__(self, build: Callable[..., QuerySet]):
        self._build = build
        self._compiled: dict[int, tuple[str, str] | None] = {}  # arity → (database alias, SQL)

    def rows(self, *parameters: Hashable) -> list[tuple]:
        arity = len(parameters)
        if arity not in self._compiled:
            queryset = self._build(*parameters)
            try:
                sql, compiled = queryset.query.get_compiler(using=queryset.db).as_sql()
            except EmptyResultSet:  # e.g. ``__in`` an empty list: no SQL at all
                return list(queryset)
            reusable = tuple(compiled) == parameters and len(set(parameters)) == arity
            self._compiled[arity] = (queryset.db, sql) if reusable else None
            if not reusable:
                return list(queryset)
        found = self._compiled[arity]
        if found is None:
            return list(self._build(*parameters))
        alias, sql = found
        with connections[alias].cursor() as cursor:
            cursor.execute(sql, parameters)
            return cursor.fetchall()


class PartialModel:
    """Instances of ``model`` from rows of some of its columns: what ``only(*field_names)`` gives.

    ``columns`` are the columns to select, primary key first, in the model's order; the others
    are DEFERRED (read from the database if ever accessed). Booleans are made booleans (SQLite
    answers 0 or 1) and dates dates (SQLite answers ``"2013-04-05"``); integers, floats, text,
    files (their name) and foreign keys to an integer or text key come from every driver as
    wanted; JSON (a ``JSONField`` with the default decoder) comes as its text from both
    drivers (Django loads PostgreSQL's jsonb as text) and is decoded as the ORM decodes it. Any
    other field (a datetime, a decimal…) is refused with a TypeError: its value would differ
    from the ORM's on some database.
    """

    def __init__(self, model: type[Model], field_names: tuple[str, ...]):
        fields = model._meta.concrete_fields
        listed = [
            position
            for position, field in enumerate(fields)
            if field.primary_key or field.name in field_names
        ]
        for position in listed:
            _check_convertible(fields[position])
        self.model = model
        self.columns = tuple(fields[position].attname for position in listed)
        self._size = len(fields)
        self._positions = listed
        self._booleans = [
            (index, position)
            for index, position in enumerate(listed)
            if isinstance(fields[position], BooleanField)
        ]
        self._dates = [
            (index, position)
            for index, position in enumerate(listed)
            if type(fields[position]) is DateField  # not a DateTimeField, which is one too
        ]
        self._jsons = [
            (index, position)
            for index, position in enumerate(listed)
            if isinstance(fields[position], JSONField)
        ]

    def lookups(self, prefix: str = "") -> tuple[str, ...]:
        """``columns`` as ``values_list`` names, reached from another model through ``prefix``."""
        fields = self.model._meta.concrete_fields
        return tuple(prefix + fields[position].name for position in self._positions)

    def instance(self, alias: str, row) -> Model:
        """The instance of one row of ``columns`` (a sequence of exactly their values)."""
        values = [DEFERRED] * self._size
        for position, value in zip(self._positions, row, strict=True):
            values[position] = value
        for index, position in self._booleans:
            if row[index] is not None:
                values[position] = bool(row[index])
        for index, position in self._dates:
            if isinstance(row[index], str):
                values[position] = date.fromisoformat(row[index])
        for index, position in self._jsons:
            if isinstance(row[index], str):
                values[position] = json.loads(row[index])
        return self.model.from_db(alias, self.columns, values)


# Fields whose values every driver returns as the ORM would (text, numbers, a file's name).
_AS_RETURNED = (AutoField, IntegerField, FloatField, CharField, TextField, FileField)


def _check_convertible(field) -> None:
    """TypeError unless ``PartialModel`` gives ``field`` the value the ORM would."""
    target = field.target_field if isinstance(field, ForeignKey) else field
    if isinstance(target, BooleanField) or type(target) is DateField:
        return  # converted by ``instance``
    if isinstance(target, JSONField) and target.decoder is None:
        return  # decoded by ``instance``
    if isinstance(target, _AS_RETURNED) and not isinstance(target, DateTimeField):
        return
    raise TypeError(
        f"PartialModel cannot convert {field.model.__name__}.{field.name} ({type(field).__name__}): "
        "leave it out (it is then read on access) or read it through the ORM."
    )
