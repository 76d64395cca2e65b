"""What to read next: the review's map ranked by what your reading log says (SPEC §4.2).

A pure function of the library and the log: it only reads. For each resource:

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

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from tracker.model import Book, Card, Chapter, ChapterTopic, Interest, Resource, ResourceTopic, Topic

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


def _saturate(value: float) -> float:
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


def signals(session: Session, topic_ids: list[int]) -> Signals:
    # Plain rows through Core (no ORM objects): thousands of them on a long-kept library.
    conn = session.connection()
    followed = set(conn.scalars(select(Interest.topic_id)))
    favourites: dict[int, list[int]] = {}
    place: dict[int, tuple[int, int]] = {}
    # Favourites are the chapters with an active card: found through the cards' index.
    labels: dict[int, str] = {}
    for tid, cid, book_id, position, number, title, book_title in conn.execute(
        select(ChapterTopic.topic_id, Chapter.id, Chapter.book_id, Chapter.position, Chapter.number,
               Chapter.title, Book.title)
        .select_from(Card).join(Chapter, Chapter.id == Card.chapter_id)
        .join(Book, Book.id == Chapter.book_id)
        .join(ChapterTopic, ChapterTopic.chapter_id == Card.chapter_id).where(Card.active.is_(True))
    ):
        favourites.setdefault(tid, []).append(cid)
        if cid not in place:
            place[cid] = (book_id, position)
            labels[cid] = chapter_label(number, title, book_title)
    # From the favourites' revisit cards (one row each), not from the whole log: the
    # cards count their reviews (the first-pass grade and every revisit), hard and again.
    revisits: dict[int, tuple[int, int, int]] = {}
    if favourites:
        rows = conn.execute(
            select(Card.chapter_id, Card.reviews, Card.hards, Card.lapses).where(Card.active.is_(True))
        )
        revisits = {cid: (max(0, reviews - 1), hards + again, again)
                    for cid, reviews, hards, again in rows if cid in place}
    read = dict(conn.execute(
        select(ChapterTopic.topic_id, func.count()).join(Chapter, Chapter.id == ChapterTopic.chapter_id)
        .where(Chapter.status == "read", ChapterTopic.topic_id.in_(topic_ids))
        .group_by(ChapterTopic.topic_id)
    ).all())
    return Signals(followed, revisits, favourites, place, labels, read)


def rank(session: Session, *, topic_id: int | None = None) -> tuple[list[Item], Signals]:
    """Every resource that may be suggested, best first (without its `why` yet)."""
    # A resource whose book (same slug) is being read or is read is left out too.
    query = select(Resource.id, Resource.slug, Resource.title, Resource.kind, Resource.url, Resource.rank,
                   Resource.status, Resource.recommended_by_id).outerjoin(Book, Book.slug == Resource.slug).where(
        Resource.kind != "review", Resource.status.not_in(HIDDEN_STATUSES),
        or_(Book.id.is_(None), Book.status.not_in(HIDDEN_BOOK_STATUSES)))
    if topic_id is not None:
        query = query.where(Resource.id.in_(select(ResourceTopic.resource_id).where(ResourceTopic.topic_id == topic_id)))
    items = {row[0]: Item(*row) for row in session.execute(query)}
    if not items:
        return [], Signals(set(), {}, {}, {}, {}, {})
    for rid, tid, slug, name in session.execute(
        select(ResourceTopic.resource_id, Topic.id, Topic.slug, Topic.name)
        .join(Topic, Topic.id == ResourceTopic.topic_id)
        .where(ResourceTopic.resource_id.in_(list(items)))
        .order_by(ResourceTopic.resource_id, ResourceTopic.position)
    ):
        items[rid].topics.append((tid, slug, name))
    sig = signals(session, sorted({tid for i in items.values() for tid in i.topic_ids}))
    fav_weight = {tid: sum(sig.weight(cid) for cid in cids) for tid, cids in sig.favourites.items()}
    for item in items.values():
        n = len(item.topics)
        item.queued = 1.0 if item.status == "queued" else 0.0
        if n:
            item.interest = sum(1 for tid in item.topic_ids if tid in sig.followed) / n
            item.favourite = _saturate(sum(fav_weight.get(tid, 0) for tid in item.topic_ids) / n)
            item.reading = _saturate(sum(sig.read.get(tid, 0) for tid in item.topic_ids) / n)
    return sorted(items.values(), key=Item.key), sig


# --- reasons ---------------------------------------------------------------------------


def chapter_label(number: str, title: str, book_title: str) -> str:
    # A one-chapter book made from a resource: its title says it all.
    return title if title == book_title else f"{number} {title}"


def _favourite_reason(session: Session, item: Item, sig: Signals) -> str | None:
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


def _read_reason(session: Session, item: Item) -> str | None:
    # The first chapter read on its topics, in reading order (a chapter before its sections).
    on_topic = select(ChapterTopic.chapter_id).where(
        ChapterTopic.chapter_id == Chapter.id, ChapterTopic.topic_id.in_(item.topic_ids)).exists()
    row = session.execute(
        select(Chapter.number, Chapter.title, Book.title).join(Book, Book.id == Chapter.book_id)
        .where(Chapter.status == "read", on_topic)
        .order_by(Chapter.book_id, Chapter.position).limit(1)
    ).first()
    return f"you read {chapter_label(*row)}" if row is not None else None


def _map_reason(item: Item, first_picks: dict[int, int], review_ids: set[int]) -> str:
    source = "the review's" if item.recommended_by_id in review_ids else "the map's"
    if item.rank is None:
        return "on your map (added by you)" if item.recommended_by_id is None else f"on {source} map"
    if item.topics and first_picks.get(item.topics[0][0]) == item.id:
        return f"{source} first pick for {item.topics[0][2]}"
    return f"next in {source} map"


def _map_facts(session: Session) -> tuple[dict[int, int], set[int]]:
    """Per topic, the first pick (lowest rank) among resources listed under it first; the reviews."""
    rows = session.execute(
        select(ResourceTopic.topic_id, Resource.id, Resource.rank)
        .join(Resource, Resource.id == ResourceTopic.resource_id)
        .where(Resource.rank.is_not(None), Resource.kind != "review", ResourceTopic.position == 0)
        .order_by(Resource.rank, Resource.id)
    ).all()
    first: dict[int, int] = {}
    for tid, rid, _ in rows:
        first.setdefault(tid, rid)
    reviews = set(session.scalars(select(Resource.id).where(Resource.kind == "review")))
    return first, reviews


def explain(session: Session, items: list[Item], sig: Signals, *, why_only: bool = False) -> list[Item]:
    """Fill in `why` (the strongest reason) and `reasons` (all of them, strongest first;
    with `why_only`, just the strongest: `today` shows no more)."""
    facts: tuple[dict[int, int], set[int]] | None = None
    followed = sig.followed
    for item in items:
        reasons: list[str] = []
        if item.queued:
            reasons.append("queued by you")
        if item.interest:
            names = [slug for tid, slug, _ in item.topics if tid in followed]
            reasons.append("you follow " + " and ".join(names))
        if item.favourite and not (why_only and reasons):
            text = _favourite_reason(session, item, sig)
            if text:
                reasons.append(text)
        if item.reading and not (why_only and reasons):
            text = _read_reason(session, item)
            if text:
                reasons.append(text)
        if not (why_only and reasons):
            if facts is None:
                facts = _map_facts(session)
            reasons.append(_map_reason(item, *facts))
        item.reasons = reasons
        item.why = reasons[0]
    return items


# --- the public answers ----------------------------------------------------------------


def suggest(session: Session, *, topic: str | None = None, limit: int = 5) -> list[dict[str, Any]]:
    """`next --json`: the best `limit` resources, each with its score and why."""
    from tracker.errors import UserError

    if limit < 1:
        raise UserError(f"--limit must be 1 or more, got {limit}")
    topic_id = None
    if topic is not None:
        from tracker.names import find_topic

        topic_id = find_topic(session, topic).id
    items, sig = rank(session, topic_id=topic_id)
    return [i.as_dict() for i in explain(session, items[:limit], sig)]


def suggestions_for_today(session: Session, books: list[str], targets: list[tuple[str, str]]) -> list[dict[str, Any]]:
    """The best one or two for `today`, preferring those on the topics of today's revisits."""
    items, sig = rank(session)
    if not items:
        return []
    tied: dict[int, str] = {}  # resource id -> label of the revisit it goes with
    if targets:
        # The targets' books, then the targets among their chapters: one query of bounded
        # size however many revisits are due (a tree of pairs overflows SQLite at ~1,000).
        order: dict[tuple[str, str], int] = {}
        for i, t in enumerate(targets):
            order.setdefault(t, i)
        rows = session.execute(
            select(Book.slug, Chapter.number, Chapter.title, Book.title, ChapterTopic.topic_id)
            .join(Chapter, Chapter.book_id == Book.id)
            .join(ChapterTopic, ChapterTopic.chapter_id == Chapter.id)
            .where(Book.slug.in_(sorted({b for b, _ in targets})), Chapter.favourite.is_(True))
        ).all()
        by_topic: dict[int, tuple[int, str]] = {}
        for slug, number, title, book_title, tid in rows:
            if (slug, number) not in order:
                continue
            place = order[(slug, number)]
            if tid not in by_topic or place < by_topic[tid][0]:
                by_topic[tid] = (place, chapter_label(number, title, book_title))
        for item in items:
            hits = [by_topic[t] for t in item.topic_ids if t in by_topic]
            if hits:
                tied[item.id] = min(hits)[1]
    chosen = [i for i in items if i.id in tied][:2]
    chosen += [i for i in items if i.id not in tied][: 2 - len(chosen)]
    explain(session, chosen, sig, why_only=True)
    out = []
    for item in chosen:
        why = item.why
        label = tied.get(item.id)
        if label is not None and label not in why:
            tie = f"goes with today's revisit of {label}"
            why = f"{why}; {tie}" if item.queued or item.interest else tie
        out.append({"resource": item.slug, "title": item.title, "kind": item.kind, "url": item.url,
                    "why": why, "topics": [s for _, s, _ in item.topics]})
    return out
