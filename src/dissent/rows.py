"""One-row reads and inserts in plain SQL, for the request paths that run hundreds of times
a second in a crisis: loading the session and the signed-in person, and writing a
signature with its event.

The ORM compiles its SQL again for every query: on the 2-core benchmark machine a
`Person.objects.get(pk=...)` costs ~0.6 ms of CPU and a session look-up ~0.8 ms, against
~0.15 and ~0.2 ms here (docs/performance.md). The statements below are built once per
model from its fields, so they follow the schema, and the values go through each field's
own conversion (`pre_save`, `get_db_prep_save`, `from_db`) exactly as the ORM would.
What they skip is the ORM's generality and its signals: use them only where no signal
receiver is wanted and the row is one plain row.
"""

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from functools import cache
from typing import Any

import psycopg
from django.db import connection, models


@contextmanager
def cursor() -> Iterator[Any]:
    """A database cursor for the hot paths. On PostgreSQL it binds parameters on the server
    (psycopg's own Cursor, where Django's default binds them on the client, quoting every
    value in Python: ~10% of a co-signing request's CPU went there), and psycopg prepares a
    statement once it has run a few times on a connection (its prepare_threshold). Django
    wraps it as it wraps its own cursors, so error translation, query logging and execute
    wrappers behave the same. Behind PgBouncer in transaction mode this needs PgBouncer
    1.21 or later (max_prepared_statements)."""
    if connection.vendor != "postgresql":
        with connection.cursor() as django_cursor:
            yield django_cursor
        return
    connection.ensure_connection()
    with connection._prepare_cursor(psycopg.Cursor(connection.connection)) as wrapped:  # type: ignore[attr-defined]
        yield wrapped


@cache
def _columns(model: type[models.Model], vendor: str) -> tuple[str, list[str]]:
    fields = model._meta.concrete_fields
    quote = connection.ops.quote_name
    return ", ".join(quote(str(field.column)) for field in fields), [field.attname for field in fields]


def first[M: models.Model](model: type[M], where: str, params: list[Any]) -> M | None:
    """The first row of `model` matching `where` (SQL over its column names, with %s
    placeholders), as a model instance, or None."""
    columns, attnames = _columns(model, connection.vendor)
    with cursor() as reader:
        reader.execute(f"SELECT {columns} FROM {model._meta.db_table} WHERE {where} LIMIT 1", params)  # noqa: S608 - names are the model's
        row = reader.fetchone()
    if row is None:
        return None
    values = [
        converter(value, expression, connection) if value is not None else value
        for value, (expression, converter) in zip(row, _converters(model, connection.vendor), strict=True)
    ]
    return model.from_db(connection.alias, attnames, values)


def first_joined[M: models.Model](
    model: type[M],
    where: str,
    params: list[Any],
    *,
    related: tuple[str, ...] = (),
    extras: tuple[str, ...] = (),
) -> tuple[M, tuple[Any, ...]] | None:
    """Like `first`, with the rows its foreign keys `related` point to (as select_related
    would put them on the instance) and the values of the SQL expressions `extras` (their
    placeholders' values come first in `params`, then those of `where`). The model's table
    is aliased `t`; `where` names its columns as t.column."""
    sql, parts = _joined_statement(model, related, extras, where, connection.vendor)
    with cursor() as reader:
        reader.execute(sql, params)
        row = reader.fetchone()
    if row is None:
        return None
    instances: list[models.Model | None] = []
    start = 0
    for part in parts:
        width = len(part._meta.concrete_fields)
        values = row[start : start + width]
        start += width
        if values[0] is None and instances:  # a null foreign key: nothing joined
            instances.append(None)
            continue
        instances.append(_instance(part, values))
    main = instances[0]
    assert isinstance(main, model)
    for name, instance in zip(related, instances[1:], strict=True):
        model._meta.get_field(name).set_cached_value(main, instance)  # type: ignore[union-attr]
    return main, tuple(row[start:])


def converter(model: type[models.Model], attname: str) -> Any:
    """A function turning a value of `model`'s column `attname`, as read by `cursor()`, into
    what the ORM would give (a datetime from SQLite's text, for example)."""
    index = [field.attname for field in model._meta.concrete_fields].index(attname)
    expression, convert = _converters(model, connection.vendor)[index]
    return lambda value: convert(value, expression, connection) if value is not None else None


def _instance(model: type[models.Model], values: Any) -> models.Model:
    attnames = [field.attname for field in model._meta.concrete_fields]
    converted = [
        converter(value, expression, connection) if value is not None else value
        for value, (expression, converter) in zip(values, _converters(model, connection.vendor), strict=True)
    ]
    return model.from_db(connection.alias, attnames, converted)


@cache
def _joined_statement(
    model: type[models.Model], related: tuple[str, ...], extras: tuple[str, ...], where: str, vendor: str
) -> tuple[str, list[type[models.Model]]]:
    quote = connection.ops.quote_name
    parts: list[type[models.Model]] = [model]
    columns = [f"t.{quote(str(f.column))}" for f in model._meta.concrete_fields]
    joins = []
    for number, name in enumerate(related):
        field = model._meta.get_field(name)
        target = field.related_model
        assert isinstance(target, type) and issubclass(target, models.Model)
        alias = f"r{number}"
        parts.append(target)
        columns += [f"{alias}.{quote(str(f.column))}" for f in target._meta.concrete_fields]
        joins.append(
            f"LEFT JOIN {quote(target._meta.db_table)} {alias} "
            f"ON {alias}.{quote(str(target._meta.pk.column))} = t.{quote(str(field.column))}"  # type: ignore[union-attr]
        )
    selected = ", ".join([*columns, *extras])
    sql = f"SELECT {selected} FROM {quote(model._meta.db_table)} t {' '.join(joins)} WHERE {where} LIMIT 1"  # noqa: S608 - names are the models'
    return sql, parts


@cache
def _converters(model: type[models.Model], vendor: str) -> list[tuple[Any, Any]]:
    """Per column, the backend's and the field's from-database conversion (for example
    SQLite's text to datetime), or a no-op; as the ORM's compiler applies them."""
    result = []
    for field in model._meta.concrete_fields:
        expression = field.get_col(model._meta.db_table)
        chain = connection.ops.get_db_converters(expression) + expression.get_db_converters(connection)
        result.append((expression, _chained(chain)))
    return result


def _chained(converters: list[Any]) -> Any:
    def convert(value: Any, expression: Any, conn: Any) -> Any:
        for converter in converters:
            value = converter(value, expression, conn)
        return value

    return convert


@cache
def _insert_statement(
    model: type[models.Model], with_pk: bool, vendor: str
) -> tuple[str, list[models.Field[Any, Any]]]:
    meta = model._meta
    fields = [field for field in meta.concrete_fields if with_pk or not field.primary_key]
    quote = connection.ops.quote_name
    columns = ", ".join(quote(str(field.column)) for field in fields)
    placeholders = ", ".join(["%s"] * len(fields))
    sql = f"INSERT INTO {quote(meta.db_table)} ({columns}) VALUES ({placeholders})"  # noqa: S608
    if not with_pk and connection.features.can_return_columns_from_insert:
        sql += f" RETURNING {quote(str(meta.pk.column))}"
    return sql, fields


def insert[M: models.Model](
    instance: M, *, queue: type[models.Model] | None = None, along: Sequence[models.Model] = ()
) -> M:
    """INSERT one new row for `instance`, as `instance.save()` would for a new object
    (without signals); sets its primary key when the database assigns it. With `queue`, a
    table whose primary key is a one-to-one reference to the new row (the log's
    PendingEvent), also a row there: on PostgreSQL in the same statement, one round trip.
    `along`: new rows with their keys already set (`next_id_sql`) to insert first, on
    PostgreSQL in the same statement too."""
    by_database = instance.pk is None
    sql, fields = _insert_statement(type(instance), not by_database, connection.vendor)
    values = [field.get_db_prep_save(field.pre_save(instance, True), connection) for field in fields]
    together = queue is not None and by_database and connection.vendor == "postgresql"
    if together:
        sql = _queued_statement(sql, type(instance), queue)
    if along and connection.vendor == "postgresql":
        sql, values = _with_rows_first(along, sql, values)
    else:
        for row in along:
            insert(row)
    with cursor() as writer:
        writer.execute(sql, values)
        if by_database:
            returned = connection.features.can_return_columns_from_insert
            instance.pk = writer.fetchone()[0] if returned else writer.lastrowid
    written: list[models.Model] = [*along, instance]
    for stored in written:
        stored._state.adding = False
        stored._state.db = connection.alias
    if queue is not None and not together:
        insert(queue(pk=instance.pk))
    return instance


def _with_rows_first(new_rows: Sequence[models.Model], sql: str, values: list[Any]) -> tuple[str, list[Any]]:
    """PostgreSQL: `sql` (an INSERT, or a WITH ... INSERT) preceded by the INSERTs of
    `new_rows` (keys set) as data-modifying CTEs, which run whether or not anything reads
    them."""
    ctes, first_values = [], []
    for n, row in enumerate(new_rows):
        assert row.pk is not None, "a row inserted along another has its key drawn already"
        row_sql, fields = _insert_statement(type(row), True, connection.vendor)
        ctes.append(f"along{n} AS ({row_sql})")
        first_values += [field.get_db_prep_save(field.pre_save(row, True), connection) for field in fields]
    if sql.startswith("WITH "):
        return f"WITH {', '.join(ctes)}, {sql.removeprefix('WITH ')}", first_values + values
    return f"WITH {', '.join(ctes)} {sql}", first_values + values


def next_id_sql(model: type[models.Model]) -> str | None:
    """PostgreSQL: an SQL expression drawing the next key of `model`'s table (to read in a
    query the action makes anyway, so that the row can go `along` another); elsewhere None."""
    if connection.vendor != "postgresql":
        return None
    table, column = model._meta.db_table, str(model._meta.pk.column)
    return f"nextval(pg_get_serial_sequence('{table}', '{column}'))"


@cache
def _queued_statement(insert_sql: str, model: type[models.Model], queue: type[models.Model]) -> str:
    """PostgreSQL: the row's INSERT ... RETURNING as a CTE feeding the queue's INSERT, which
    returns the same key."""
    quote = connection.ops.quote_name
    key = quote(str(queue._meta.pk.column))
    return (
        f"WITH new AS ({insert_sql}) INSERT INTO {quote(queue._meta.db_table)} ({key}) "  # noqa: S608
        f"SELECT {quote(str(model._meta.pk.column))} FROM new RETURNING {key}"
    )
