"""Which book of the library a file names (SPEC §5.5): a book is matched by its ISBN,
else by its title and first author, so that importing a shelf export and a book's own
file, in either order, gives one book, and a second book that shares a title with
another (another author's "Deep Learning") becomes a book of its own."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from tracker.errors import UserError
from tracker.formats.isbn import isbn13
from tracker.model import Book


def book_key(title: str, authors: Sequence[str] | None) -> tuple[str, str]:
    """Title and first author as compared: case and runs of white space ignored."""
    first = authors[0] if authors else ""
    return " ".join(title.casefold().split()), " ".join(first.casefold().split())


def matching_book(session: Session, name: str, *, isbn: str | None, title: str, authors: Sequence[str],
                  slug: str) -> Book | None:
    """The book a book file (EPUB, PDF, table of contents) updates: the one of its ISBN,
    else the one of its title whose first author is the file's (any, when the file names
    none); among several, the one of `slug`. None: it is a new book."""
    rows = session.execute(select(Book.id, Book.slug, Book.title, Book.authors, Book.isbn).order_by(Book.id)).all()
    code = isbn13(isbn)
    if code:
        for bid, _slug, _title, _authors, stored in rows:
            if stored and isbn13(stored) == code:
                return session.get(Book, bid)
    wanted_title, wanted_author = book_key(title, authors)
    fits = [(bid, b_slug) for bid, b_slug, b_title, b_authors, _isbn in rows
            if book_key(b_title, b_authors)[0] == wanted_title
            and (not wanted_author or book_key(b_title, b_authors)[1] == wanted_author)]
    if len(fits) > 1:
        fits = [f for f in fits if f[1] == slug] or fits
    if len(fits) > 1:
        raise UserError(f"{name}: {len(fits)} books are titled {title!r} "
                        f"({', '.join(s for _, s in fits)}); choose one with --slug")
    return session.get(Book, fits[0][0]) if fits else None
