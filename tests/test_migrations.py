"""Alembic migrations: they agree with the model, and an old database upgrades keeping every row (SPEC §2).

The rows of `FIRST_REVISION_ROWS` are written against the schema of the FIRST revision,
which never changes; they were made by the CLI (a consistent library: `db check` passes)
and are replayed here through plain SQL. When a new revision is added, the upgrade test
below becomes a real upgrade from the first revision to the head.
"""

from __future__ import annotations

import shutil
import sqlite3
import textwrap
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, event

import tracker.db as tdb
from tracker.model import Base

NOW = "2026-03-02T09:00:00+01:00"

# Every table of the first revision gets rows (checked below). One statement a line.
FIRST_REVISION_ROWS = textwrap.dedent("""\
    INSERT INTO settings (key, value) VALUES ('timezone', 'Europe/Paris')
    INSERT INTO settings (key, value) VALUES ('max_revisits_per_day', '7')
    INSERT INTO topics (id, slug, name) VALUES (1, 'storage', 'Storage')
    INSERT INTO topics (id, slug, name) VALUES (2, 'indexes', 'Indexes')
    INSERT INTO books (id, slug, title, authors, year, url, isbn, note, source, bundled, status) VALUES (1, 'ddia', 'Designing Data-Intensive Applications', '["Martin Kleppmann"]', 2017, 'https://dataintensive.net', '9781449373320', 'The one about data systems.', 'confirmed', 0, 'read')
    INSERT INTO chapters (id, book_id, number, title, position, pages, source, status, favourite) VALUES (1, 1, '1', 'Reliable, Scalable, and Maintainable Applications', 0, 22, NULL, 'read', 0)
    INSERT INTO chapters (id, book_id, number, title, position, pages, source, status, favourite) VALUES (2, 1, '3', 'Storage and Retrieval', 1, NULL, 'confirmed', 'read', 0)
    INSERT INTO chapters (id, book_id, number, title, position, pages, source, status, favourite) VALUES (3, 1, '3.1', 'Hash Indexes', 2, NULL, 'secondary', 'read', 1)
    INSERT INTO chapter_topics (chapter_id, topic_id, position) VALUES (2, 1, 0)
    INSERT INTO chapter_topics (chapter_id, topic_id, position) VALUES (2, 2, 1)
    INSERT INTO chapter_topics (chapter_id, topic_id, position) VALUES (3, 2, 0)
    INSERT INTO resources (id, slug, title, authors, kind, year, url, rank, recommended_by_id, note, source, status) VALUES (1, 'a-review', 'A review', '[]', 'review', 2026, 'https://example.com/review', 0, NULL, 'Where the map comes from.', NULL, 'suggested')
    INSERT INTO resources (id, slug, title, authors, kind, year, url, rank, recommended_by_id, note, source, status) VALUES (2, 'lsm-paper', 'The Log-Structured Merge-Tree', '["Patrick O''Neil"]', 'paper', 1996, NULL, 1, 1, 'Where LSM trees come from.', 'secondary', 'queued')
    INSERT INTO resource_topics (resource_id, topic_id, position) VALUES (2, 1, 0)
    INSERT INTO resource_topics (resource_id, topic_id, position) VALUES (2, 2, 1)
    INSERT INTO interests (topic_id, position) VALUES (1, 0)
    INSERT INTO events (id, at, kind, book_id, chapter_id, resource_id, minutes, percent, pages, rating, until, note) VALUES (1, '2026-02-20 19:00:00.000000', 'finish', 1, 1, NULL, 30, NULL, NULL, NULL, NULL, NULL)
    INSERT INTO events (id, at, kind, book_id, chapter_id, resource_id, minutes, percent, pages, rating, until, note) VALUES (2, '2026-02-21 19:00:00.000000', 'read', 1, 2, NULL, 20, 40, NULL, NULL, NULL, 'half way')
    INSERT INTO events (id, at, kind, book_id, chapter_id, resource_id, minutes, percent, pages, rating, until, note) VALUES (3, '2026-02-22 19:00:00.000000', 'finish', 1, 3, NULL, NULL, NULL, NULL, NULL, NULL, NULL)
    INSERT INTO events (id, at, kind, book_id, chapter_id, resource_id, minutes, percent, pages, rating, until, note) VALUES (4, '2026-02-22 19:05:00.000000', 'favourite', 1, 3, NULL, NULL, NULL, NULL, 'good', NULL, NULL)
    INSERT INTO events (id, at, kind, book_id, chapter_id, resource_id, minutes, percent, pages, rating, until, note) VALUES (5, '2026-02-24 07:00:00.000000', 'revisit', 1, 3, NULL, 5, NULL, NULL, 'good', NULL, NULL)
    INSERT INTO events (id, at, kind, book_id, chapter_id, resource_id, minutes, percent, pages, rating, until, note) VALUES (6, '2026-02-24 08:00:00.000000', 'note', 1, 2, NULL, NULL, NULL, NULL, NULL, NULL, 'ünïcödé 推理')
    INSERT INTO events (id, at, kind, book_id, chapter_id, resource_id, minutes, percent, pages, rating, until, note) VALUES (7, '2026-02-25 08:00:00.000000', 'snooze', 1, 3, NULL, NULL, NULL, NULL, NULL, '2026-03-05', NULL)
    INSERT INTO events (id, at, kind, book_id, chapter_id, resource_id, minutes, percent, pages, rating, until, note) VALUES (8, '2026-03-10 11:00:00.000000', 'break', NULL, NULL, NULL, NULL, NULL, NULL, NULL, '2026-03-12', NULL)
    INSERT INTO events (id, at, kind, book_id, chapter_id, resource_id, minutes, percent, pages, rating, until, note) VALUES (9, '2026-02-26 09:00:00.000000', 'queue', NULL, NULL, 2, NULL, NULL, NULL, NULL, NULL, NULL)
    INSERT INTO cards (chapter_id, active, stability, difficulty, last_review, due, reviews, lapses) VALUES (3, 1, 7.31530074407728, 2.111214235785395, '2026-02-24 07:00:00.000000', '2026-03-05', 2, 0)
    INSERT INTO card_states (event_id, chapter_id, active, stability, difficulty, last_review, due, reviews, lapses) VALUES (4, 3, 1, 2.3065, 2.118103970459016, '2026-02-22 19:05:00.000000', '2026-02-24', 1, 0)
    INSERT INTO card_states (event_id, chapter_id, active, stability, difficulty, last_review, due, reviews, lapses) VALUES (5, 3, 1, 7.31530074407728, 2.111214235785395, '2026-02-24 07:00:00.000000', '2026-03-03', 2, 0)
    INSERT INTO card_states (event_id, chapter_id, active, stability, difficulty, last_review, due, reviews, lapses) VALUES (7, 3, 1, 7.31530074407728, 2.111214235785395, '2026-02-24 07:00:00.000000', '2026-03-05', 2, 0)
""")


def _engine(path: Path):  # type: ignore[no-untyped-def]
    engine = create_engine(f"sqlite:///{path}")

    @event.listens_for(engine, "connect")
    def _fk(dbapi_connection, _record):  # type: ignore[no-untyped-def]
        dbapi_connection.execute("PRAGMA foreign_keys=ON")

    return engine


def _upgrade(path: Path, revision: str) -> None:
    engine = _engine(path)
    try:
        with engine.begin() as conn:
            cfg = tdb.alembic_config(engine)
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, revision)
    finally:
        engine.dispose()


def _tables(conn: sqlite3.Connection) -> list[str]:
    return [r[0] for r in conn.execute(
        "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%' ORDER BY name")]


def _rows(path: Path) -> dict[str, dict[str, Any]]:
    """table -> {"columns": [...], "rows": [dict, ...]} in rowid/primary-key order."""
    conn = sqlite3.connect(path)
    try:
        out: dict[str, dict[str, Any]] = {}
        for table in _tables(conn):
            cursor = conn.execute(f'SELECT * FROM "{table}"')
            columns = [d[0] for d in cursor.description]
            rows = [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]
            pk = [r[1] for r in sorted(conn.execute(f'PRAGMA table_info("{table}")'), key=lambda r: r[5]) if r[5]]
            if pk:
                rows.sort(key=lambda r: tuple(r[c] for c in pk))
            out[table] = {"columns": columns, "rows": rows}
        return out
    finally:
        conn.close()


def _invoke(db: Path, *args: str):  # type: ignore[no-untyped-def]
    from click.testing import CliRunner

    from tracker.cli import cli

    env = {"TRACKER_DB": str(db), "TRACKER_NOW": NOW, "NO_COLOR": "1", "TRACKER_DEBUG": "", "TRACKER_NO_SEED": ""}
    return CliRunner().invoke(cli, list(args), env=env)


# --------------------------------------------------------------------------- (a) models == migrations


def test_models_and_migrations_agree(tmp_path):
    db = tmp_path / "head.db"
    _upgrade(db, "head")
    engine = _engine(db)
    try:
        with engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            diff = compare_metadata(context, Base.metadata)
    finally:
        engine.dispose()
    assert diff == [], f"the model and migrations/ differ; add a migration: {diff}"


def test_alembic_check_command_agrees(tmp_path):
    db = tmp_path / "head.db"
    _upgrade(db, "head")
    engine = _engine(db)
    try:
        with engine.begin() as conn:
            cfg = tdb.alembic_config(engine)
            cfg.attributes["connection"] = conn
            command.check(cfg)  # raises AutogenerateDiffsDetected on any difference
    finally:
        engine.dispose()


def test_a_new_library_is_at_head_and_has_every_model_table(tmp_path):
    db = tmp_path / "new.db"
    result = _invoke(db, "init", "--empty")
    assert result.exit_code == 0, result.output
    conn = sqlite3.connect(db)
    try:
        tables = set(_tables(conn))
        assert conn.execute("SELECT version_num FROM alembic_version").fetchall() == [(tdb.SCHEMA_HEAD,)]
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    finally:
        conn.close()
    assert tables == set(Base.metadata.tables) | {"alembic_version"}


# --------------------------------------------------------------------------- (b) the revision list


def test_schema_revisions_match_alembic_history():
    script = ScriptDirectory.from_config(tdb.alembic_config(None))
    history = [rev.revision for rev in script.walk_revisions("base", "heads")]
    history.reverse()  # walk_revisions goes newest first
    assert tuple(history) == tdb.SCHEMA_REVISIONS
    assert script.get_heads() == [tdb.SCHEMA_HEAD]
    assert tdb.SCHEMA_HEAD == tdb.SCHEMA_REVISIONS[-1]
    # one line of history: every revision revises the one before it
    for older, newer in zip(history, history[1:], strict=False):
        assert script.get_revision(newer).down_revision == older
    assert script.get_revision(history[0]).down_revision is None


def test_migrations_ship_inside_the_package_or_beside_it():
    migrations = tdb.package_dir("migrations")
    assert (migrations / "env.py").is_file()
    assert (migrations / "versions").is_dir()
    assert (tdb.package_dir("seed") / "library.toml").is_file()


# --------------------------------------------------------------------------- (c) old database, rows kept


def _first_revision_library(path: Path) -> None:
    _upgrade(path, tdb.SCHEMA_REVISIONS[0])
    conn = sqlite3.connect(path)
    try:
        conn.execute("PRAGMA foreign_keys=ON")
        with conn:
            for statement in FIRST_REVISION_ROWS.splitlines():
                conn.execute(statement)
        empty = [t for t in _tables(conn) if t != "alembic_version"
                 and conn.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] == 0]
        assert empty == [], f"give these tables rows at the first revision: {empty}"
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
    finally:
        conn.close()


def _assert_rows_kept(before: dict[str, dict[str, Any]], after: dict[str, dict[str, Any]]) -> None:
    for table, old in before.items():
        if table == "alembic_version":
            continue
        assert table in after, f"table {table} disappeared in the upgrade"
        new = after[table]
        assert len(new["rows"]) == len(old["rows"]), f"{table}: {len(old['rows'])} rows became {len(new['rows'])}"
        kept = [c for c in old["columns"] if c in new["columns"]]
        assert kept, table
        project = lambda rows: [{c: r[c] for c in kept} for r in rows]  # noqa: E731
        assert project(new["rows"]) == project(old["rows"]), f"{table}: rows changed in the upgrade"


def test_a_first_revision_database_upgrades_keeping_every_row(tmp_path):
    db = tmp_path / "old.db"
    _first_revision_library(db)
    before = _rows(db)

    result = _invoke(db, "books", "--json")
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output

    after = _rows(db)
    assert after["alembic_version"]["rows"] == [{"version_num": tdb.SCHEMA_HEAD}]
    _assert_rows_kept(before, after)
    backups = list(tmp_path.glob("old.db.before-*"))
    if tdb.SCHEMA_REVISIONS[0] != tdb.SCHEMA_HEAD:
        assert len(backups) == 1, "an SQLite file is copied aside before it is upgraded"
        assert _rows(backups[0]) == before  # the copy is the old library, at the old revision
    else:
        assert backups == []  # nothing to upgrade, nothing copied

    # The library reads as it did, and what it caches still agrees with its log.
    import json

    books = json.loads(result.stdout)
    assert [(b["slug"], b["status"], b["read"], b["total"], b["favourites"], b["next_due"]) for b in books] == [
        ("ddia", "read", 2, 2, 1, "2026-03-05")]
    check = _invoke(db, "db", "check")
    assert check.exit_code == 0 and check.stdout.strip() == "ok", check.output
    log = json.loads(_invoke(db, "log", "--json").stdout)
    assert [e["event"] for e in log] == ["finish", "read", "finish", "favourite", "revisit", "note", "snooze",
                                         "queue", "break"]
    assert log[5]["note"] == "ünïcödé 推理"
    assert _invoke(db, "db", "current").stdout.strip() == tdb.SCHEMA_HEAD


# A next revision that rebuilds the parent tables (batch mode recreates them on SQLite):
# the way a real migration that changes a column or constraint works. It must keep
# every row of the child tables too (no ON DELETE CASCADE firing during the rebuild).
NEXT_REVISION = '''\
"""test: a rebuild of books and chapters

Revision ID: 9999_rebuild
Revises: {down}
"""
import sqlalchemy as sa
from alembic import op

from tracker.change_triggers import Journaled, install

revision = "9999_rebuild"
down_revision = "{down}"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("books", recreate="always") as batch_op:
        batch_op.add_column(sa.Column("extra", sa.Text(), nullable=True))
    with op.batch_alter_table("chapters", recreate="always") as batch_op:
        batch_op.add_column(sa.Column("extra", sa.Text(), nullable=True))
    with op.batch_alter_table("events", recreate="always") as batch_op:
        batch_op.add_column(sa.Column("extra", sa.Text(), nullable=True))
    # A rebuild drops a table's triggers: a migration that rebuilds installs them again.
    install(op.get_bind(), [
        Journaled("books", ("id", "slug", "title", "authors", "year", "url", "isbn", "note", "source",
                            "bundled", "status", "rating", "extra"), "id", json_columns=("authors",),
                  derived=("status",)),
        Journaled("chapters", ("id", "book_id", "number", "title", "position", "pages", "source", "status",
                               "favourite", "extra"), "id", derived=("status", "favourite")),
        Journaled("events", ("id", "at", "kind", "book_id", "chapter_id", "resource_id", "minutes", "percent",
                             "pages", "rating", "until", "note", "extra"), "id"),
    ])


def downgrade() -> None:
    pass
'''


@pytest.fixture
def next_revision(tmp_path, monkeypatch):
    """A copy of migrations/ with one more revision, used by tracker.db as if it shipped."""
    source = tdb.package_dir("migrations")
    target = tmp_path / "migrations"
    shutil.copytree(source, target, ignore=shutil.ignore_patterns("__pycache__"))
    (target / "versions" / "9999_rebuild.py").write_text(NEXT_REVISION.format(down=tdb.SCHEMA_HEAD))
    real = tdb.package_dir
    monkeypatch.setattr(tdb, "package_dir", lambda name: target if name == "migrations" else real(name))
    monkeypatch.setattr(tdb, "SCHEMA_REVISIONS", (*tdb.SCHEMA_REVISIONS, "9999_rebuild"))
    monkeypatch.setattr(tdb, "SCHEMA_HEAD", "9999_rebuild")
    import tracker.admin

    monkeypatch.setattr(tracker.admin, "SCHEMA_HEAD", "9999_rebuild", raising=False)
    return "9999_rebuild"


def test_an_upgrade_that_rebuilds_tables_keeps_every_row(tmp_path, next_revision):
    db = tmp_path / "old.db"
    _first_revision_library(db)
    before = _rows(db)

    result = _invoke(db, "books", "--json")
    assert result.exit_code == 0, result.output
    after = _rows(db)
    assert after["alembic_version"]["rows"] == [{"version_num": next_revision}]
    assert "extra" in after["books"]["columns"]
    _assert_rows_kept(before, after)
    backups = list(tmp_path.glob("old.db.before-*"))
    assert [b.name for b in backups] == [f"old.db.before-{next_revision}"]
    assert _rows(backups[0]) == before  # the copy is the old library, at the old revision
    conn = sqlite3.connect(db)
    try:
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    finally:
        conn.close()
    check = _invoke(db, "db", "check")
    assert check.exit_code == 0, check.output


def test_db_upgrade_and_init_report_the_upgrade(tmp_path, next_revision):
    db = tmp_path / "old.db"
    _first_revision_library(db)
    result = _invoke(db, "db", "upgrade")
    assert result.exit_code == 0, result.output
    assert tdb.SCHEMA_REVISIONS[0] in result.stdout and next_revision in result.stdout
    assert _invoke(db, "db", "current").stdout.strip() == next_revision
    again = _invoke(db, "db", "upgrade")
    assert "newest" in again.stdout


def test_a_failed_upgrade_leaves_the_file_as_it_was(tmp_path, next_revision):
    """A migration that fails half way is rolled back: the file keeps its old revision and rows."""
    broken = tdb.package_dir("migrations") / "versions" / "9999_rebuild.py"
    broken.write_text(broken.read_text().replace(
        "def downgrade", "    op.execute('SELECT no_such_function()')\n\n\ndef downgrade"))
    db = tmp_path / "old.db"
    _first_revision_library(db)
    before = _rows(db)
    result = _invoke(db, "books")
    assert result.exit_code == 1, result.output
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.stderr
    assert _rows(db) == before


def test_an_old_log_becomes_changes_that_undo_takes_back(tmp_path):
    """0005 (the change journal): each event of an older database is one change, so
    `undo` takes back the newest of them as it would have before the upgrade."""
    import json

    db = tmp_path / "old.db"
    _first_revision_library(db)
    history = _invoke(db, "history", "--json")
    assert history.exit_code == 0, history.output
    changes = json.loads(history.stdout)
    assert len(changes) == 9 and changes[0]["id"] == 9  # newest first, ids as the events'
    assert all(c["undone"] is False for c in changes)
    # Event 8 (a break) is the newest by id; undo takes back change 9, the queue of lsm-paper.
    undo = _invoke(db, "undo")
    assert undo.exit_code == 0, undo.output
    resources = json.loads(_invoke(db, "resource", "list", "--json").stdout)
    assert next(r["status"] for r in resources if r["resource"] == "lsm-paper") == "suggested"
    events = json.loads(_invoke(db, "log", "--json").stdout)
    assert sorted(e["id"] for e in events) == list(range(1, 9))
    assert _invoke(db, "db", "check").stdout.strip() == "ok"


def test_0006_adds_a_book_rating_keeping_every_row_and_undo_takes_a_rating_back(tmp_path):
    """0006: a database of the revision before (with a change journal) upgrades keeping
    every row; its books have no rating; the rebuilt table journals a rating again, and a
    change made before the upgrade is still taken back."""
    import json

    db = tmp_path / "old.db"
    _first_revision_library(db)
    _upgrade(db, "0005_change_journal")
    conn = sqlite3.connect(db)
    try:  # one more change at 0005, made through its own triggers: the title of ddia
        with conn:
            conn.execute("INSERT INTO changes (id, at, command, summary, undone) "
                         "VALUES (10, '2026-03-01 10:00:00', 'import', 'retitled', 'no')")
            conn.execute("INSERT INTO change_open (change_id) VALUES (10)")
            conn.execute("UPDATE books SET title = 'DDIA' WHERE id = 1")
            conn.execute("DELETE FROM change_open")
        assert conn.execute("SELECT count(*) FROM change_rows WHERE change_id = 10").fetchone()[0] == 1
    finally:
        conn.close()
    before = _rows(db)
    books = _invoke(db, "books", "--json")
    assert books.exit_code == 0, books.output
    after = _rows(db)
    _assert_rows_kept(before, after)
    assert "rating" in after["books"]["columns"] and [b["rating"] for b in after["books"]["rows"]] == [None]
    assert [b["rating"] for b in json.loads(books.stdout)] == [None]

    assert _invoke(db, "book", "rate", "ddia", "4").exit_code == 0
    assert json.loads(_invoke(db, "show", "ddia", "--json").stdout)["rating"] == 4
    assert _invoke(db, "undo").exit_code == 0
    assert json.loads(_invoke(db, "show", "ddia", "--json").stdout)["rating"] is None
    undo = _invoke(db, "undo")  # the change from before the upgrade: its image has no rating
    assert undo.exit_code == 0, undo.output
    shown = json.loads(_invoke(db, "show", "ddia", "--json").stdout)
    assert shown["title"] == "Designing Data-Intensive Applications" and shown["rating"] is None
    assert _invoke(db, "db", "check").stdout.strip() == "ok"
