"""Many rows into a table at once, for `restore` and the cards it rebuilds (SPEC §5.2,
§7: a restore at 40,000 events a second or more).

`inserter(conn, table, columns)` gives a function that inserts rows (tuples of the
columns, in the driver's own values) several to a statement: on SQLite each INSERT
statement costs far more than a row (its triggers' checks, AUTOINCREMENT's counter,
the statement's reset), so 80 rows to a statement take half the time of one each.
`driver_value(conn, column)` gives the fastest exact conversion of a column's Python
value to the driver's (the UTC text SQLite keeps a time as, made by datetime's own C
code), proven equal to SQLAlchemy's own conversion on a sample before it is used.
Both run inside the caller's transaction.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from itertools import chain
from typing import Any

from sqlalchemy import Column, Connection, Table, insert

ROWS_PER_STATEMENT = 80
MAX_PARAMETERS = 999  # SQLite before 3.32 allows no more in one statement


def inserter(conn: Connection, table: Table, columns: Sequence[str]) -> Callable[[Sequence[tuple[Any, ...]]], None]:
    """A function inserting rows of `columns` (driver values) into `table`."""
    mark = {"qmark": "?", "format": "%s", "pyformat": "%s"}.get(conn.dialect.paramstyle)
    if mark is None:  # another driver: Core's executemany, one dict a row
        statement = insert(table)

        def write_core(rows: Sequence[tuple[Any, ...]]) -> None:
            if rows:
                conn.execute(statement, [dict(zip(columns, row)) for row in rows])

        return write_core
    per = max(1, min(ROWS_PER_STATEMENT, MAX_PARAMETERS // len(columns)))
    head = f"INSERT INTO {table.name} ({', '.join(columns)}) VALUES "
    one = f"({', '.join([mark] * len(columns))})"
    many, single = head + ", ".join([one] * per), head + one

    def write(rows: Sequence[tuple[Any, ...]]) -> None:
        whole = len(rows) - len(rows) % per
        if whole:
            conn.exec_driver_sql(many, [tuple(chain.from_iterable(rows[start:start + per]))
                                        for start in range(0, whole, per)])
        if whole < len(rows):
            conn.exec_driver_sql(single, list(rows[whole:]))

    return write


_UTC = dt.timezone.utc


def _utc_text(value: dt.datetime) -> str:
    """An aware time as the naive UTC text SQLite keeps (with microseconds)."""
    return value.astimezone(_UTC).isoformat(" ", "microseconds")[:26]


def _date_text(value: dt.date) -> str:
    return value.isoformat()


# Python type -> (a faster conversion, the sample it must agree with SQLAlchemy's on)
_FAST: dict[type, tuple[Callable[[Any], Any], Any]] = {
    dt.datetime: (_utc_text, dt.datetime(2001, 2, 3, 4, 5, 6, 7, tzinfo=dt.timezone(dt.timedelta(hours=1)))),
    dt.date: (_date_text, dt.date(2001, 2, 3)),
}


def driver_value(conn: Connection, column: Column[Any]) -> Callable[[Any], Any]:
    """The conversion of `column`'s Python values (not None) to the driver's."""
    dialect = conn.dialect
    proc = column.type.dialect_impl(dialect).bind_processor(dialect)
    if proc is None:
        return lambda value: value
    kind = getattr(column.type, "impl_instance", column.type)  # a TypeDecorator: what it stores
    fast, probe = _FAST.get(kind.python_type, (None, None))
    try:
        if fast is not None and fast(probe) == proc(probe):
            return fast
    except (TypeError, ValueError):
        pass
    return proc
