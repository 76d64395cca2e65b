"""Statuses (SPEC §1 "Status", §4.3): what a book's events say of its chapters and of
itself, and what a resource's lifecycle events say of it. Plain values in and out."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from tracker.chapter_numbers import is_top_level, parent_of

BOOK_KINDS = ("read", "finish", "favourite", "unfavourite", "stop", "start", "done")


LIFECYCLE = {"queue": "queued", "start": "reading", "done": "done", "dismiss": "dismissed"}


def resource_status(last_kind: str | None, book_status: str | None) -> str:
    """SPEC §1/§4.3: the last lifecycle event says the status (none: `suggested`); a
    started resource follows its book, so once the book is read it is `done`."""
    status = LIFECYCLE.get(last_kind, "suggested") if last_kind else "suggested"
    if status == "reading" and book_status == "read":
        return "done"
    return status



def _ancestors(number: str) -> Iterator[str]:
    parent = parent_of(number)
    while parent is not None:
        yield parent
        parent = parent_of(parent)


def derive_statuses(
    chapters: list[tuple[int, str]], events: Iterable[tuple[str, int | None]]
) -> tuple[dict[int, tuple[str, bool]], str]:
    """What a book's events say (SPEC §1): per chapter id (status, favourite), and the
    book's status. `chapters` are (id, number) in reading order; `events` are
    (kind, chapter id) in log order."""
    number_of = dict(chapters)
    started: set[str] = set()
    finished: set[str] = set()
    favourite: dict[int, bool] = {}
    lifecycle: str | None = None  # the last of read, stop, start, done
    for kind, chapter_id in events:
        number = number_of.get(chapter_id) if chapter_id is not None else None
        if kind in ("read", "finish") and number is not None:
            started.add(number)
            if kind == "finish":
                finished.add(number)
            lifecycle = "read"
        elif kind in ("favourite", "unfavourite") and chapter_id in number_of:
            favourite[chapter_id] = kind == "favourite"
        elif kind in ("stop", "start", "done"):
            lifecycle = kind
    numbers = set(number_of.values())
    children: dict[str, list[str]] = {}
    for _, number in chapters:
        if not is_top_level(number, numbers):
            children.setdefault(parent_of(number) or "", []).append(number)

    status: dict[str, str] = {}

    def decide(number: str) -> str:
        if number in status:
            return status[number]
        kids = [decide(k) for k in children.get(number, [])]
        if number in finished or any(a in finished for a in _ancestors(number)):
            result = "read"
        elif kids and all(s == "read" for s in kids):
            result = "read"
        elif number in started or any(s != "unread" for s in kids):
            result = "reading"
        else:
            result = "unread"
        status[number] = result
        return result

    out = {cid: (decide(number), favourite.get(cid, False)) for cid, number in chapters}
    top = [n for _, n in chapters if is_top_level(n, numbers)]
    if (top and all(status[n] == "read" for n in top)) or lifecycle == "done":
        book_status = "read"
    elif lifecycle == "stop":
        book_status = "stopped"
    elif lifecycle is not None or any(s != "unread" for s in status.values()):
        book_status = "reading"
    else:
        book_status = "to-read"
    return out, book_status

