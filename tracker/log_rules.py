"""A log that stays true (SPEC §4.3): which events of a book could not be true in the
log's order at their own time. Plain values in, plain values out."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

CHECKED_KINDS = ("read", "finish", "favourite", "unfavourite", "revisit", "snooze")


@dataclass(frozen=True)
class LogEvent:
    id: int
    at: dt.datetime
    kind: str
    chapter_id: int | None


@dataclass(frozen=True)
class Impossible:
    event: LogEvent
    reason: str  # completes "… because it …", e.g. "was not started by then"
    since: dt.datetime | None = None  # when the fact it contradicts became true
    parent: str | None = None  # a finish of a section read with this ancestor's finish (its number)


def _parent(number: str) -> str | None:
    head, sep, _ = number.rpartition(".")
    return head if sep else None


def impossible_events(chapters: Iterable[tuple[int, str]], events: Iterable[LogEvent]) -> list[Impossible]:
    """Every event that contradicts the events before it, in log order. `chapters` are
    (id, number) of the book; `events` its events in log order (time, then id)."""
    number_of = dict(chapters)
    numbers = set(number_of.values())
    children: dict[str, list[str]] = {}
    for number in numbers:
        parent = _parent(number)
        if parent is not None and parent in numbers:
            children.setdefault(parent, []).append(number)
    started: set[str] = set()
    finished: dict[str, dt.datetime] = {}
    favourite: dict[int, dt.datetime] = {}

    def finished_ancestor(number: str) -> str | None:
        """The chapter, or the nearest ancestor, that was finished (finishing it finished this one)."""
        node: str | None = number
        while node is not None and node not in finished:
            node = _parent(node)
        return node

    def read_since(number: str) -> dt.datetime | None:
        """When the chapter became read (finished, or an ancestor was), or None."""
        node = finished_ancestor(number)
        if node is not None:
            return finished[node]
        kids = children.get(number)
        if kids:
            times = [read_since(k) for k in kids]
            if all(t is not None for t in times):
                return max(t for t in times if t is not None)
        return None

    def is_started(number: str) -> bool:
        if number in started or read_since(number) is not None:
            return True
        return any(is_started(k) for k in children.get(number, ()))

    out: list[Impossible] = []
    for event in events:
        number = number_of.get(event.chapter_id) if event.chapter_id is not None else None
        if number is None or event.kind not in CHECKED_KINDS:
            continue
        cid = event.chapter_id
        assert cid is not None
        if event.kind in ("read", "finish"):
            if event.kind == "finish":
                since = read_since(number)
                if since is not None:
                    ancestor = finished_ancestor(number)
                    out.append(Impossible(event, "finishes a chapter already read", since,
                                          ancestor if ancestor != number else None))
                    continue
                finished[number] = event.at
            started.add(number)
        elif event.kind == "favourite":
            if cid in favourite:
                out.append(Impossible(event, "favourites a chapter already a favourite", favourite[cid]))
            elif not is_started(number):
                out.append(Impossible(event, "favourites a chapter not started by then"))
            else:
                favourite[cid] = event.at
        elif event.kind == "unfavourite":
            if cid not in favourite:
                out.append(Impossible(event, "unfavourites a chapter that is not a favourite by then"))
            else:
                del favourite[cid]
        elif event.kind == "revisit":
            if not is_started(number):
                out.append(Impossible(event, "revisits a chapter not started by then"))
        elif event.kind == "snooze":
            if cid not in favourite:
                out.append(Impossible(event, "snoozes a chapter that is not a favourite by then"))
    return out
