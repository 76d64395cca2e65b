"""`tracker edit ID`: amend one logged event (SPEC §3 `edit`, §4.3).

An edit never changes an event's kind, book or chapter; it changes its time and the
fields that apply to its kind, and everything derived from the log (statuses, cards,
due dates, resource statuses) is recomputed as a replay of the edited log gives it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from tracker import journal, schedule
from tracker.errors import UserError
from tracker.model import Book, Event

# The fields each kind of event has, besides its time.
FIELDS: dict[str, tuple[str, ...]] = {
    "read": ("minutes", "percent", "pages", "note"),
    "finish": ("minutes", "pages", "note"),
    "favourite": ("rating",),
    "unfavourite": (),
    "revisit": ("rating", "minutes", "note"),
    "snooze": ("until",),
    "break": ("until",),
    "stop": ("note",),
    "note": ("note",),
    "queue": (), "start": (), "done": (), "dismiss": (),
}
MAX_BREAK_DAYS = 366


@dataclass(frozen=True)
class Amendment:
    on: str | None = None
    minutes: int | None = None
    percent: int | None = None
    pages: int | None = None
    rating: str | None = None
    until: str | None = None
    note: str | None = None

    def given(self) -> list[str]:
        return [name for name in ("on", "minutes", "percent", "pages", "rating", "until", "note")
                if getattr(self, name) is not None]


def edit(session: Session, event_id: int, change: Amendment) -> dict[str, Any]:
    """Amend an event; returns it as `log --json` shows it afterwards."""
    given = change.given()
    if not given:
        raise UserError("give at least one field to change: --on, --minutes, --percent, --pages, --rating, "
                        "--until or --note")
    event = session.get(Event, event_id)
    if event is None:
        raise UserError(f"there is no event with id {event_id}; see `tracker log`")
    allowed = FIELDS[event.kind]
    wrong = [name for name in given if name != "on" and name not in allowed]
    if wrong:
        fields = ", ".join(f"--{f}" for f in ("on", *allowed))
        raise UserError(f"--{wrong[0]} does not apply to a {event.kind} event; it takes {fields}")
    if change.percent is not None and change.pages is not None:
        raise UserError("give --percent or --pages, not both")
    c = journal.clock(session)
    book = session.get(Book, event.book_id) if event.book_id is not None else None
    before = journal.impossible_now(session, book.id) if book is not None else {}
    old_point = (event.at, event.id)
    if change.on is not None:
        if event.kind == "break":
            event.at = c.noon(c.date(change.on))
        else:
            event.at = journal.when_on(c, change.on)
    if change.minutes is not None:
        journal.check_minutes(change.minutes)
        event.minutes = change.minutes
    if change.percent is not None:
        if not 0 <= change.percent <= 100:
            raise UserError(f"--percent must be from 0 to 100, got {change.percent}")
        if change.percent == 100:
            raise UserError("--percent 100 would finish the chapter; an edit never changes an event's kind "
                            f"(undo {event_id} and log it again with --done)")
        event.percent, event.pages = change.percent, None
    if change.pages is not None:
        journal.check_pages(change.pages)
        event.pages, event.percent = change.pages, None if event.kind == "read" else event.percent
    if change.rating is not None:
        event.rating = journal.parse_rating(change.rating)
    if change.note is not None:
        from tracker.limits import NOTE_MAX, check_length

        check_length("the note", change.note, NOTE_MAX)
        if event.kind == "note" and not change.note.strip():
            raise UserError("the note is empty")
        event.note = change.note if change.note.strip() else None
    if change.until is not None:
        event.until = c.date(change.until)
    _check_dates(c, event)
    session.flush()
    if book is not None:
        journal.refuse_untrue(session, book, before, event.id, "edit")
        journal.refresh_book(session, book)
    if event.resource_id is not None:
        from tracker.resources import refresh_resource

        refresh_resource(session, event.resource_id)
    if event.kind in schedule.SCHEDULE_KINDS:
        schedule.replay_from(session, journal.rules(session, c), min(old_point, (event.at, event.id)))
    return next(iter(journal.log_rows(session, c, ids=[event.id])))


def _check_dates(c: Any, event: Event) -> None:
    if event.kind == "snooze" and event.until is not None and event.until <= c.reader_date(event.at):
        raise UserError(f"a snooze must move the revisit after its own date ({c.reader_date(event.at)}); "
                        f"--until {event.until} does not")
    if event.kind == "break" and event.until is not None:
        first = c.reader_date(event.at)
        if event.until < first:
            raise UserError(f"the break would end ({event.until}) before it starts ({first})")
        if (event.until - first).days + 1 > MAX_BREAK_DAYS:
            raise UserError(f"a break lasts at most {MAX_BREAK_DAYS} days")
    if event.kind != "break" and event.at > c.now:
        raise UserError(f"{event.at.astimezone(c.tz).date()} is in the future; an event cannot happen after now")
