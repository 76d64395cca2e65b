"""The revisit plan as an iCalendar file (SPEC §5.3, RFC 5545): one all-day event per
chapter that has a revisit card, with a stable UID, folded lines and escaped text.

A favourite's event is CONFIRMED at its due date. A chapter that has a card but is no
longer a favourite, and a UID that an earlier export gave but whose card is gone (its
book or chapter removed, its favouriting undone), is CANCELLED, so that a calendar that
imported an earlier file removes it on the next import.

SEQUENCE comes from `calendar_events`, which remembers what the last export said of
each UID (a digest of everything in the event but SEQUENCE and DTSTAMP): an event whose
digest changed gets the next SEQUENCE and, as DTSTAMP, the time of that export. Undo,
restore and `book remove` leave that table, so a SEQUENCE never goes down, and exporting
an unchanged library again gives the same file. Counted from the log alone it would go
down: undo takes events away.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, TextIO

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from tracker.when import Clock


ICS_PRODID = "-//tracker//Reading tracker//EN"
CONFIRMED, CANCELLED = "CONFIRMED", "CANCELLED"


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


def _card_event(clock: Clock, active: bool, due: dt.date, reviews: int, last_review: dt.datetime, slug: str,
                book_title: str, number: str, title: str) -> dict[str, Any]:
    label = f"{number} {title}"
    if active:
        description = (
            f"Spaced revisit of {label} in {book_title}.\n"
            f"Reviewed {reviews} time{'s' if reviews != 1 else ''}, "
            f"last on {clock.reader_date(last_review).isoformat()}.\n"
            f"Log it: tracker revisit {slug} {number} good"
        )
    else:
        description = (f"{label} in {book_title} is no longer a favourite: no revisit is planned.\n"
                       f"Favourite it again: tracker fav {slug} {number}")
    return {"uid": ics_uid(slug, number), "book": slug, "status": CONFIRMED if active else CANCELLED, "due": due,
            "summary": f"Revisit {book_title} {label}", "description": description}


def _digest(event: dict[str, Any]) -> str:
    text = "\x1f".join((event["status"], event["due"].isoformat(), event["summary"], event["description"]))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def revisit_plan(session: Session, clock: Clock, *, book_id: int | None = None, first: dt.date | None = None,
                 last: dt.date | None = None) -> list[dict[str, Any]]:
    """The calendar's events, each with its SEQUENCE and DTSTAMP; remembers them in
    `calendar_events` (in the caller's transaction). Favourites first, by due date."""
    from sqlalchemy import select

    from tracker.model import Book, CalendarEvent, Card, Chapter

    query = (
        select(Card.active, Card.due, Card.reviews, Card.last_review, Book.slug, Book.title, Chapter.number,
               Chapter.title)
        .join(Chapter, Chapter.id == Card.chapter_id).join(Book, Book.id == Chapter.book_id)
        .order_by(Card.active.desc(), Card.due, Book.slug, Chapter.position)
    )
    memory_query = select(CalendarEvent)
    if book_id is not None:
        query = query.where(Book.id == book_id)
        memory_query = memory_query.where(
            CalendarEvent.book == select(Book.slug).where(Book.id == book_id).scalar_subquery())
    if first is not None:
        query = query.where(Card.due >= first)
    if last is not None:
        query = query.where(Card.due <= last)
    events = [_card_event(clock, *row) for row in session.execute(query)]
    memory = {row.uid: row for row in session.scalars(memory_query)}
    seen = {e["uid"] for e in events}
    gone = sorted((row for uid, row in memory.items() if uid not in seen
                   and (first is None or row.due >= first) and (last is None or row.due <= last)),
                  key=lambda row: (row.due, row.uid))
    for row in gone:
        events.append({"uid": row.uid, "book": row.book, "status": CANCELLED, "due": row.due,
                       "summary": row.summary,
                       "description": "No revisit of this chapter is planned any more: "
                                      "it is no longer in tracker or no longer a favourite."})
    for event in events:
        digest = _digest(event)
        row = memory.get(event["uid"])
        if row is None:
            row = CalendarEvent(uid=event["uid"], book=event["book"], status=event["status"], due=event["due"],
                                summary=event["summary"], digest=digest, sequence=0, stamp=clock.now)
            session.add(row)
        elif row.digest != digest:
            row.status, row.due, row.summary, row.digest = event["status"], event["due"], event["summary"], digest
            row.sequence += 1
            row.stamp = clock.now
        event["sequence"], event["stamp"] = row.sequence, row.stamp
    session.flush()
    return events


def write_ics(events: Iterable[dict[str, Any]], out: TextIO) -> int:
    """The revisit plan as an iCalendar (RFC 5545) file: an all-day VEVENT per event;
    returns how many are planned revisits (CONFIRMED)."""

    def line(text: str) -> None:
        out.write(ics_fold(text))

    for text in ("BEGIN:VCALENDAR", "VERSION:2.0", f"PRODID:{ICS_PRODID}", "CALSCALE:GREGORIAN",
                 "METHOD:PUBLISH", "X-WR-CALNAME:Revisits (tracker)"):
        line(text)
    count = 0
    for event in events:
        due: dt.date = event["due"]
        line("BEGIN:VEVENT")
        line(f"UID:{ics_text(event['uid'])}")
        line(f"DTSTAMP:{event['stamp'].astimezone(dt.timezone.utc):%Y%m%dT%H%M%SZ}")
        line(f"DTSTART;VALUE=DATE:{due:%Y%m%d}")
        line(f"DTEND;VALUE=DATE:{due + dt.timedelta(days=1):%Y%m%d}")
        line(f"SEQUENCE:{event['sequence']}")
        line(f"STATUS:{event['status']}")
        line(f"SUMMARY:{ics_text(event['summary'])}")
        line(f"DESCRIPTION:{ics_text(event['description'])}")
        line("CATEGORIES:Reading")
        line("TRANSP:TRANSPARENT")
        line("END:VEVENT")
        count += event["status"] == CONFIRMED
    line("END:VCALENDAR")
    return count
