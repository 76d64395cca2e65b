"""`export`, `backup`, `restore`, `stats` (SPEC §3, §5.2, §5.3)."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import IO, Any

import click

from tracker.cli.app import (
    INT, App, book_option, echo_json, json_option, pass_app,
)

FORMATS = ("csv", "json", "jsonl", "md", "ics", "goodreads")
PROGRESS_FROM = 20_000  # events; shorter work finishes before a bar is worth drawing


@contextmanager
def _output(file: str | None, force: bool, *, private: bool = False) -> Iterator[IO[bytes]]:
    """stdout (no FILE, or `-`), else FILE written atomically. Either way a document is
    whole or absent: for stdout it is built in a spooled temporary file first, and
    written out only once it is complete (an error midway writes nothing)."""
    if file is None or file == "-":
        import shutil
        import tempfile

        with tempfile.SpooledTemporaryFile(max_size=16 * 1024 * 1024) as spool:
            yield spool  # type: ignore[misc]
            spool.seek(0)
            sys.stdout.flush()
            shutil.copyfileobj(spool, sys.stdout.buffer)
            sys.stdout.buffer.flush()
        return
    from pathlib import Path

    from tracker.formats.output import atomic_file

    with atomic_file(Path(file).expanduser(), force=force, private=private) as fh:
        yield fh


@click.command()
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="csv", show_default=True,
              help="csv, json, jsonl, md (a reading journal), ics (the revisit plan) or goodreads (the books).")
@click.option("--since", metavar="WHEN", help="From this time (a date: its start).")
@click.option("--until", metavar="WHEN", help="Up to this time (a date: its end).")
@book_option
@click.option("-o", "--output", "output", metavar="FILE", help="Write to FILE (default: stdout).")
@click.option("--force", is_flag=True, help="Overwrite FILE if it exists.")
@pass_app
def export(app: App, fmt: str, since: str | None, until: str | None, book: str | None, output: str | None,
           force: bool) -> None:
    """Export the reading log (csv, json, jsonl, md), the revisit plan (ics) or the books (goodreads).

    The ics file has one all-day event per favourite chapter at its due date (for
    ics, --since/--until/--book choose revisits by due date and book); import it
    again after revisiting and your calendar updates instead of duplicating; a
    chapter no longer a favourite comes as a cancelled event, which removes it.

    \b
    Example:
      tracker export --format csv -o reading.csv
      tracker export --format md --since 2026-01-01 > journal.md
      tracker export --format ics -o revisits.ics --force
      tracker export --format goodreads -o books.csv
    """
    from tracker import events
    from tracker.cli.progress import progress_bar
    from tracker.formats import export as exporter
    from tracker.formats.log_source import snapshot
    from tracker.formats.output import check_target, text_stream
    from tracker.names import find_book

    to_file = output not in (None, "-")
    if to_file:
        from pathlib import Path

        check_target(Path(output).expanduser(), force=force)  # type: ignore[arg-type]
    # The calendar remembers what it exported (each UID's SEQUENCE): ics writes that, in
    # one transaction with the file; it is no change of the library (undo leaves it).
    with (app.lib.write() if fmt == "ics" else app.lib.read()) as session:
        if fmt != "ics":
            snapshot(session)
        c = events.clock(session)
        book_id = find_book(session, book).id if book else None
        start, end = c.span(since, until)
        # A bar for a long export to a file (the ics plan and the books are short).
        total = (lambda: exporter.count_events(session, since=start, until=end, book_id=book_id)) \
            if to_file and fmt not in ("ics", "goodreads") else 0
        with _output(output, force) as binary, text_stream(binary) as out, \
                progress_bar("Exporting", total, at_least=PROGRESS_FROM) as progress:
            count = exporter.export(session, c, fmt, out, since=start, until=end, book_id=book_id,
                                    progress=progress)
    if to_file:
        what = {"ics": "revisit", "goodreads": "book"}.get(fmt, "event")
        click.echo(f"Exported {count} {what}{'s' if count != 1 else ''} to {output}.", err=True)


@click.command()
@click.argument("file", required=False, metavar="[FILE]")
@click.option("--force", is_flag=True, help="Overwrite FILE if it exists.")
@pass_app
def backup(app: App, file: str | None, force: bool) -> None:
    """Write every fact in the library to FILE (JSON, format 5.2), or to stdout.

    A FILE appears complete or not at all; it is readable by you only.

    \b
    Example:
      tracker backup ~/backups/reading-$(date +%F).json
      tracker backup | gzip > reading.json.gz
    """
    from tracker import events
    from tracker.cli.progress import progress_bar
    from tracker.formats.backup import write_backup
    from tracker.formats.export import count_events
    from tracker.formats.log_source import snapshot
    from tracker.formats.output import check_target, text_stream

    to_file = file not in (None, "-")
    if to_file:
        from pathlib import Path

        check_target(Path(file).expanduser(), force=force)  # type: ignore[arg-type]
    with app.lib.read() as session:
        snapshot(session)
        c = events.clock(session)
        with _output(file, force, private=True) as binary, text_stream(binary) as out, \
                progress_bar("Backing up", (lambda: count_events(session)) if to_file else 0,
                             at_least=PROGRESS_FROM) as progress:
            count = write_backup(session, c, out, progress=progress)
    if to_file:
        click.echo(f"Backed up the library and {count} event{'s' if count != 1 else ''} to {file}.", err=True)


def _pause_for_tests() -> None:
    """TRACKER_TEST_RESTORE_PAUSE=DIR (tests only): holding the write lock, say so through
    the FIFO DIR/reached, then wait for a word on DIR/go: a restore as slow as a test needs,
    without timing anything."""
    import os

    folder = os.environ.get("TRACKER_TEST_RESTORE_PAUSE")
    if not folder:
        return
    with open(os.path.join(folder, "reached"), "w", encoding="utf-8") as fh:
        fh.write("holding the lock\n")
    with open(os.path.join(folder, "go"), encoding="utf-8") as fh:
        fh.read()


@click.command()
@click.argument("file")
@click.option("--replace", is_flag=True, help="Replace a library that has a reading log or books of your own.")
@pass_app
def restore(app: App, file: str, replace: bool) -> None:
    """Replace the whole library with a backup: all or nothing.

    A bad or truncated file is refused and the library is left as it was.
    Favourites, revisit cards and resource statuses are rebuilt from the
    events, so a backup written by hand or by another program restores too.

    \b
    Example:
      tracker restore reading-2026-03-01.json
      tracker restore reading-2026-03-01.json --replace
      tracker restore reading.json.gz --replace     # gzip read as it is; - reads stdin
    """
    from tracker import events
    from tracker.changes import record_restore
    from tracker.cli.progress import progress_bar
    from tracker.data import restore as restore_backup, set_aside
    from tracker.formats.backup import events_in, read_backup

    data = read_backup(file)
    copy = None
    try:
        with app.lib.write() as session:
            # `--replace` first keeps the library it replaces, as a backup in the app folder.
            copy = set_aside(session, events.clock(session)) if replace else None
            with progress_bar("Restoring", lambda: events_in(data), at_least=PROGRESS_FROM) as progress:
                counts = restore_backup(session, data, replace=replace, progress=progress)
            record_restore(session, str(copy) if copy else None, f"restore of {file}")
            _pause_for_tests()
    except BaseException:
        if copy is not None:
            copy.unlink(missing_ok=True)  # nothing was replaced: no copy to keep
        raise
    from tracker.cli.render import plural

    if copy is not None:
        click.echo(f"Set the replaced library aside as {copy}.", err=True)
    if app.lib.created:
        app.created_message = f"Created a new library at {app.lib.url.removeprefix('sqlite:///')} from the backup."
    click.echo(f"Restored {plural(counts['books'], 'book')}, {plural(counts['resources'], 'resource')} and "
               f"{plural(counts['events'], 'event')} from {file}.")


@click.command()
@click.option("--year", type=INT, metavar="Y", help="Only this year (default: all time).")
@json_option
@pass_app
def stats(app: App, year: int | None, as_json: bool) -> None:
    """Streaks, minutes, chapters and revisits per week, true retention, a heat map.

    \b
    Example:
      tracker stats
      tracker stats --year 2026 --json
    """
    from tracker import events
    from tracker.cli import render
    from tracker.data import stats as compute

    with app.lib.read() as session:
        data: dict[str, Any] = compute(session, events.clock(session), year=year)
    echo_json(data) if as_json else click.echo(render.stats(data))


COMMANDS = [export, backup, restore, stats]
