"""What to read next, gathered from the library (SPEC §4.2): the resources that may be
suggested and the reader's signals, each one aggregate SQL query (GROUP BY), never a
walk over the log in Python, so that `today` stays cheap. The rule itself, and how
each part weighs, is `tracker.ranking`."""


from __future__ import annotations

from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from tracker.model import Book, Card, Chapter, ChapterTopic, Interest, Resource, ResourceTopic, Topic
from tracker.ranking import (
    HIDDEN_BOOK_STATUSES, HIDDEN_STATUSES, Item, Signals, chapter_label, favourite_reason, map_reason, score,
)


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
    return score(list(items.values()), sig), sig


# --- reasons ---------------------------------------------------------------------------


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
            text = favourite_reason(item, sig)
            if text:
                reasons.append(text)
        if item.reading and not (why_only and reasons):
            text = _read_reason(session, item)
            if text:
                reasons.append(text)
        if not (why_only and reasons):
            if facts is None:
                facts = _map_facts(session)
            reasons.append(map_reason(item, *facts))
        item.reasons = reasons
        item.why = reasons[0]
    return items


# --- the public answers ----------------------------------------------------------------


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
