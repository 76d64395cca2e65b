"""The daily plan (`today`), the days ahead (`agenda`) and catching up on a backlog
(`catch-up`), SPEC §3 and §4.1.

They read the stored cards through the (active, due) index: their cost does not grow
with the length of the log. `catch-up` records its plan (`tracker.catch_up`) as
snoozes, in bulk, one change.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tracker import cards, catch_up as backlog, events, schedule, settings
from tracker.continuing import where_to_continue
from tracker.errors import UserError
from tracker.events import add_snoozes
from tracker.model import Book, Card, Chapter
from tracker.when import Clock


def today(session: Session, c: Clock, *, date_text: str | None = None, limit: int | None = None) -> dict[str, Any]:
    values = settings.load(session)
    rules = schedule.Rules.of(values, c)
    day = c.today()
    at = c.now
    if date_text is not None:
        day = c.date(date_text)
        at = c.noon(day)
    cap = values.max_revisits_per_day if limit is None else limit
    rows = session.execute(cards.due_query(day).limit(cap)).all()
    total = cards.due_count(session, day)
    revisits = []
    store = cards.DbStore(session, rules)  # one for every preview: the breaks are read once
    for card, number, title, slug in rows:
        value = cards.value_of(card)
        good = cards.preview_due(session, rules, card.chapter_id, value, "good", at, store)
        revisits.append({
            "book": slug, "chapter": number, "title": title, "due": card.due.isoformat(),
            "overdue_days": (day - card.due).days,
            "recall": round(schedule.recall(rules, value, at), 4),
            "good_days": (good - c.reader_date(at)).days,
            "good_due": good.isoformat(),
        })
    plan = {
        "date": day.isoformat(),
        "own_day": day == c.today(),  # the reader's own date: "today", else "on DATE"
        "revisit": revisits,
        "more_due": max(0, total - len(revisits)),
        "next_due": None if revisits else cards.next_due(session, day),
        "continue": continue_reading(session),
        "suggestions": [],
    }
    from tracker.suggestions import suggestions_for_today

    plan["suggestions"] = suggestions_for_today(session, [r["book"] for r in revisits],
                                                [(r["book"], r["chapter"]) for r in revisits])
    return plan


def short(session: Session, c: Clock, *, date_text: str | None = None) -> dict[str, Any]:
    """What `today --short` says (SPEC §3): every revisit due (not only the ones `today`
    lists) and the first place to continue; none of `today`'s previews or suggestions."""
    day = c.date(date_text) if date_text is not None else c.today()
    return {"due": cards.due_count(session, day), "continue": continue_reading(session, first_only=True)}


def continue_reading(session: Session, *, first_only: bool = False) -> list[dict[str, Any]]:
    """Per book being read: where to continue (`tracker.continuing`), with how far that
    chapter's own sessions got (`progress`: `40%`, `15/35 pages`, or None)."""
    out: list[dict[str, Any]] = []
    chapter_ids: list[int] = []
    # One query for every book being read (not one per book): the chapters in reading order.
    by_book: dict[int, tuple[str, str, list[tuple[str, str, str]], dict[str, int]]] = {}
    for book_id, slug, book_title, chapter_id, number, title, status in session.execute(
        select(Book.id, Book.slug, Book.title, Chapter.id, Chapter.number, Chapter.title, Chapter.status)
        .join(Chapter, Chapter.book_id == Book.id)
        .where(Book.status == "reading").order_by(Book.id, Chapter.position)
    ):
        entry = by_book.setdefault(book_id, (slug, book_title, [], {}))
        entry[2].append((number, title, status))
        entry[3][number] = chapter_id
    for slug, book_title, chapters, ids in by_book.values():
        found = where_to_continue(chapters)
        if found is None:
            continue
        number, title, read, total = found
        out.append({"book": slug, "chapter": number, "title": title, "read": read, "total": total,
                    "book_title": book_title, "progress": None})
        chapter_ids.append(ids[number])
        if first_only:
            break
    progress = events.progress_of(session, chapter_ids)
    for item, chapter_id in zip(out, chapter_ids):
        item["progress"] = progress.get(chapter_id)
    return out


def agenda(session: Session, c: Clock, *, days: int = 14, from_text: str | None = None) -> list[dict[str, Any]]:
    """Upcoming revisits day by day; the first day also carries what is overdue. Each
    day's `cap` is `max_revisits_per_day`, which its load is drawn against."""
    start = c.date(from_text, weekday="latest") if from_text else c.today()
    end = start + dt.timedelta(days=days - 1)
    rows = session.execute(
        select(Card.due, Book.slug, Chapter.number, Chapter.title)
        .join(Chapter, Chapter.id == Card.chapter_id).join(Book, Book.id == Chapter.book_id)
        .where(Card.active.is_(True), Card.due <= end)
        .order_by(Card.due, Book.slug, Chapter.position)
    ).all()
    by_day: dict[dt.date, list[dict[str, Any]]] = {}
    for due, slug, number, title in rows:
        day = max(due, start)
        item = {"book": slug, "chapter": number, "title": title}
        if due < start:
            item["overdue_days"] = (start - due).days
        by_day.setdefault(day, []).append(item)
    cap = settings.load(session).max_revisits_per_day
    return [
        {"date": (start + dt.timedelta(days=i)).isoformat(),
         "revisits": by_day.get(start + dt.timedelta(days=i), []), "cap": cap}
        for i in range(days)
    ]


MAX_CATCH_UP_DAYS = 3650


@dataclass(frozen=True)
class CatchUp:
    backlog: int  # overdue revisits (due before the reader's date)
    days: list[backlog.Day]  # from today on, what each day takes
    moved: int  # revisits snoozed to a later day
    cap: int
    recorded: bool  # False: a dry run, or nothing to move
    today: dt.date


def catch_up(session: Session, c: Clock, *, days: int | None = None, dry_run: bool = False,
             progress: Callable[[int], None] | None = None) -> CatchUp:
    """Spread the overdue revisits over the coming days (SPEC §4.1), as snoozes at now."""
    if days is not None and not 1 <= days <= MAX_CATCH_UP_DAYS:
        raise UserError(f"--days must be from 1 to {MAX_CATCH_UP_DAYS} (the days to spread the backlog over, "
                        f"today included), got {days}")
    values = settings.load(session)
    rules = schedule.Rules.of(values, c)
    today = c.today()
    rows = session.execute(
        select(Card, Chapter.book_id).join(Chapter, Chapter.id == Card.chapter_id).join(Book, Book.id == Chapter.book_id)
        .where(Card.active.is_(True), Card.due < today).order_by(Card.due, Book.slug, Chapter.position)
    ).all()
    cap = values.max_revisits_per_day
    if not rows:
        return CatchUp(0, [], 0, cap, False, today)
    overdue = [backlog.Overdue(card.chapter_id, card.due, schedule.recall(rules, cards.value_of(card), c.now))
               for card, _book in rows]
    book_of = {card.chapter_id: book_id for card, book_id in rows}
    due_per_day = {day: count for day, count in session.execute(
        select(Card.due, func.count()).where(Card.active.is_(True), Card.due >= today).group_by(Card.due))}
    plan = backlog.plan(overdue, today, cap, due_per_day, cards.breaks_before(session, rules, None), days)
    moves = backlog.moved(plan, today)
    if moves and not dry_run:
        add_snoozes(session, c.now, [(book_of[cid], cid, day) for cid, day in moves.items()], rules, progress)
    return CatchUp(len(rows), plan, len(moves), cap, bool(moves) and not dry_run, today)


def start_hint(session: Session) -> str:
    """What a reader with nothing to do should do next: add chapters to the books being
    read that have none (a Goodreads import), else start a book, else add one."""
    no_chapters = (Book.status == "reading", ~Book.chapters.any())
    reading = session.execute(select(Book.slug, Book.title).where(*no_chapters).order_by(Book.id).limit(3)).all()
    if reading:
        slug = reading[0][0]
        count = session.scalar(select(func.count()).select_from(Book).where(*no_chapters)) or 0
        books = (f"{reading[0][1]} ({slug}), which you are reading, has" if count == 1 else
                 f"{count} books you are reading ({', '.join(s for s, _ in reading)}{', …' if count > 3 else ''}) have")
        return (f"Nothing to revisit today. {books} no chapters yet; add a book's chapters from its table of "
                f"contents, or one by one:\n"
                f"  tracker import toc.txt --slug {slug}\n"
                f"  tracker chapter add {slug} 1 TITLE")
    first = session.execute(
        select(Book.slug, Chapter.number, Chapter.title).join(Chapter, Chapter.book_id == Book.id)
        .where(Book.status == "to-read").order_by(Book.bundled.desc(), Book.id, Chapter.position).limit(1)
    ).first()
    if first is None:
        if session.scalar(select(func.count()).select_from(Book)):
            return "Nothing to revisit today, and no book in progress."
        return "Your library is empty: add a book with `tracker book add TITLE` or `tracker import FILE`."
    slug, number, title = first
    return (f"Nothing to revisit yet. Start the first pass: {title} ({slug} {number}).\n"
            f"  tracker read {slug} {number} --minutes 30 --done\n"
            f"  then mark chapters worth coming back to: tracker fav {slug} CHAPTER")
