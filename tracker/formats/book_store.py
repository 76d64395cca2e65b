"""A book from an EPUB, a PDF or a table of contents into the library (SPEC §5.5).

The book is the one of `--slug`, else the one the file names (`book_match`: its ISBN,
else its title and first author), else a new one under its title's slug: new, it is added with
its chapters; there already, importing again matches its chapters by number, adds
the new ones and retitles the others (through `library_store`, the library file's
own loader, so that a chapter lands where a library file would put it), never
removes a chapter or an event, and lists the chapters the file no longer has. The
book's title and authors change only when `--title`/`--author` say so. The same file
twice changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from tracker.errors import UserError
from tracker.formats.library_file import BookData, ChapterData, LibraryData
from tracker.formats.toc_numbers import BookFile, Numbered
from tracker.limits import SLUG_MAX, TITLE_MAX


@dataclass
class BookReport:
    """What importing one book file did (or, on a dry run, would do)."""

    name: str
    slug: str
    title: str
    new: bool
    numbered: Numbered
    counts: dict[str, int] = field(default_factory=dict)  # books, chapters added or changed
    added: int = 0  # chapters added
    missing: list[str] = field(default_factory=list)  # "3 Old title": in the book, not in the file


@dataclass(frozen=True)
class BookPlan:
    """A book file read and numbered, with the slug, title and authors it will get."""

    name: str
    book: BookFile
    numbered: Numbered
    slug: str
    title: str
    authors: tuple[str, ...]
    title_given: bool
    authors_given: bool
    slug_given: bool


def plan_book(name: str, book: BookFile, *, slug: str | None, title: str | None,
              authors: tuple[str, ...]) -> BookPlan:
    """Number the file's entries (`toc_numbers`) and choose its slug, title and authors:
    the options', else the file's own, else the file name's. A file that gives no
    chapter is refused here, before anything is written."""
    from pathlib import Path

    from tracker.formats.toc_numbers import number_entries
    from tracker.names import SLUG_RE, slugify

    numbered = number_entries(book.entries, name, by_position=book.by_position, end_page=book.end_page)
    if not numbered.chapters:
        left = f" (left out: {', '.join(numbered.left_out[:5])})" if numbered.left_out else ""
        raise UserError(f"{name}: no chapters to import{left}")
    chosen = " ".join((title or book.title or Path(name).stem.replace("_", " ")).split())
    if not chosen:
        raise UserError(f"{name}: the book has no title; give one with --title")
    if len(chosen) > TITLE_MAX:
        raise UserError(f"{name}: the title is {len(chosen):,} characters long; at most {TITLE_MAX} "
                        "are kept; give a shorter one with --title")
    if slug is not None and (len(slug) > SLUG_MAX or not SLUG_RE.fullmatch(slug) or "--" in slug
                             or slug.startswith("-") or slug.endswith("-")):
        raise UserError(f"--slug {slug!r} may use only a-z, 0-9 and single hyphens (at most "
                        f"{SLUG_MAX} characters), e.g. my-book")
    if any(not a.strip() for a in authors):
        raise UserError("--author needs a name, e.g. --author 'Martin Kleppmann'")
    return BookPlan(name, book, numbered, slug or slugify(chosen), chosen, tuple(a.strip() for a in authors)
                    or book.authors, title is not None, bool(authors), slug is not None)


def load_book(session: Session, plan: BookPlan, progress: Callable[[int], None] | None = None) -> BookReport:
    """Add or update the book of the plan's slug with its chapters, in the caller's transaction."""
    from tracker import derived
    from tracker.formats.library_store import load_library
    from tracker.model import Book, Chapter

    from tracker.formats.book_match import matching_book
    from tracker.names import free_slug

    name, numbered, slug, title, authors = plan.name, plan.numbered, plan.slug, plan.title, plan.authors
    if plan.slug_given:
        existing = session.scalars(select(Book).where(Book.slug == slug)).first()
    else:
        existing = matching_book(session, name, isbn=plan.book.isbn, title=title, authors=authors, slug=slug)
        if existing is not None:
            slug = existing.slug
        else:  # a new book: the title's slug, or the first free one after it (deep-learning-2)
            slug = free_slug(slug, set(session.scalars(select(Book.slug).where(Book.slug.like(f"{slug}%")))))
    before: list[tuple[str, str]] = []
    if existing is not None:
        before = [(n, t) for n, t in session.execute(
            select(Chapter.number, Chapter.title).where(Chapter.book_id == existing.id).order_by(Chapter.position))]
        title = title if plan.title_given else existing.title
        authors = authors if plan.authors_given else tuple(existing.authors or ())
    data = LibraryData(filename=name, books=(BookData(
        slug=slug, title=title, authors=authors,
        isbn=plan.book.isbn if existing is None or existing.isbn is None else None,
        chapters=tuple(ChapterData(c.number, c.title, pages=c.pages) for c in numbered.chapters),
    ),))
    counts = load_library(session, data)
    if progress is not None:
        progress(len(numbered.chapters))
    in_file = {c.number for c in numbered.chapters}
    report = BookReport(name, slug, title, existing is None, numbered,
                        counts={"books": counts["books"], "chapters": counts["chapters"]},
                        added=len(in_file - {n for n, _ in before}),
                        missing=[f"{n} {t}" for n, t in before if n not in in_file])
    if existing is not None and report.added:
        session.expire(existing)
        derived.refresh_book(session, existing)  # new unread chapters: a read book is being read again
    return report
