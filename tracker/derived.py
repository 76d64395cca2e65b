"""What the log's events say, kept in the rows (SPEC §1 "Status", §4.3): chapter and
book statuses and favourites, resource statuses. The rules are `tracker.statuses`;
here they are read from and written to the library."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from tracker.model import Book, Chapter, Event, Resource
from tracker.statuses import BOOK_KINDS, LIFECYCLE, derive_statuses, resource_status


def refresh_resource(session: Session, resource_id: int) -> None:
    """Resource.status as its events and its book say (`resource_status`)."""
    session.flush()
    resource = session.get(Resource, resource_id)
    if resource is None:
        return
    last = session.scalars(
        select(Event.kind).where(Event.resource_id == resource_id, Event.kind.in_(tuple(LIFECYCLE)))
        .order_by(Event.at.desc(), Event.id.desc()).limit(1)
    ).first()
    book_status = session.scalar(select(Book.status).where(Book.slug == resource.slug))
    status = resource_status(last, book_status)
    if resource.status != status:
        resource.status = status
        session.flush()



def refresh_book(session: Session, book: Book) -> None:
    """Bring one book's chapter statuses, favourites and status in line with its events."""
    session.flush()
    chapters = list(session.scalars(select(Chapter).where(Chapter.book_id == book.id).order_by(Chapter.position)))
    events = session.execute(
        select(Event.kind, Event.chapter_id).where(Event.book_id == book.id, Event.kind.in_(BOOK_KINDS))
        .order_by(Event.at, Event.id)
    ).all()
    derived, book_status = derive_statuses([(c.id, c.number) for c in chapters], events)
    for c in chapters:
        new_status, fav = derived[c.id]
        if c.status != new_status:
            c.status = new_status
        if c.favourite != fav:
            c.favourite = fav
    if book.status != book_status:
        book.status = book_status
    session.flush()
    # A started resource of the same slug follows its book (SPEC §4.3).
    resource_id = session.scalar(select(Resource.id).where(Resource.slug == book.slug))
    if resource_id is not None:
        refresh_resource(session, resource_id)


def refresh_books(session: Session) -> int:
    """`refresh_book` for every book at once, in a few queries (restore, `db check`).
    Returns how many rows it changed. Objects already loaded in the session are expired."""
    from itertools import chain, groupby
    from operator import itemgetter

    from sqlalchemy import bindparam, update

    session.flush()
    conn = session.connection()
    chapters: dict[int, list[tuple[int, str]]] = {}
    stored: dict[int, tuple[str, bool]] = {}
    for cid, book_id, number, status, fav in conn.execute(
        select(Chapter.id, Chapter.book_id, Chapter.number, Chapter.status, Chapter.favourite)
        .order_by(Chapter.book_id, Chapter.position)
    ):
        chapters.setdefault(book_id, []).append((cid, number))
        stored[cid] = (status, bool(fav))
    # Each book's events in log order, a book after another (the (book_id, at) index, no
    # sort), straight from the driver's cursor: a restore passes the whole log through here.
    result = conn.execute(select(Event.book_id, Event.kind, Event.chapter_id).where(Event.book_id.is_not(None))
                          .order_by(Event.book_id, Event.at, Event.id))
    rows = chain.from_iterable(iter(lambda: result.cursor.fetchmany(5000), []))
    kinds = frozenset(BOOK_KINDS)
    events = {book_id: [(kind, cid) for _book, kind, cid in group if kind in kinds]
              for book_id, group in groupby(rows, key=itemgetter(0))}
    result.close()
    chapter_updates, book_updates = [], []
    for book_id, book_status in conn.execute(select(Book.id, Book.status)).all():
        derived, new_status = derive_statuses(chapters.get(book_id, []), events.get(book_id, []))
        chapter_updates += [{"cid": cid, "s": s, "f": f} for cid, (s, f) in derived.items() if stored[cid] != (s, f)]
        if new_status != book_status:
            book_updates.append({"bid": book_id, "s": new_status})
    if chapter_updates:
        table = Chapter.__table__
        conn.execute(update(table).where(table.c.id == bindparam("cid"))
                     .values(status=bindparam("s"), favourite=bindparam("f")), chapter_updates)
    if book_updates:
        table = Book.__table__
        conn.execute(update(table).where(table.c.id == bindparam("bid")).values(status=bindparam("s")),
                     book_updates)
    session.expire_all()
    return len(chapter_updates) + len(book_updates)

