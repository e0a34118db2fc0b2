"""Many rows in few statements, for the dataset loader: plain tuples, no model instances.

``bulk_create`` and ``bulk_update`` build a model instance per row and, for updates, one
``CASE`` expression per batch: on the full anime data that was most of ``load_anime``'s time
(420k ratings, 90k titles and links). These write the same rows from tuples with one prepared
statement each: ``executemany`` (psycopg pipelines it on PostgreSQL). Column names come from
the models, so a renamed field fails here, not silently. Callers are services, inside their
transaction; nothing here sends signals or calls ``save()``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from django.db import connection, models

BATCH_SIZE = 10_000


def _columns(model: type[models.Model], fields: Sequence[str]) -> list[str]:
    return [connection.ops.quote_name(model._meta.get_field(name).column) for name in fields]


def _prepared(model: type[models.Model], fields: Sequence[str], rows: Iterable[Sequence]):
    """Each value as the database takes it (dates, aware datetimes, booleans)."""
    converters = [model._meta.get_field(name).get_db_prep_save for name in fields]
    for row in rows:
        yield [convert(value, connection) for convert, value in zip(converters, row, strict=True)]


def _in_batches(rows, size: int):
    batch = []
    for row in rows:
        batch.append(row)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def insert_rows(
    model: type[models.Model],
    fields: Sequence[str],
    rows: Iterable[Sequence],
    *,
    progress=None,
    prepared: bool = False,
) -> int:
    """INSERT ``rows`` (tuples of ``fields``' values) into ``model``'s table; returns how many.

    ``prepared``: the values are already as the database takes them (``db_value``), which saves
    converting each one (a third of the time for 420k ratings).
    """
    table = connection.ops.quote_name(model._meta.db_table)
    columns = _columns(model, fields)
    sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join(['%s'] * len(columns))})"
    count = 0
    values = rows if prepared else _prepared(model, fields, rows)
    with connection.cursor() as cursor:
        for batch in _in_batches(values, BATCH_SIZE):
            cursor.executemany(sql, batch)
            count += len(batch)
            if progress:
                progress(len(batch))
    return count


def db_value(model: type[models.Model], field_name: str, value):
    """``value`` of ``model.field_name`` as the database takes it (a datetime as SQLite's text…)."""
    return model._meta.get_field(field_name).get_db_prep_save(value, connection)


def update_rows(model: type[models.Model], fields: Sequence[str], rows: Iterable[Sequence]) -> int:
    """UPDATE ``fields`` of ``model``'s rows: each row is (pk, *values); returns how many."""
    table = connection.ops.quote_name(model._meta.db_table)
    assignments = ", ".join(f"{column} = %s" for column in _columns(model, fields))
    pk = connection.ops.quote_name(model._meta.pk.column)
    sql = f"UPDATE {table} SET {assignments} WHERE {pk} = %s"
    count = 0
    with connection.cursor() as cursor:
        for batch in _in_batches(
            _prepared(model, [*fields, model._meta.pk.name], _pk_last(rows)), BATCH_SIZE
        ):
            cursor.executemany(sql, batch)
            count += len(batch)
    return count


def _pk_last(rows: Iterable[Sequence]):
    for pk, *values in rows:
        yield (*values, pk)
