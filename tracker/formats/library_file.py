"""The library file (SPEC §5.1), read: TOML parsed and validated completely.

- `parse_library(text, filename)` parses TOML and validates it completely into frozen
  dataclasses; `parse_library_dict(obj, filename)` validates an already parsed dict
  (a backup's `library`, SPEC §5.2). Every mistake is a `UserError` of one line that
  names the file, the entry and the key.
- `tracker.formats.library_store` loads the result into the library; `library_dump`
  gives the library back in this shape.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from tracker import chapter_numbers
from tracker.limits import NOTE_MAX, SLUG_MAX, TITLE_MAX
from tracker.errors import UserError
from tracker.formats import entries
from tracker.formats.entries import SLUG_RE, tables, type_name

# Kept equal to tracker.model (a test checks it), so that parsing needs no SQLAlchemy.
RESOURCE_KINDS = (
    "book", "paper", "post", "docs", "code", "reference", "course", "video", "review",
)
SOURCES = ("confirmed", "secondary")

NUMBER_MAX = 50
TOPIC_NAME_MAX = 200
ISBN_MAX = 20

TOP_KEYS = ("topics", "books", "resources", "interests")
TOPIC_KEYS = ("slug", "name")
BOOK_KEYS = ("slug", "title", "authors", "year", "url", "isbn", "note", "source", "rating", "chapters")
CHAPTER_KEYS = ("number", "title", "topics", "pages", "source")
RESOURCE_KEYS = (
    "slug", "title", "authors", "kind", "year", "url", "topics", "rank",
    "recommended_by", "note", "source",
)



class Entry(entries.Entry):
    TOP_KEYS = TOP_KEYS


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
    rating: int | None = None  # the reader's 1–5 stars
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


def _label(kind: str, index: int, table: Any) -> str:
    slug = table.get("slug") if isinstance(table, Mapping) else None
    if isinstance(slug, str) and SLUG_RE.fullmatch(slug):
        return f"{kind}[{index}] ({slug})"
    return f"{kind}[{index}]"


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
    for i, table in enumerate(tables(filename, obj, "topics")):
        e = Entry(filename, _label("topics", i, table), table, TOPIC_KEYS)
        slug = e.slug()
        name = e.str("name", required=True, max_len=TOPIC_NAME_MAX)
        assert slug is not None and name is not None
        if slug in topic_at:
            e.fail(f"topic {slug!r} is defined twice (also topics[{topic_at[slug]}])", "slug")
        topic_at[slug] = i
        topics.append(TopicData(slug, name))

    books: list[BookData] = []
    book_at: dict[str, int] = {}
    for i, table in enumerate(tables(filename, obj, "books")):
        e = Entry(filename, _label("books", i, table), table, BOOK_KEYS)
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
            e.fail(f"must be a list of tables, not {type_name(raw_chapters)}", "chapters")
        for j, ctable in enumerate(raw_chapters or ()):
            c = Entry(filename, f"{e.label} chapters[{j}]", ctable, CHAPTER_KEYS)
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
                rating=_rating(e),
                chapters=tuple(chapters),
            )
        )

    resources: list[ResourceData] = []
    resource_at: dict[str, int] = {}
    for i, table in enumerate(tables(filename, obj, "resources")):
        e = Entry(filename, _label("resources", i, table), table, RESOURCE_KEYS)
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
    check_references(
        data,
        set(topic_at) | set(known_topics or ()),
        set(resource_at) | set(known_resources or ()),
    )
    return data


def _rating(e: Entry) -> int | None:
    rating = e.int("rating", minimum=1)
    if rating is not None and rating > 5:
        e.fail(f"must be from 1 to 5 (stars), not {rating}", "rating")
    return rating


def _interests(filename: str, value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, (list, tuple)):
        raise UserError(f"{filename}: interests: must be a list of topic slugs, "
                        f"not {type_name(value)}")
    seen: set[str] = set()
    for item in value:
        if not isinstance(item, str) or not SLUG_RE.fullmatch(item) or len(item) > SLUG_MAX:
            shown = repr(item) if isinstance(item, str) else type_name(item)
            raise UserError(f"{filename}: interests: {shown} is not a topic slug")
        if item in seen:
            raise UserError(f"{filename}: interests: {item!r} is listed twice")
        seen.add(item)
    return tuple(value)


def check_references(data: LibraryData, topics: set[str], resources: set[str]) -> None:
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
