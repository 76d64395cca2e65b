"""The library file (SPEC §5.1) into the library: `load_library(session, data)` upserts by
slug inside the caller's transaction and never touches the reading log, chapter status
or favourites. A key that the file leaves out leaves the stored value as it is;
re-loading the same file changes nothing. The bundled library is loaded the same way."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from tracker import chapter_numbers
from tracker.errors import EnvError
from tracker.formats.library_file import LibraryData, check_references, parse_library


def known_slugs(session: Session) -> tuple[set[str], set[str]]:
    """The topic and resource slugs already in the database (for parse_library)."""
    from sqlalchemy import select

    from tracker.model import Resource, Topic

    return set(session.scalars(select(Topic.slug))), set(session.scalars(select(Resource.slug)))


def _set(obj: Any, attr: str, value: Any) -> bool:
    """Set obj.attr to value if it differs; say whether it did."""
    if getattr(obj, attr) == value:
        return False
    setattr(obj, attr, value)
    return True


def _set_given(obj: Any, data: Any, attrs: Iterable[str]) -> bool:
    """Set the attributes that `data` gives (not None); say whether any changed."""
    changed = False
    for attr in attrs:
        value = getattr(data, attr)
        if value is not None:
            changed |= _set(obj, attr, list(value) if isinstance(value, tuple) else value)
    return changed


def _sync_links(links: list[Any], wanted: list[int], make: Any) -> bool:
    """Make a loaded topic-link list name `wanted` topic ids in order, keeping kept rows."""
    if [link.topic_id for link in links] == wanted and all(
        link.position == i for i, link in enumerate(links)
    ):
        return False
    by_topic = {link.topic_id: link for link in links}
    new_links = []
    for i, topic_id in enumerate(wanted):
        link = by_topic.pop(topic_id, None)
        if link is None:
            link = make(topic_id, i)
        else:
            link.position = i
        new_links.append(link)
    links[:] = new_links  # the rows left in by_topic are orphans: deleted
    return True


def _fields(data: Any, attrs: Iterable[str]) -> dict[str, Any]:
    return {
        attr: list(value) if isinstance(value, tuple) else value
        for attr in attrs
        for value in (getattr(data, attr),)
    }


def load_library(session: Session, data: LibraryData, *, bundled: bool = False) -> dict[str, int]:
    """Upsert `data` by slug into the library, inside the caller's transaction.

    References are checked against the file and the database before anything is
    written, so that a file with a dangling one loads nothing. A key the file leaves
    out keeps its stored value; the reading log, chapter status and favourites are
    never touched. New rows are written in bulk (a few statements in all), so that
    loading the bundled library into a new database stays fast. Returns how many
    topics, books, chapters, resources and interests were added or changed.
    """
    from sqlalchemy import insert, select, update
    from sqlalchemy.orm import selectinload

    from tracker.model import (
        Book,
        Chapter,
        ChapterTopic,
        Interest,
        Resource,
        ResourceTopic,
        Topic,
    )

    counts = {"topics": 0, "books": 0, "chapters": 0, "resources": 0, "interests": 0}

    topics = {t.slug: t for t in session.scalars(select(Topic))}
    resources = {
        r.slug: r
        for r in session.scalars(select(Resource).options(selectinload(Resource.topic_links)))
    }
    check_references(
        data,
        set(topics) | {t.slug for t in data.topics},
        set(resources) | {r.slug for r in data.resources},
    )

    # Topics first: chapters, resources and interests link to their ids.
    topic_id = {slug: t.id for slug, t in topics.items()}
    new_topics = []
    for td in data.topics:
        topic = topics.get(td.slug)
        if topic is None:
            new_topics.append({"slug": td.slug, "name": td.name})
        elif _set(topic, "name", td.name):
            counts["topics"] += 1
    if new_topics:
        session.execute(insert(Topic), new_topics)
        topic_id.update(
            session.execute(
                select(Topic.slug, Topic.id).where(Topic.slug.in_([t["slug"] for t in new_topics]))
            ).all()
        )
        counts["topics"] += len(new_topics)

    # Books.
    book_attrs = ("title", "authors", "year", "url", "isbn", "note", "source", "rating")
    books: dict[str, Book] = {}
    book_id: dict[str, int] = {}
    if data.books:
        books = {
            b.slug: b
            for b in session.scalars(
                select(Book).where(Book.slug.in_([bd.slug for bd in data.books]))
            )
        }
        book_id = {slug: b.id for slug, b in books.items()}
        new_books = []
        for bd in data.books:
            book = books.get(bd.slug)
            if book is None:
                row = _fields(bd, book_attrs)
                row.update(slug=bd.slug, authors=list(bd.authors or ()), bundled=bundled,
                           status="to-read")
                new_books.append(row)
            else:
                changed = _set_given(book, bd, book_attrs)
                if bundled:
                    changed |= _set(book, "bundled", True)
                counts["books"] += changed
        if new_books:
            session.execute(insert(Book), new_books)
            book_id.update(
                session.execute(
                    select(Book.slug, Book.id).where(Book.slug.in_([b["slug"] for b in new_books]))
                ).all()
            )
            counts["books"] += len(new_books)

    # Chapters: a file that lists all of a book's chapters gives their reading order; a
    # file that lists some keeps the book's order and places its new ones as `chapter add`.
    old_chapters: dict[int, list[Chapter]] = {}
    with_chapters = [books[bd.slug].id for bd in data.books if bd.chapters and bd.slug in books]
    if with_chapters:
        for chapter in session.scalars(
            select(Chapter)
            .where(Chapter.book_id.in_(with_chapters))
            .options(selectinload(Chapter.topic_links))
            .order_by(Chapter.book_id, Chapter.position, Chapter.id)
        ):
            old_chapters.setdefault(chapter.book_id, []).append(chapter)
    new_chapters: list[dict[str, Any]] = []
    new_chapter_topics: dict[tuple[int, str], tuple[str, ...]] = {}
    for bd in data.books:
        if not bd.chapters:
            continue
        bid = book_id[bd.slug]
        current = old_chapters.get(bid, [])
        by_number = {c.number: c for c in current}
        in_file = {cd.number for cd in bd.chapters}
        if by_number.keys() <= in_file:
            order = [cd.number for cd in bd.chapters]
        else:
            order = [c.number for c in current]
            for cd in bd.chapters:
                if cd.number not in by_number:
                    order.insert(chapter_numbers.place(cd.number, order), cd.number)
        position_of = {number: i for i, number in enumerate(order)}
        for cd in bd.chapters:
            position = position_of[cd.number]
            chapter = by_number.get(cd.number)
            if chapter is None:
                new_chapters.append({
                    "book_id": bid, "number": cd.number, "title": cd.title,
                    "position": position, "pages": cd.pages, "source": cd.source,
                    "status": "unread", "favourite": False,
                })
                if cd.topics:
                    new_chapter_topics[(bid, cd.number)] = cd.topics
                continue
            changed = _set(chapter, "title", cd.title)
            changed |= _set(chapter, "position", position)
            changed |= _set_given(chapter, cd, ("pages", "source"))
            if cd.topics is not None:
                changed |= _sync_links(
                    chapter.topic_links,
                    [topic_id[s] for s in cd.topics],
                    lambda tid, pos: ChapterTopic(topic_id=tid, position=pos),
                )
            counts["chapters"] += changed
        for chapter in current:
            if chapter.number not in in_file:
                counts["chapters"] += _set(chapter, "position", position_of[chapter.number])
        if bd.slug in books:
            # Its loaded `chapters` collection (if any) no longer tells the whole story.
            session.expire(books[bd.slug], ["chapters"])
    if new_chapters:
        session.execute(insert(Chapter), new_chapters)
        counts["chapters"] += len(new_chapters)
        if new_chapter_topics:
            new_books_ids = {bid for bid, _ in new_chapter_topics}
            links = []
            for cid, bid, number in session.execute(
                select(Chapter.id, Chapter.book_id, Chapter.number).where(
                    Chapter.book_id.in_(new_books_ids)
                )
            ):
                for i, slug in enumerate(new_chapter_topics.get((bid, number), ())):
                    links.append({"chapter_id": cid, "topic_id": topic_id[slug], "position": i})
            session.execute(insert(ChapterTopic), links)

    # Resources: insert or update them all, then resolve recommended_by, which may
    # name a resource that comes later in the file.
    resource_attrs = ("title", "authors", "kind", "year", "url", "rank", "note", "source")
    changed_resources: set[str] = set()
    new_resources: list[dict[str, Any]] = []
    for rd in data.resources:
        res = resources.get(rd.slug)
        if res is None:
            row = _fields(rd, resource_attrs)
            row.update(slug=rd.slug, authors=list(rd.authors or ()), status="suggested")
            new_resources.append(row)
            changed_resources.add(rd.slug)
            continue
        changed = _set_given(res, rd, resource_attrs)
        if rd.topics is not None:
            changed |= _sync_links(
                res.topic_links,
                [topic_id[s] for s in rd.topics],
                lambda tid, pos: ResourceTopic(topic_id=tid, position=pos),
            )
        if changed:
            changed_resources.add(rd.slug)
    resource_id = {slug: r.id for slug, r in resources.items()}
    if new_resources:
        session.execute(insert(Resource), new_resources)
        resource_id.update(
            session.execute(
                select(Resource.slug, Resource.id).where(
                    Resource.slug.in_([r["slug"] for r in new_resources])
                )
            ).all()
        )
        links = [
            {"resource_id": resource_id[rd.slug], "topic_id": topic_id[slug], "position": i}
            for rd in data.resources
            if rd.slug not in resources
            for i, slug in enumerate(rd.topics or ())
        ]
        if links:
            session.execute(insert(ResourceTopic), links)
    new_recommended = []
    for rd in data.resources:
        if rd.recommended_by is None:
            continue
        target = resource_id[rd.recommended_by]
        res = resources.get(rd.slug)
        if res is None:
            new_recommended.append({"id": resource_id[rd.slug], "recommended_by_id": target})
        elif _set(res, "recommended_by_id", target):
            changed_resources.add(rd.slug)
    if new_recommended:
        session.execute(update(Resource), new_recommended)
    counts["resources"] = len(changed_resources)

    # Interests: follow the ones not followed yet, after the others.
    if data.interests:
        followed = dict(
            session.execute(select(Interest.topic_id, Interest.position)).all()
        )
        position = max(followed.values(), default=-1) + 1
        new_interests = []
        for slug in data.interests:
            tid = topic_id[slug]
            if tid not in followed:
                followed[tid] = position
                new_interests.append({"topic_id": tid, "position": position})
                position += 1
        if new_interests:
            session.execute(insert(Interest), new_interests)
            counts["interests"] = len(new_interests)

    session.flush()
    return counts


def seed_path() -> Path:
    """The bundled library: `tracker/seed/library.toml` installed, `seed/` in a checkout."""
    package = Path(__file__).resolve().parent.parent  # .../tracker
    for candidate in (
        package / "seed" / "library.toml",
        package.parent / "seed" / "library.toml",
    ):
        if candidate.is_file():
            return candidate
    raise EnvError(
        f"the bundled library is missing (looked for {package / 'seed' / 'library.toml'})"
    )


def load_seed(session: Session) -> dict[str, int]:
    """Load the bundled library (its books marked `bundled`)."""
    path = seed_path()
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise EnvError(f"cannot read the bundled library {path}: {exc.strerror}") from None
    # The seed names only its own entries; load_library checks it against the database.
    return load_library(session, parse_library(text, str(path)), bundled=True)
