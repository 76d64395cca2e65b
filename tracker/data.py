"""The data commands' use cases (SPEC §3 `stats`, `restore`; §5.2).

`stats`: streaks, minutes, chapters and revisits per week, true retention (all, and
per month), and the days of a heat map, from the sums per reader day that the
database adds up (`tracker.activity`).

`restore` replaces the whole library in the caller's one transaction: it reads the
backup's events one at a time (`tracker.formats.backup.iter_events`), inserts them in
bulk, then rebuilds every cache (statuses, favourites, resource statuses, revisit
cards) from them. Any mistake is one `UserError` and the transaction rolls back:
nothing is written. `restore --replace` first sets the replaced library aside.

A reader day counts as active when it has reading or revisiting in it (a `read`,
`finish` or `revisit` event). Days are the reader's dates (SPEC §3: local date of the
time minus `day_start_hour`), so a session after midnight counts for the evening.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from tracker import settings
from tracker.errors import UserError
from tracker.formats.backup import INSERT_CHUNK, Backup, iter_events, write_backup
from tracker.when import Clock

HEATMAP_WEEKS = 26
# A session logged without minutes still shows on the heat map, as if it took this long.
MINUTES_PER_UNTIMED_EVENT = 10


def _monday(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def _week(day: dt.date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def check_year(year: int | None) -> None:
    """`--year` of `stats` and `report`: 1900 to 2200, as for any time tracker keeps."""
    if year is not None and not 1900 <= year <= 2200:
        raise UserError(f"--year must be from 1900 to 2200, got {year}")


def stats(session: Session, c: Clock, *, year: int | None = None,
          heatmap_from: dt.date | None = None) -> dict[str, Any]:
    """The numbers of `stats --json`, true retention per month, and the heat map's days
    (26 weeks to the last day, from a Monday; or from `heatmap_from`)."""
    from tracker.activity import CHAPTERS, MINUTES, PASSED, REVISITS, UNTIMED, per_day

    today = c.today()
    end = today
    first_day: dt.date | None = None
    since = until = None
    if year is not None:
        check_year(year)
        first_day = dt.date(year, 1, 1)
        end = min(today, dt.date(year, 12, 31))
        since, until = c.day_start(first_day), c.day_end(dt.date(year, 12, 31))

    # day -> [minutes, events, chapters finished, revisits, untimed events, revisits passed]
    days = per_day(session, c, since=since, until=until)
    minutes = sum(cell[MINUTES] for cell in days.values())
    chapters = sum(cell[CHAPTERS] for cell in days.values())
    revisits = sum(cell[REVISITS] for cell in days.values())
    passed = sum(cell[PASSED] for cell in days.values())

    active = sorted(days)
    longest = run = 0
    previous: dt.date | None = None
    for day in active:
        run = run + 1 if previous is not None and (day - previous).days == 1 else 1
        longest = max(longest, run)
        previous = day
    current = 0
    if year is None or dt.date(year, 1, 1) <= today:
        cursor = end if end in days else end - dt.timedelta(days=1)
        while cursor in days:
            current += 1
            cursor -= dt.timedelta(days=1)

    weeks: list[dict[str, Any]] = []
    start = first_day if first_day is not None else (active[0] if active else None)
    if start is not None and start <= end:
        totals: dict[dt.date, list[int]] = {}
        for day, cell in days.items():
            t = totals.setdefault(_monday(day), [0, 0, 0])
            t[0] += cell[0]
            t[1] += cell[2]
            t[2] += cell[3]
        monday = _monday(start)
        while monday <= end:
            t = totals.get(monday, [0, 0, 0])
            weeks.append({"week": _week(monday), "from": monday.isoformat(), "minutes": t[0],
                          "chapters": t[1], "revisits": t[2]})
            monday += dt.timedelta(days=7)

    heat_start = heatmap_from or _monday(end) - dt.timedelta(weeks=HEATMAP_WEEKS - 1)
    heatmap = []
    day = heat_start
    while day <= end:
        cell = days.get(day)
        heatmap.append({
            "date": day.isoformat(),
            "minutes": cell[0] if cell else 0,
            "events": cell[1] if cell else 0,
            "score": (cell[MINUTES] + MINUTES_PER_UNTIMED_EVENT * cell[UNTIMED]) if cell else 0,
        })
        day += dt.timedelta(days=1)
    # Four shades of activity, by the quartile of a day's score among the active days shown.
    scores = sorted(d["score"] or d["events"] for d in heatmap if d["events"])
    cuts = [scores[min(len(scores) - 1, (len(scores) * k) // 4)] for k in (1, 2, 3)] if scores else []
    for d in heatmap:
        d["level"] = 1 + sum(1 for cut in cuts if (d["score"] or d["events"]) > cut) if d["events"] else 0

    return {
        "year": year,
        "date": today.isoformat(),
        "streak_days": current,
        "longest_streak_days": longest,
        "days_active": len(active),
        "minutes": minutes,
        "chapters_finished": chapters,
        "revisits": revisits,
        "true_retention": round(passed / revisits, 4) if revisits else None,
        "desired_retention": settings.load(session).desired_retention,
        "weeks": weeks,
        "months": _months(days, start, end),
        "heatmap": heatmap,
    }


def _months(days: dict[dt.date, list[int]], start: dt.date | None, end: dt.date) -> list[dict[str, Any]]:
    """Revisits and true retention (the share not rated again) per month, start to end."""
    from tracker.activity import PASSED, REVISITS

    totals: dict[tuple[int, int], list[int]] = {}
    for day, cell in days.items():
        t = totals.setdefault((day.year, day.month), [0, 0])
        t[0] += cell[REVISITS]
        t[1] += cell[PASSED]
    out = []
    if start is None or start > end:
        return out
    year, month = start.year, start.month
    while (year, month) <= (end.year, end.month):
        revisits, passed = totals.get((year, month), [0, 0])
        out.append({"month": f"{year:04d}-{month:02d}", "revisits": revisits, "passed": passed,
                    "true_retention": round(passed / revisits, 4) if revisits else None})
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return out


# --- restore (SPEC §5.2) ----------------------------------------------------------------


def refuse_unless_replace(session: Session) -> None:
    """Without --replace: a library with a log, or a book the bundle did not bring."""
    from sqlalchemy import func, select

    from tracker.model import Book, Event

    events = session.scalar(select(func.count()).select_from(Event)) or 0
    own = list(session.scalars(select(Book.slug).where(Book.bundled.is_(False)).order_by(Book.id).limit(3)))
    if events or own:
        what = f"{events} logged event{'s' if events != 1 else ''}" if events else f"your own book {own[0]}"
        raise UserError(f"the library is not empty (it has {what}); restore replaces everything in it: "
                        "add --replace to do so (make a backup first: tracker backup FILE)")


def set_aside(session: Session, clock: Clock) -> Path | None:
    """Write the library about to be replaced as a backup file in the app folder (beside
    the default library), named for the moment; None if it holds nothing to lose."""
    from sqlalchemy import select

    from tracker.db_url import default_path
    from tracker.model import Event

    if session.scalar(select(Event.id).limit(1)) is None and not _own_books(session):
        return None
    folder = default_path().parent
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    stamp = clock.now.strftime("%Y-%m-%dT%H%M%S")
    path, n = folder / f"replaced-by-restore-{stamp}.json", 2
    while path.exists():
        path, n = folder / f"replaced-by-restore-{stamp}-{n}.json", n + 1
    fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as out:
        write_backup(session, clock, out)
    return path


def _own_books(session: Session) -> bool:
    from sqlalchemy import select

    from tracker.model import Book

    return session.scalar(select(Book.id).where(Book.bundled.is_(False)).limit(1)) is not None


def _wipe(session: Session) -> None:
    from sqlalchemy import delete, update

    from tracker.model import (
        Book, Card, CardState, Chapter, ChapterTopic, Event, Interest, Resource, ResourceTopic, Setting, Topic,
    )

    for model in (CardState, Card, Event, ChapterTopic, ResourceTopic, Interest, Chapter, Book):
        session.execute(delete(model))
    session.execute(update(Resource).values(recommended_by_id=None))
    for model in (Resource, Topic, Setting):
        session.execute(delete(model))


def _seed_slugs() -> set[str]:
    """Books the bundled library brings (restore keeps them replaceable)."""
    try:
        from tracker.formats.library_file import parse_library
        from tracker.formats.library_store import seed_path

        path = seed_path()
        return {b.slug for b in parse_library(path.read_text(encoding="utf-8"), str(path)).books}
    except Exception:  # noqa: BLE001 - without a readable seed, no book counts as bundled
        return set()


def restore(session: Session, backup: Backup, *, replace: bool = False,
            progress: Callable[[int], None] | None = None) -> dict[str, int]:
    """Replace the whole library with the backup, in the caller's transaction; `progress`
    is told of each batch of events written."""
    from sqlalchemy import insert, select, update

    from tracker import cards, derived, events
    from tracker.formats.library_store import load_library
    from tracker.model import Book, Chapter, Resource, Setting

    if not replace:
        refuse_unless_replace(session)
    _wipe(session)
    session.expunge_all()
    if backup.settings:
        session.execute(insert(Setting), [{"key": k, "value": v} for k, v in backup.settings.items()])
    load_library(session, backup.library)
    seed = _seed_slugs() & {b.slug for b in backup.library.books}
    if seed:
        session.execute(update(Book).where(Book.slug.in_(seed)).values(bundled=True))

    books: dict[str, tuple[int, dict[str, int]]] = {
        slug: (bid, {}) for slug, bid in session.execute(select(Book.slug, Book.id))}
    for cid, slug, number in session.execute(
            select(Chapter.id, Book.slug, Chapter.number).join(Book, Book.id == Chapter.book_id)):
        books[slug][1][number] = cid
    resources = {slug: rid for slug, rid in session.execute(select(Resource.slug, Resource.id))}

    write, time_value, date_value = _event_writer(session)
    indexes = _drop_event_indexes(session)
    chunk: list[tuple[Any, ...]] = []
    without_id: list[tuple[Any, ...]] = []
    count = max_id = 0
    for row in iter_events(backup, books, resources, time_value=time_value, date_value=date_value):
        eid = row[0]
        if eid is None:
            without_id.append(row)  # numbered after every given id, in the file's order
            continue
        if eid > max_id:
            max_id = eid
        chunk.append(row)
        if len(chunk) >= INSERT_CHUNK:
            write(chunk)
            count += len(chunk)
            chunk = []
            if progress is not None:
                progress(INSERT_CHUNK)
    chunk += [(n, *row[1:]) for n, row in enumerate(without_id, start=max_id + 1)]
    if chunk:
        write(chunk)
        count += len(chunk)
        if progress is not None:
            progress(len(chunk))
    for sql in indexes:
        session.connection().exec_driver_sql(sql)
    if session.get_bind().dialect.name == "postgresql" and count:
        from sqlalchemy import text

        session.execute(text("SELECT setval(pg_get_serial_sequence('events', 'id'), "
                             "(SELECT max(id) FROM events))"))

    # The caches, from the events: resource statuses, book and chapter statuses and
    # favourites, then the revisit cards (the settings are in place: they shape them).
    derived.refresh_books(session)
    _refresh_resources(session)
    cards.rebuild(session, events.rules(session))
    session.flush()
    return {"events": count, "books": len(backup.library.books), "resources": len(backup.library.resources),
            "topics": len(backup.library.topics), "settings": len(backup.settings)}


EVENT_COLUMNS = ("id", "at", "kind", "book_id", "chapter_id", "resource_id", "minutes", "percent", "pages",
                 "rating", "until", "note")


def _event_writer(session: Session) -> tuple[Callable[[list[tuple[Any, ...]]], None], Callable[[Any], Any],
                                              Callable[[Any], Any]]:
    """A function inserting rows of EVENT_COLUMNS in the driver's values, several rows to
    a statement (tracker.bulk_rows), and the conversions of `at` (an aware time) and
    `until` (a date) to those values."""
    from tracker.bulk_rows import driver_value, inserter
    from tracker.model import Event

    conn = session.connection()
    table = Event.__table__
    return (inserter(conn, table, EVENT_COLUMNS), driver_value(conn, table.c.at),  # type: ignore[arg-type]
            driver_value(conn, table.c.until))


def _drop_event_indexes(session: Session) -> list[str]:
    """On SQLite, the events table's indexes are built once after the bulk insert
    (faster than keeping five of them current row by row); returns how to rebuild
    them. Inside the restore's transaction, like everything else: a failure or a
    killed process leaves them as they were."""
    conn = session.connection()
    if conn.dialect.name != "sqlite":
        return []
    rows = conn.exec_driver_sql(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'events' AND sql IS NOT NULL"
    ).all()
    # A larger page cache for this connection: the bulk insert and the index builds
    # that follow touch far more pages than SQLite's default 2 MB keeps.
    conn.exec_driver_sql("PRAGMA cache_size=-65536")
    for name, _sql in rows:
        conn.exec_driver_sql(f'DROP INDEX "{name}"')
    return [sql for _name, sql in rows]


def _refresh_resources(session: Session) -> None:
    """Every resource's status from its events, by the one rule in tracker.resources."""
    from sqlalchemy import select

    from tracker.model import Event
    from tracker.derived import refresh_resource
    from tracker.statuses import LIFECYCLE

    ids = session.scalars(
        select(Event.resource_id).where(Event.resource_id.is_not(None), Event.kind.in_(tuple(LIFECYCLE)))
        .distinct())
    for rid in sorted(ids):
        refresh_resource(session, rid)

