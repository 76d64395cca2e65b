"""The triggers that journal every write of a fact table into `change_rows` (SPEC §1 "Change").

While a command's change is open (its id in `change_open`), every insert, update and
delete of a fact row records one `change_rows` entry: the table, the operation, the
row's integer key (where it has one) and its image as JSON (the new row for an insert,
the old row for an update or a delete). Cascaded deletes are journaled too, because
the database fires the triggers itself. Derived tables (cards, checkpoints) and
derived columns (statuses, favourite) are not journaled: an undo recomputes them.

Migrations call `install` with the columns of their own revision: a migration that
rebuilds a table on SQLite (batch mode) drops its triggers and must install them again.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, text


@dataclass(frozen=True)
class Journaled:
    table: str
    columns: tuple[str, ...]
    key: str | None  # the integer primary key, None for composite or text keys
    json_columns: tuple[str, ...] = ()
    derived: tuple[str, ...] = ()  # updates of only these columns are not journaled


def _sqlite_image(spec: Journaled, ref: str) -> str:
    parts = []
    for col in spec.columns:
        value = f"json({ref}.{col})" if col in spec.json_columns else f"{ref}.{col}"
        parts.append(f"'{col}', {value}")
    return f"json_object({', '.join(parts)})"


def _sqlite(spec: Journaled) -> list[str]:
    t = spec.table
    key = lambda ref: f"{ref}.{spec.key}" if spec.key else "NULL"  # noqa: E731
    watched = ", ".join(c for c in spec.columns if c not in spec.derived)
    out = []
    for name, when, ref, op in (
        ("ins", "AFTER INSERT", "NEW", "I"),
        ("upd", f"AFTER UPDATE OF {watched}", "OLD", "U"),
        ("del", "AFTER DELETE", "OLD", "D"),
    ):
        out.append(
            f"CREATE TRIGGER tracker_change_{t}_{name} {when} ON {t} "
            f"WHEN EXISTS (SELECT 1 FROM change_open) BEGIN "
            f"INSERT INTO change_rows (change_id, tbl, op, row_id, image) "
            f"SELECT change_id, '{t}', '{op}', {key(ref)}, {_sqlite_image(spec, ref)} FROM change_open; END"
        )
    return out


PG_FUNCTION = """
CREATE OR REPLACE FUNCTION tracker_change_row() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE image jsonb;
BEGIN
  IF TG_OP = 'INSERT' THEN image := to_jsonb(NEW); ELSE image := to_jsonb(OLD); END IF;
  INSERT INTO change_rows (change_id, tbl, op, row_id, image)
  SELECT change_id, TG_TABLE_NAME, left(TG_OP, 1),
         CASE WHEN TG_NARGS > 0 THEN (image ->> TG_ARGV[0])::bigint END, image::text
  FROM change_open;
  RETURN NULL;
END $$
"""


def _postgres(spec: Journaled) -> list[str]:
    t = spec.table
    watched = ", ".join(c for c in spec.columns if c not in spec.derived)
    arg = f"'{spec.key}'" if spec.key else ""
    return [
        f"DROP TRIGGER IF EXISTS tracker_change_{t} ON {t}",
        f"CREATE TRIGGER tracker_change_{t} AFTER INSERT OR DELETE OR UPDATE OF {watched} ON {t} "
        f"FOR EACH ROW EXECUTE FUNCTION tracker_change_row({arg})",
    ]


def install(conn: Connection, specs: list[Journaled]) -> None:
    """(Re)create the journal triggers of these tables."""
    sqlite = conn.dialect.name == "sqlite"
    if not sqlite:
        conn.execute(text(PG_FUNCTION))
    for spec in specs:
        if sqlite:
            for name in ("ins", "upd", "del"):
                conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS tracker_change_{spec.table}_{name}")
            for statement in _sqlite(spec):
                conn.exec_driver_sql(statement)
        else:
            for statement in _postgres(spec):
                conn.exec_driver_sql(statement)


def installed(conn: Connection) -> set[str]:
    """The tables whose journal triggers all exist, on insert, update and delete (`db check`)."""
    if conn.dialect.name == "sqlite":
        query = "SELECT tbl_name FROM sqlite_master WHERE type = 'trigger' AND name LIKE :names"
    else:  # one row per event: INSERT, UPDATE and DELETE
        query = "SELECT event_object_table FROM information_schema.triggers WHERE trigger_name LIKE :names"
    rows = conn.execute(text(query), {"names": "tracker_change_%"})
    from collections import Counter

    counts = Counter(r[0] for r in rows)
    return {table for table, n in counts.items() if n >= 3}
