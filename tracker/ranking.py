"""What to read next: the review's map ranked by what your reading log says (SPEC §4.2).

Plain values in, plain values out: `tracker.suggestions` gathers them from the library.
For each resource:

* Left out: resources `done`, `dismissed` or `reading`, those whose book (the book of
  the same slug) is being read or is read, and kind `review` (a source, not a pick).
* Four affinities, compared in this order, each outweighing everything after it:
    1. queued      1 if you queued it (`resource queue`), else 0;
    2. interests   the share of its topics that you follow (`interest add`);
    3. favourites  F/(F+4), F the average over its topics of what your favourite
                   chapters on that topic weigh: 1 each, +1 per revisit, +2 more per
                   review rated `hard` or `again` (the first-pass grade included),
                   as their revisit cards count them;
    4. reading     R/(R+4), R the average over its topics of your chapters read on it.
  `score` = 1000·queued + 100·interests + 10·favourites + reading (each part < 1).
* Equal affinities keep the map's order: `rank`, then title. With no signal at all
  the order is the map's own.
* `why` names the strongest of these reasons: "queued by you", "you follow gpus",
  "you revisit 5.1 Quantization and rated it hard", "you read 3 Hardware"; with none,
  the map's: "the review's first pick for GPUs" or "next in the review's map".
* `today` shows the best two, those sharing a topic with today's revisits first
  ("goes with today's revisit of 5.1 Quantization").

Each signal is one aggregate SQL query (GROUP BY), never a walk over the log in Python,
so that `today` stays cheap.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

HIDDEN_STATUSES = ("done", "dismissed", "reading")
HIDDEN_BOOK_STATUSES = ("reading", "read")
HALF = 4.0  # the weight at which a saturating affinity reaches one half


@dataclass
class Item:
    id: int
    slug: str
    title: str
    kind: str
    url: str | None
    rank: int | None
    status: str
    recommended_by_id: int | None
    topics: list[tuple[int, str, str]] = field(default_factory=list)  # (id, slug, name)
    queued: float = 0.0
    interest: float = 0.0
    favourite: float = 0.0
    reading: float = 0.0
    why: str = ""
    reasons: list[str] = field(default_factory=list)

    @property
    def topic_ids(self) -> set[int]:
        return {tid for tid, _, _ in self.topics}

    @property
    def score(self) -> float:
        return 1000 * self.queued + 100 * self.interest + 10 * self.favourite + self.reading

    def key(self) -> tuple[Any, ...]:
        return (-round(self.queued, 9), -round(self.interest, 9), -round(self.favourite, 9),
                -round(self.reading, 9), self.rank is None, self.rank or 0, self.title.casefold(), self.id)

    def as_dict(self) -> dict[str, Any]:
        return {
            "resource": self.slug, "title": self.title, "kind": self.kind, "url": self.url,
            "topics": [slug for _, slug, _ in self.topics], "score": round(self.score, 3),
            "why": self.why, "reasons": self.reasons, "status": self.status, "rank": self.rank,
        }


def saturate(value: float) -> float:
    return value / (value + HALF) if value > 0 else 0.0


@dataclass
class Signals:
    """What the log says about the reader, gathered in a few aggregate queries."""

    followed: set[int]  # topic ids
    revisits: dict[int, tuple[int, int, int]]  # favourite chapter id -> (revisits, hard or again, again)
    favourites: dict[int, list[int]]  # topic id -> favourite chapters on it
    place: dict[int, tuple[int, int]]  # favourite chapter id -> (book id, position): reading order
    labels: dict[int, str]  # favourite chapter id -> how a reason names it
    read: dict[int, int]  # topic id -> chapters read on it

    def weight(self, chapter_id: int) -> int:
        n, bad, _ = self.revisits.get(chapter_id, (0, 0, 0))
        return 1 + n + 2 * bad


def chapter_label(number: str, title: str, book_title: str) -> str:
    # A one-chapter book made from a resource: its title says it all.
    return title if title == book_title else f"{number} {title}"


def favourite_reason(item: Item, sig: Signals) -> str | None:
    chapters = {cid for tid in item.topic_ids for cid in sig.favourites.get(tid, [])}
    if not chapters:
        return None
    # The heaviest favourite on its topics; on a tie, the first in reading order.
    best = min(chapters, key=lambda cid: (-sig.weight(cid), sig.place[cid]))
    label = sig.labels[best]
    n, bad, again = sig.revisits.get(best, (0, 0, 0))
    if not n:
        return f"{label} is one of your favourites"
    text = f"you revisit {label}" + (f" ({n} times)" if n > 1 else "")
    if again:
        text += " and rated it 'again'" + (f" {again} times" if again > 1 else "")
    elif bad:
        text += " and rated it hard" + (f" {bad} times" if bad > 1 else "")
    return text


def map_reason(item: Item, first_picks: dict[int, int], review_ids: set[int]) -> str:
    source = "the review's" if item.recommended_by_id in review_ids else "the map's"
    if item.rank is None:
        return "on your map (added by you)" if item.recommended_by_id is None else f"on {source} map"
    if item.topics and first_picks.get(item.topics[0][0]) == item.id:
        return f"{source} first pick for {item.topics[0][2]}"
    return f"next in {source} map"


def score(items: list[Item], sig: Signals) -> list[Item]:
    """Each item's four affinities from the signals; the items best first."""
    fav_weight = {tid: sum(sig.weight(cid) for cid in cids) for tid, cids in sig.favourites.items()}
    for item in items:
        n = len(item.topics)
        item.queued = 1.0 if item.status == "queued" else 0.0
        if n:
            item.interest = sum(1 for tid in item.topic_ids if tid in sig.followed) / n
            item.favourite = saturate(sum(fav_weight.get(tid, 0) for tid in item.topic_ids) / n)
            item.reading = saturate(sum(sig.read.get(tid, 0) for tid in item.topic_ids) / n)
    return sorted(items, key=Item.key)
