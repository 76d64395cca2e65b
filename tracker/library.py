"""The library commands (SPEC §3 books, show, book, chapter, topics, §5.1 import): the
books, chapters and topics, listed and managed; library files loaded all or nothing."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from tracker import chapter_numbers
from tracker.chapter_numbers import is_top_level
from tracker.errors import UserError
from tracker.limits import SLUG_MAX, TITLE_MAX, check_length
from tracker.model import (
    Book, Card, Chapter, ChapterTopic, Event, ResourceTopic, Topic,
)
from tracker.db import Library
from tracker.events import progress_of
from tracker.limits import check_url
from tracker.names import (
    SLUG_RE, chapter_label, find_book, find_chapter, find_topics, free_slug, slugify, topic_slugs,
)


def books(session: Session) -> list[dict[str, Any]]:
    """Every book with status, progress, favourites and next revisit (`books --json`)."""
    # Rows, not ORM objects, through Core: 12,000 chapters cost a few milliseconds.
    session.flush()
    conn = session.connection()
    rows = conn.execute(select(Book.id, Book.slug, Book.title, Book.authors, Book.status, Book.rating)
                        .order_by(Book.id)).all()
    chapters = conn.execute(
        select(Chapter.book_id, Chapter.number, Chapter.status, Chapter.favourite)
    ).all()
    per_book: dict[int, list[tuple[str, str, bool]]] = {}
    for book_id, number, status, favourite in chapters:
        per_book.setdefault(book_id, []).append((number, status, favourite))
    next_due = dict(
        conn.execute(
            select(Chapter.book_id, func.min(Card.due)).join(Card, Card.chapter_id == Chapter.id)
            .where(Card.active.is_(True)).group_by(Chapter.book_id)
        ).all()
    )
    out = []
    for book in rows:
        items = per_book.get(book.id, [])
        numbers = {n for n, _, _ in items}
        top = [s for n, s, _ in items if is_top_level(n, numbers)]
        due = next_due.get(book.id)
        out.append({
            "slug": book.slug, "title": book.title, "authors": list(book.authors or []),
            "status": book.status, "read": sum(1 for s in top if s == "read"), "total": len(top),
            "favourites": sum(1 for _, _, f in items if f),
            "next_due": due.isoformat() if due else None, "rating": book.rating,
        })
    return out


def show(session: Session, book_text: str) -> dict[str, Any]:
    """One book's chapter tree in reading order (`show --json`), with its notes."""
    book = find_book(session, book_text)
    chapters = list(session.scalars(select(Chapter).where(Chapter.book_id == book.id).order_by(Chapter.position)))
    ids = [c.id for c in chapters]
    topics = topic_slugs(session, ChapterTopic.chapter_id, ids)
    cards = {row.chapter_id: row for row in session.scalars(select(Card).where(Card.chapter_id.in_(ids)))}
    numbers = {c.number for c in chapters}
    progress = progress_of(session, [c.id for c in chapters if c.status == "reading"])
    notes = session.execute(
        select(Event.chapter_id, Event.at, Event.note).where(
            Event.book_id == book.id, Event.note.is_not(None)
        ).order_by(Event.at, Event.id)
    ).all()
    out_chapters = []
    for c in chapters:
        card = cards.get(c.id)
        depth = 0 if is_top_level(c.number, numbers) else c.number.count(".")
        out_chapters.append({
            "number": c.number, "title": c.title, "status": c.status, "favourite": c.favourite,
            "due": card.due.isoformat() if card is not None and card.active else None,
            "topics": topics.get(c.id, []), "pages": c.pages, "source": c.source, "depth": depth,
            "progress": progress.get(c.id),
        })
    numbers_by_id = {c.id: c.number for c in chapters}
    top = [c for c in chapters if is_top_level(c.number, numbers)]
    return {
        "slug": book.slug, "title": book.title, "authors": list(book.authors or []), "rating": book.rating,
        "status": book.status, "year": book.year, "url": book.url, "note": book.note,
        "read": sum(1 for c in top if c.status == "read"), "total": len(top),
        "chapters": out_chapters,
        "notes": [{"chapter": numbers_by_id.get(cid), "at": at.isoformat(), "note": text}
                  for cid, at, text in notes],
    }


def add_book(session: Session, title: str, *, authors: tuple[str, ...] = (), slug: str | None = None,
             year: int | None = None, url: str | None = None) -> Book:
    if not title.strip():
        raise UserError("a book needs a title")
    check_length("the title", title.strip(), TITLE_MAX)
    if slug is not None:
        check_length("the slug", slug, SLUG_MAX)
    if slug is not None and not SLUG_RE.match(slug):
        raise UserError(f"slug {slug!r} may use only a-z, 0-9 and single hyphens, e.g. my-book")
    if year is not None and not 0 < year < 3000:
        raise UserError(f"--year must be a year like 2026, got {year}")
    if url is not None:
        check_url(url)
    if slug is None:
        same = session.scalar(select(Book.slug).where(func.lower(Book.title) == title.strip().lower()).limit(1))
        if same is not None:
            raise UserError(
                f"a book titled {title.strip()!r} exists already ({same}); give --slug to add another"
            )
    wanted = slug or slugify(title)
    taken = set(session.scalars(select(Book.slug).where(Book.slug.like(f"{wanted}%"))))
    if slug is not None and slug in taken:
        raise UserError(f"a book with slug {slug!r} exists already; choose another --slug")
    book = Book(slug=free_slug(wanted, taken), title=title.strip(), authors=list(authors), year=year, url=url,
                status="to-read")
    session.add(book)
    session.flush()
    return book


def rate_book(session: Session, book_text: str, stars: int) -> tuple[str, int | None, int | None]:
    """`book rate`: the reader's own 1–5 stars (0 clears them). Returns the book's slug and
    its rating before and after; the same rating again changes nothing."""
    if not 0 <= stars <= 5:
        raise UserError(f"STARS must be from 1 to 5, or 0 to clear the rating; got {stars}")
    book = find_book(session, book_text)
    before, after = book.rating, stars or None
    if before != after:
        book.rating = after
        session.flush()
    return book.slug, before, after


def remove_book_counts(session: Session, book: Book) -> dict[str, int]:
    return {
        "chapters": session.scalar(select(func.count()).select_from(Chapter).where(Chapter.book_id == book.id)) or 0,
        "events": session.scalar(select(func.count()).select_from(Event).where(Event.book_id == book.id)) or 0,
        "cards": session.scalar(
            select(func.count()).select_from(Card).join(Chapter, Chapter.id == Card.chapter_id)
            .where(Chapter.book_id == book.id)) or 0,
    }


def _replay_after_removal(session: Session, first_event: tuple[dt.datetime, int] | None) -> None:
    if first_event is None:
        return
    from tracker import cards, events

    cards.replay_from(session, events.rules(session), first_event)


def _first_schedule_event(session: Session, condition: Any) -> tuple[dt.datetime, int] | None:
    from tracker.schedule import SCHEDULE_KINDS

    row = session.execute(
        select(Event.at, Event.id).where(condition, Event.kind.in_(SCHEDULE_KINDS))
        .order_by(Event.at, Event.id).limit(1)
    ).first()
    return (row[0], row[1]) if row else None


def remove_book(session: Session, book: Book) -> dict[str, int]:
    counts = remove_book_counts(session, book)
    first = _first_schedule_event(session, Event.book_id == book.id)
    session.execute(delete(Event).where(Event.book_id == book.id))
    session.delete(book)
    session.flush()
    _replay_after_removal(session, first)
    return counts


def add_chapter(session: Session, book_text: str, number: str, title: str, *,
                topics: tuple[str, ...] = (), pages: int | None = None) -> tuple[Book, Chapter]:
    book = find_book(session, book_text)
    number = number.strip()
    if not title.strip():
        raise UserError("a chapter needs a title")
    check_length("the title", title.strip(), TITLE_MAX)
    check_length("the chapter number", number, 50)
    from tracker.limits import check_pages

    check_pages(pages)
    chapters = list(session.scalars(select(Chapter).where(Chapter.book_id == book.id).order_by(Chapter.position)))
    existing = next((c for c in chapters if c.number == number), None)
    if existing is not None:
        raise UserError(f"{book.slug} has a chapter {chapter_label(existing)} already; choose another number")
    wrong = chapter_numbers.problem(number, {c.number for c in chapters})
    if wrong is not None:
        raise UserError(f"{wrong} (in {book.slug})")
    topic_rows = find_topics(session, topics)  # a topic given twice is linked once
    position = chapter_numbers.place(number, [c.number for c in chapters])
    for c in chapters[position:]:
        c.position += 1
    session.flush()
    chapter = Chapter(book_id=book.id, number=number, title=title.strip(), position=position, pages=pages,
                      status="unread", favourite=False)
    session.add(chapter)
    session.flush()
    for i, topic in enumerate(topic_rows):
        session.add(ChapterTopic(chapter_id=chapter.id, topic_id=topic.id, position=i))
    from tracker.derived import refresh_book

    refresh_book(session, book)
    return book, chapter


def chapter_and_sections(session: Session, book: Book, chapter: Chapter) -> list[Chapter]:
    return [c for c in session.scalars(select(Chapter).where(Chapter.book_id == book.id))
            if c.number == chapter.number or c.number.startswith(chapter.number + ".")]


def remove_chapter(session: Session, book_text: str, chapter_text: str, *, confirm: Any = None) -> dict[str, Any]:
    book = find_book(session, book_text)
    chapter = find_chapter(session, book, chapter_text)
    doomed = chapter_and_sections(session, book, chapter)
    ids = [c.id for c in doomed]
    events = session.scalar(select(func.count()).select_from(Event).where(Event.chapter_id.in_(ids))) or 0
    summary = {"book": book.slug, "chapter": chapter.number, "title": chapter.title,
               "sections": len(doomed) - 1, "events": events}
    if confirm is not None and not confirm(summary):
        return {**summary, "removed": False}
    first = _first_schedule_event(session, Event.chapter_id.in_(ids))
    session.execute(delete(Event).where(Event.chapter_id.in_(ids)))
    for c in doomed:
        session.delete(c)
    session.flush()
    remaining = list(session.scalars(select(Chapter).where(Chapter.book_id == book.id).order_by(Chapter.position)))
    for i, c in enumerate(remaining):
        c.position = i
    from tracker.derived import refresh_book

    refresh_book(session, book)
    _replay_after_removal(session, first)
    return {**summary, "removed": True}


def topics(session: Session) -> list[dict[str, Any]]:
    chapter_counts = dict(session.execute(
        select(ChapterTopic.topic_id, func.count()).group_by(ChapterTopic.topic_id)).all())
    resource_counts = dict(session.execute(
        select(ResourceTopic.topic_id, func.count()).group_by(ResourceTopic.topic_id)).all())
    from tracker.model import Interest

    followed = set(session.scalars(select(Interest.topic_id)))
    return [
        {"slug": t.slug, "name": t.name, "chapters": chapter_counts.get(t.id, 0),
         "resources": resource_counts.get(t.id, 0), "interest": t.id in followed}
        for t in session.scalars(select(Topic).order_by(Topic.slug))
    ]


# --- import (SPEC §5.1, §5.5) ---------------------------------------------------------------

@dataclass
class Imported:
    """What an import did (on a dry run: would do), file by file."""

    counts: dict[str, int] = field(default_factory=dict)
    books: list[Any] = field(default_factory=list)  # formats.book_store.BookReport
    shelves: list[Any] = field(default_factory=list)  # formats.shelf_store.ShelfReport

    def add(self, counts: dict[str, int]) -> None:
        for key, count in counts.items():
            self.counts[key] = self.counts.get(key, 0) + count


def read_text(name: str) -> str:
    from tracker.formats.files import read_text as read_file

    return read_file(name, what="a library file", not_text="not UTF-8 text; a library file is TOML")


@dataclass(frozen=True)
class ReadFiles:
    """Files to import, each read and checked (nothing written yet): (name, kind, value)."""

    names: list[str]
    files: list[tuple[str, str, Any]]

    @property
    def units(self) -> int:
        """How much loading them is: the CSV rows and the book files' chapters."""
        return sum(len(value.rows) if kind == "csv" else len(value.numbered.chapters)
                   for _, kind, value in self.files if kind != "toml")


def read_files(names: list[str], *, fmt: str | None = None, slug: str | None = None,
               title: str | None = None, authors: tuple[str, ...] = ()) -> ReadFiles:
    """Read every file first: nothing is loaded when one of them cannot be read."""
    from tracker.formats.book_store import plan_book
    from tracker.formats.readers import BOOK_FORMATS, import_format, read_book, read_shelf

    kinds = [(name, import_format(name, fmt)) for name in names]
    if slug is not None or title is not None or authors:
        if len(kinds) != 1 or kinds[0][1] not in BOOK_FORMATS:
            raise UserError("--slug, --title and --author name one book: give them with one EPUB, PDF or "
                            "table of contents file")
    read: list[tuple[str, str, Any]] = []
    for name, kind in kinds:
        if kind == "toml":
            read.append((name, kind, read_text(name)))
        elif kind == "csv":
            read.append((name, kind, read_shelf(name)))
        else:
            read.append((name, kind, plan_book(name, read_book(name, kind), slug=slug, title=title,
                                               authors=authors)))
    return ReadFiles(names, read)


def import_files(lib: Library, read: ReadFiles, *, dry_run: bool = False,
                 progress: Callable[[int], None] | None = None) -> Imported:
    """Load files read by `read_files`, all in one transaction, one change (none on a dry
    run). `progress`, if given, is called with how many chapters or rows were just loaded."""
    from tracker.changes import recording
    from tracker.formats.book_store import load_book
    from tracker.formats.library_file import parse_library
    from tracker.formats.library_store import known_slugs, load_library
    from tracker.formats.shelf_store import load_shelf

    names = read.names
    result = Imported()
    try:
        with lib.write() as session, recording(session, "import") as change:
            for name, kind, value in read.files:
                if kind == "toml":
                    topics, resources = known_slugs(session)
                    data = parse_library(value, Path(name).name, known_topics=topics, known_resources=resources)
                    result.add(load_library(session, data))
                elif kind == "csv":
                    from tracker.events import clock

                    shelf = load_shelf(session, name, value, clock(session), progress)
                    result.shelves.append(shelf)
                    result.add({"books": shelf.added + shelf.updated, "events": shelf.events})
                else:
                    report = load_book(session, value, progress)
                    result.books.append(report)
                    result.add(report.counts)
            if any(kind != "toml" for _, kind, _ in read.files):
                shown = ", ".join(f"{n} {k.rstrip('s') if n == 1 else k}" for k, n in result.counts.items() if n)
                change.summary = f"import of {', '.join(Path(n).name for n in names)}: {shown or 'nothing new'}"
            if dry_run:
                raise _DryRun
    except _DryRun:
        pass
    return result


class _DryRun(Exception):
    """Raised inside the transaction of a dry run so that it is rolled back."""
