"""The revisit plan as an iCalendar file (SPEC §5.3, RFC 5545): one all-day event per
favourite's next revisit, with a stable UID, folded lines and escaped text."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any, TextIO

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from tracker.when import Clock


ICS_PRODID = "-//tracker//Reading tracker//EN"


def ics_text(value: str) -> str:
    """RFC 5545 TEXT escaping: backslash, semicolon, comma, newline."""
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    return (value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
            .replace("\n", "\\n"))


def ics_fold(line: str) -> str:
    """A content line folded at 75 octets (CRLF + space), never inside a UTF-8 character."""
    if len(line.encode("utf-8")) <= 75:
        return line + "\r\n"
    parts: list[str] = []
    current: list[str] = []
    size = 0
    limit = 75
    for ch in line:
        n = len(ch.encode("utf-8"))
        if size + n > limit:
            parts.append("".join(current))
            current, size, limit = [], 0, 74  # continuation lines start with a space
        current.append(ch)
        size += n
    parts.append("".join(current))
    return "\r\n ".join(parts) + "\r\n"


def ics_uid(book_slug: str, number: str) -> str:
    """Stable per chapter (slug and number, not database ids): a re-import updates."""
    return f"chapter-{book_slug}-{number}@tracker"


def revisit_plan(session: Session, *, book_id: int | None = None, first: dt.date | None = None,
                 last: dt.date | None = None) -> Iterator[dict[str, Any]]:
    """Every active card (favourite chapter) with its due date, overdue ones included."""
    from sqlalchemy import func, select

    from tracker.model import Book, Card, CardState, Chapter

    changes = (select(CardState.chapter_id, func.count().label("n"))
               .group_by(CardState.chapter_id).subquery())
    query = (
        select(Card.due, Card.reviews, Card.last_review, Book.slug, Book.title, Chapter.number,
               Chapter.title, changes.c.n)
        .join(Chapter, Chapter.id == Card.chapter_id).join(Book, Book.id == Chapter.book_id)
        .outerjoin(changes, changes.c.chapter_id == Card.chapter_id)
        .where(Card.active.is_(True))
        .order_by(Card.due, Book.slug, Chapter.position)
    )
    if book_id is not None:
        query = query.where(Book.id == book_id)
    if first is not None:
        query = query.where(Card.due >= first)
    if last is not None:
        query = query.where(Card.due <= last)
    for due, reviews, last_review, slug, book_title, number, title, n in session.execute(query):
        yield {"due": due, "reviews": reviews, "last_review": last_review, "book": slug,
               "book_title": book_title, "chapter": number, "title": title, "sequence": n or 0}


def write_ics(plan: Iterable[dict[str, Any]], out: TextIO, clock: Clock) -> int:
    """The revisit plan as an iCalendar (RFC 5545) file: an all-day VEVENT per card."""
    stamp = clock.now.astimezone(dt.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    today = clock.today()

    def line(text: str) -> None:
        out.write(ics_fold(text))

    for text in ("BEGIN:VCALENDAR", "VERSION:2.0", f"PRODID:{ICS_PRODID}", "CALSCALE:GREGORIAN",
                 "METHOD:PUBLISH", "X-WR-CALNAME:Revisits (tracker)"):
        line(text)
    count = 0
    for item in plan:
        due: dt.date = item["due"]
        label = f"{item['chapter']} {item['title']}"
        summary = f"Revisit {item['book_title']} {label}"
        reviews = item["reviews"]
        last = clock.reader_date(item["last_review"])
        description = (
            f"Spaced revisit of {label} in {item['book_title']}.\n"
            f"Reviewed {reviews} time{'s' if reviews != 1 else ''}, last on {last.isoformat()}"
            + (f"; overdue since {due.isoformat()}" if due < today else "") + ".\n"
            f"Log it: tracker revisit {item['book']} {item['chapter']} good"
        )
        line("BEGIN:VEVENT")
        line(f"UID:{ics_text(ics_uid(item['book'], item['chapter']))}")
        line(f"DTSTAMP:{stamp}")
        line(f"DTSTART;VALUE=DATE:{due:%Y%m%d}")
        line(f"DTEND;VALUE=DATE:{due + dt.timedelta(days=1):%Y%m%d}")
        line(f"SEQUENCE:{item['sequence']}")
        line(f"SUMMARY:{ics_text(summary)}")
        line(f"DESCRIPTION:{ics_text(description)}")
        line("CATEGORIES:Reading")
        line("TRANSP:TRANSPARENT")
        line("END:VEVENT")
        count += 1
    line("END:VCALENDAR")
    return count

