"""The library file (SPEC §5.1): parse and validate, load into the database, dump.

- `parse_library(text, filename)` parses TOML and validates it completely into frozen
  dataclasses; `parse_library_dict(obj, filename)` validates an already parsed dict
  (a backup's `library`, SPEC §5.2). Every mistake is a `UserError` of one line that
  names the file, the entry and the key.
- `load_library(session, data)` upserts by slug inside the caller's transaction and
  never touches the reading log, chapter status or favourites. A key that the file
  leaves out leaves the stored value as it is; re-loading the same file changes nothing.
- `dump_library(session)` gives the library back in the shape of §5.1, as plain
  JSON-able dicts, such that parse → load into an empty database → dump gives it again.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tracker import chapter_numbers
from tracker.limits import NOTE_MAX, TITLE_MAX
from tracker.errors import EnvError, UserError

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

__all__ = [
    "TopicData",
    "ChapterData",
    "BookData",
    "ResourceData",
    "LibraryData",
    "parse_library",
    "parse_library_dict",
    "load_library",
    "load_seed",
    "dump_library",
    "known_slugs",
    "seed_path",
]

# Kept equal to tracker.model (a test checks it), so that parsing needs no SQLAlchemy.
RESOURCE_KINDS = (
    "book", "paper", "post", "docs", "code", "reference", "course", "video", "review",
)
SOURCES = ("confirmed", "secondary")

SLUG_RE = re.compile(r"[a-z0-9-]+")
SLUG_MAX = 100
NUMBER_MAX = 50
TOPIC_NAME_MAX = 200
ISBN_MAX = 20

TOP_KEYS = ("topics", "books", "resources", "interests")
TOPIC_KEYS = ("slug", "name")
BOOK_KEYS = ("slug", "title", "authors", "year", "url", "isbn", "note", "source", "chapters")
CHAPTER_KEYS = ("number", "title", "topics", "pages", "source")
RESOURCE_KEYS = (
    "slug", "title", "authors", "kind", "year", "url", "topics", "rank",
    "recommended_by", "note", "source",
)


# --------------------------------------------------------------------------- data


@dataclass(frozen=True, slots=True)
class TopicData:
    slug: str
    name: str


@dataclass(frozen=True, slots=True)
class ChapterData:
    number: str
    title: str
    topics: tuple[str, ...] | None = None  # None: not given
    pages: int | None = None
    source: str | None = None


@dataclass(frozen=True, slots=True)
class BookData:
    slug: str
    title: str
    authors: tuple[str, ...] | None = None  # None: not given
    year: int | None = None
    url: str | None = None
    isbn: str | None = None
    note: str | None = None
    source: str | None = None
    chapters: tuple[ChapterData, ...] = ()


@dataclass(frozen=True, slots=True)
class ResourceData:
    slug: str
    title: str
    kind: str
    authors: tuple[str, ...] | None = None  # None: not given
    year: int | None = None
    url: str | None = None
    topics: tuple[str, ...] | None = None  # None: not given
    rank: int | None = None
    recommended_by: str | None = None
    note: str | None = None
    source: str | None = None


@dataclass(frozen=True, slots=True)
class LibraryData:
    topics: tuple[TopicData, ...] = ()
    books: tuple[BookData, ...] = ()
    resources: tuple[ResourceData, ...] = ()
    interests: tuple[str, ...] = ()
    filename: str = "<library>"


# ------------------------------------------------------------------------ parsing


def _type_name(value: Any) -> str:
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int):
        return "an integer"
    if isinstance(value, float):
        return "a float"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, Mapping):
        return "a table"
    if isinstance(value, (list, tuple)):
        return "a list"
    return f"a {type(value).__name__}"


class _Entry:
    """Validates the keys of one table; errors name the file, the entry and the key."""

    def __init__(self, filename: str, label: str, table: Any, known: Sequence[str]) -> None:
        self.filename = filename
        self.label = label
        if not isinstance(table, Mapping):
            self.fail(f"must be a table, not {_type_name(table)}")
        self.table = table
        for key in table:
            if key not in known:
                hint = ""
                if key in TOP_KEYS:
                    # TOML puts a key written after a [[table]] inside that table.
                    hint = f"; a top-level {key!r} must come before the first [[...]] table"
                self.fail(f"unknown key {key!r} (known: {', '.join(known)}){hint}")

    def fail(self, message: str, key: str | None = None) -> None:
        where = f"{self.label}: {key}" if key else self.label
        raise UserError(f"{self.filename}: {where}: {message}")

    def present(self, key: str) -> bool:
        return self.table.get(key) is not None

    def str(self, key: str, *, required: bool = False, max_len: int | None = None) -> str | None:
        value = self.table.get(key)
        if value is None:
            if required:
                self.fail(f"missing required key {key!r}")
            return None
        if not isinstance(value, str):
            self.fail(f"must be a string, not {_type_name(value)}", key)
        _check_text(self, key, value)
        if required and not value.strip():
            self.fail("must not be empty", key)
        if max_len is not None and len(value) > max_len:
            self.fail(f"is longer than {max_len} characters", key)
        return value

    def slug(self, key: str = "slug", *, required: bool = True) -> str | None:
        value = self.str(key, required=required)
        if value is not None:
            _check_slug(self, key, value)
        return value

    def choice(self, key: str, choices: Sequence[str], *, required: bool = False) -> str | None:
        value = self.str(key, required=required)
        if value is not None and value not in choices:
            self.fail(f"{value!r} is not one of {', '.join(choices)}", key)
        return value

    def int(self, key: str, *, minimum: int | None = None) -> int | None:
        value = self.table.get(key)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            self.fail(f"must be an integer, not {_type_name(value)}", key)
        if minimum is not None and value < minimum:
            self.fail(f"must be {minimum} or more, not {value}", key)
        if not -(2**31) <= value < 2**31:
            self.fail(f"{value} is out of range", key)
        return value

    def str_list(self, key: str) -> tuple[str, ...] | None:
        value = self.table.get(key)
        if value is None:
            return None
        if not isinstance(value, (list, tuple)):
            self.fail(f"must be a list of strings, not {_type_name(value)}", key)
        for item in value:
            if not isinstance(item, str):
                self.fail(f"must be a list of strings, not contain {_type_name(item)}", key)
            _check_text(self, key, item)
            if not item.strip():
                self.fail("must not contain an empty string", key)
        return tuple(value)

    def slug_list(self, key: str) -> tuple[str, ...] | None:
        items = self.str_list(key)
        if items is None:
            return None
        seen: set[str] = set()
        for item in items:
            _check_slug(self, key, item)
            if item in seen:
                self.fail(f"{item!r} is listed twice", key)
            seen.add(item)
        return items


def _check_text(entry: _Entry, key: str, value: str) -> None:
    if "\x00" in value:
        entry.fail("must not contain a NUL character", key)


def _check_slug(entry: _Entry, key: str, value: str) -> None:
    if not SLUG_RE.fullmatch(value):
        entry.fail(f"{value!r} is not a slug (lowercase letters, digits and '-')", key)
    if len(value) > SLUG_MAX:
        entry.fail(f"is longer than {SLUG_MAX} characters", key)


def _label(kind: str, index: int, table: Any) -> str:
    slug = table.get("slug") if isinstance(table, Mapping) else None
    if isinstance(slug, str) and SLUG_RE.fullmatch(slug):
        return f"{kind}[{index}] ({slug})"
    return f"{kind}[{index}]"


def _tables(filename: str, obj: Mapping[str, Any], key: str) -> Sequence[Any]:
    value = obj.get(key)
    if value is None:
        return ()
    if not isinstance(value, (list, tuple)):
        raise UserError(f"{filename}: {key}: must be a list of tables, not {_type_name(value)}")
    return value


def parse_library(
    text: str,
    filename: str,
    *,
    known_topics: Iterable[str] | None = None,
    known_resources: Iterable[str] | None = None,
) -> LibraryData:
    """Parse and validate a library file (TOML).

    Topic and `recommended_by` references must name an entry of the same file or one
    of `known_topics` / `known_resources` (pass the database's, see `known_slugs`).
    """
    try:
        obj = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise UserError(f"{filename}: invalid TOML: {exc}") from None
    except RecursionError:
        from tracker.limits import DEPTH_MAX, line_column, too_deep_at

        where = line_column(text, too_deep_at(text))
        raise UserError(f"{filename}: {where}: nested deeper than {DEPTH_MAX} levels; "
                        "a library file nests a few levels at most") from None
    return parse_library_dict(
        obj, filename, known_topics=known_topics, known_resources=known_resources
    )


def parse_library_dict(
    obj: Any,
    filename: str,
    *,
    known_topics: Iterable[str] | None = None,
    known_resources: Iterable[str] | None = None,
) -> LibraryData:
    """Validate an already parsed library (a TOML document or a backup's `library`)."""
    if not isinstance(obj, Mapping):
        raise UserError(f"{filename}: must be a table of {', '.join(TOP_KEYS)}")
    for key in obj:
        if key not in TOP_KEYS:
            raise UserError(
                f"{filename}: unknown top-level key {key!r} (known: {', '.join(TOP_KEYS)})"
            )

    topics: list[TopicData] = []
    topic_at: dict[str, int] = {}
    for i, table in enumerate(_tables(filename, obj, "topics")):
        e = _Entry(filename, _label("topics", i, table), table, TOPIC_KEYS)
        slug = e.slug()
        name = e.str("name", required=True, max_len=TOPIC_NAME_MAX)
        assert slug is not None and name is not None
        if slug in topic_at:
            e.fail(f"topic {slug!r} is defined twice (also topics[{topic_at[slug]}])", "slug")
        topic_at[slug] = i
        topics.append(TopicData(slug, name))

    books: list[BookData] = []
    book_at: dict[str, int] = {}
    for i, table in enumerate(_tables(filename, obj, "books")):
        e = _Entry(filename, _label("books", i, table), table, BOOK_KEYS)
        slug = e.slug()
        title = e.str("title", required=True, max_len=TITLE_MAX)
        assert slug is not None and title is not None
        if slug in book_at:
            e.fail(f"book {slug!r} is defined twice (also books[{book_at[slug]}])", "slug")
        book_at[slug] = i
        chapters: list[ChapterData] = []
        numbers: set[str] = set()
        raw_chapters = e.table.get("chapters")
        if raw_chapters is not None and not isinstance(raw_chapters, (list, tuple)):
            e.fail(f"must be a list of tables, not {_type_name(raw_chapters)}", "chapters")
        for j, ctable in enumerate(raw_chapters or ()):
            c = _Entry(filename, f"{e.label} chapters[{j}]", ctable, CHAPTER_KEYS)
            number = c.str("number", required=True, max_len=NUMBER_MAX)
            assert number is not None
            if not chapter_numbers.PATTERN.match(number):
                c.fail(f"{number!r} is not a chapter number (like {chapter_numbers.EXAMPLES})", "number")
            if number in numbers:
                e.fail(f"chapter number {number!r} is used twice")
            numbers.add(number)
            ctitle = c.str("title", required=True, max_len=TITLE_MAX)
            assert ctitle is not None
            chapters.append(
                ChapterData(
                    number=number,
                    title=ctitle,
                    topics=c.slug_list("topics"),
                    pages=c.int("pages", minimum=0),
                    source=c.choice("source", SOURCES),
                )
            )
        for j, cd in enumerate(chapters):
            # A book in a library file lists its chapters whole: a section's parent is there.
            wrong = chapter_numbers.problem(cd.number, numbers)
            if wrong is not None:
                e.fail(f"chapters[{j}]: {wrong}", "chapters")
        books.append(
            BookData(
                slug=slug,
                title=title,
                authors=e.str_list("authors"),
                year=e.int("year"),
                url=e.str("url"),
                isbn=e.str("isbn", max_len=ISBN_MAX),
                note=e.str("note", max_len=NOTE_MAX),
                source=e.choice("source", SOURCES),
                chapters=tuple(chapters),
            )
        )

    resources: list[ResourceData] = []
    resource_at: dict[str, int] = {}
    for i, table in enumerate(_tables(filename, obj, "resources")):
        e = _Entry(filename, _label("resources", i, table), table, RESOURCE_KEYS)
        slug = e.slug()
        title = e.str("title", required=True, max_len=TITLE_MAX)
        kind = e.choice("kind", RESOURCE_KINDS, required=True)
        assert slug is not None and title is not None and kind is not None
        if slug in resource_at:
            e.fail(
                f"resource {slug!r} is defined twice (also resources[{resource_at[slug]}])",
                "slug",
            )
        resource_at[slug] = i
        recommended_by = e.slug("recommended_by", required=False)
        if recommended_by == slug:
            e.fail("a resource cannot recommend itself", "recommended_by")
        resources.append(
            ResourceData(
                slug=slug,
                title=title,
                kind=kind,
                authors=e.str_list("authors"),
                year=e.int("year"),
                url=e.str("url"),
                topics=e.slug_list("topics"),
                rank=e.int("rank", minimum=0),
                recommended_by=recommended_by,
                note=e.str("note", max_len=NOTE_MAX),
                source=e.choice("source", SOURCES),
            )
        )

    interests = _interests(filename, obj.get("interests"))

    data = LibraryData(
        topics=tuple(topics),
        books=tuple(books),
        resources=tuple(resources),
        interests=interests,
        filename=filename,
    )
    _check_references(
        data,
        set(topic_at) | set(known_topics or ()),
        set(resource_at) | set(known_resources or ()),
    )
    return data


def _interests(filename: str, value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, (list, tuple)):
        raise UserError(f"{filename}: interests: must be a list of topic slugs, "
                        f"not {_type_name(value)}")
    seen: set[str] = set()
    for item in value:
        if not isinstance(item, str) or not SLUG_RE.fullmatch(item) or len(item) > SLUG_MAX:
            shown = repr(item) if isinstance(item, str) else _type_name(item)
            raise UserError(f"{filename}: interests: {shown} is not a topic slug")
        if item in seen:
            raise UserError(f"{filename}: interests: {item!r} is listed twice")
        seen.add(item)
    return tuple(value)


def _check_references(data: LibraryData, topics: set[str], resources: set[str]) -> None:
    """Every topic, interest and recommended_by must name something."""
    f = data.filename

    def missing_topic(where: str, slugs: Iterable[str] | None) -> None:
        for slug in slugs or ():
            if slug not in topics:
                raise UserError(f"{f}: {where}: topics: {slug!r} names no topic")

    for i, book in enumerate(data.books):
        for j, chapter in enumerate(book.chapters):
            missing_topic(f"books[{i}] ({book.slug}) chapters[{j}]", chapter.topics)
    for i, res in enumerate(data.resources):
        missing_topic(f"resources[{i}] ({res.slug})", res.topics)
        if res.recommended_by is not None and res.recommended_by not in resources:
            raise UserError(
                f"{f}: resources[{i}] ({res.slug}): recommended_by: "
                f"{res.recommended_by!r} names no resource"
            )
    for slug in data.interests:
        if slug not in topics:
            raise UserError(f"{f}: interests: {slug!r} names no topic")


# ------------------------------------------------------------------------ loading


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
    _check_references(
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
    book_attrs = ("title", "authors", "year", "url", "isbn", "note", "source")
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


# ------------------------------------------------------------------------ dumping


def dump_library(session: Session) -> dict[str, Any]:
    """The whole library in the shape of §5.1, as plain JSON-able dicts."""
    from sqlalchemy import select

    from tracker.model import (
        Book,
        Chapter,
        ChapterTopic,
        Interest,
        Resource,
        ResourceTopic,
        Topic,
    )

    slug_of: dict[int, str] = {}
    topics = []
    for tid, slug, name in session.execute(select(Topic.id, Topic.slug, Topic.name)
                                           .order_by(Topic.id)):
        slug_of[tid] = slug
        topics.append({"slug": slug, "name": name})

    chapter_topics: dict[int, list[str]] = {}
    for cid, tid in session.execute(
        select(ChapterTopic.chapter_id, ChapterTopic.topic_id)
        .order_by(ChapterTopic.chapter_id, ChapterTopic.position, ChapterTopic.topic_id)
    ):
        chapter_topics.setdefault(cid, []).append(slug_of[tid])

    chapters_of: dict[int, list[dict[str, Any]]] = {}
    for cid, book_id, number, title, pages, source in session.execute(
        select(Chapter.id, Chapter.book_id, Chapter.number, Chapter.title, Chapter.pages,
               Chapter.source).order_by(Chapter.book_id, Chapter.position, Chapter.id)
    ):
        chapter: dict[str, Any] = {"number": number, "title": title,
                                   "topics": chapter_topics.get(cid, [])}
        if pages is not None:
            chapter["pages"] = pages
        if source is not None:
            chapter["source"] = source
        chapters_of.setdefault(book_id, []).append(chapter)

    books = []
    for row in session.execute(
        select(Book.id, Book.slug, Book.title, Book.authors, Book.year, Book.url, Book.isbn,
               Book.note, Book.source).order_by(Book.id)
    ):
        book: dict[str, Any] = {"slug": row.slug, "title": row.title,
                                "authors": list(row.authors or [])}
        for key in ("year", "url", "isbn", "note", "source"):
            value = getattr(row, key)
            if value is not None:
                book[key] = value
        book["chapters"] = chapters_of.get(row.id, [])
        books.append(book)

    resource_topics: dict[int, list[str]] = {}
    for rid, tid in session.execute(
        select(ResourceTopic.resource_id, ResourceTopic.topic_id)
        .order_by(ResourceTopic.resource_id, ResourceTopic.position, ResourceTopic.topic_id)
    ):
        resource_topics.setdefault(rid, []).append(slug_of[tid])

    rows = session.execute(
        select(Resource.id, Resource.slug, Resource.title, Resource.authors, Resource.kind,
               Resource.year, Resource.url, Resource.rank, Resource.recommended_by_id,
               Resource.note, Resource.source).order_by(Resource.id)
    ).all()
    resource_slug = {row.id: row.slug for row in rows}
    resources = []
    for row in rows:
        res: dict[str, Any] = {"slug": row.slug, "title": row.title,
                               "authors": list(row.authors or []), "kind": row.kind}
        for key in ("year", "url"):
            value = getattr(row, key)
            if value is not None:
                res[key] = value
        res["topics"] = resource_topics.get(row.id, [])
        if row.rank is not None:
            res["rank"] = row.rank
        if row.recommended_by_id is not None:
            res["recommended_by"] = resource_slug[row.recommended_by_id]
        for key in ("note", "source"):
            value = getattr(row, key)
            if value is not None:
                res[key] = value
        resources.append(res)

    interests = [
        slug_of[tid]
        for tid in session.scalars(
            select(Interest.topic_id).order_by(Interest.position, Interest.topic_id)
        )
    ]
    return {"topics": topics, "books": books, "resources": resources, "interests": interests}
