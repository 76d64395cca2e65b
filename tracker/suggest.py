"""The suggest commands (SPEC §3 next, resource, interest; §4.2): what to read next, the
map's resources and the reader's interests.

A resource's status is the last of its lifecycle events (`queue`, `start`, `done`,
`dismiss`; none: `suggested`), and a started resource whose book is read is `done`;
kept in `Resource.status` by `tracker.derived.refresh_resource`.
Starting a resource makes it a book being read: the book of the same slug where the
library has one, else a new book of one chapter (number "1", the resource's title and
topics), so that a paper or a post is read, favourited and revisited like a chapter.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tracker import derived
from tracker.errors import UserError
from tracker.limits import NOTE_MAX, SLUG_MAX, TITLE_MAX, check_length
from tracker.model import (
    RESOURCE_KINDS, RESOURCE_STATUSES, Book, Chapter, ChapterTopic, Interest, Resource, ResourceTopic,
    Topic,
)
from tracker.names import find_resource, find_topic, find_topics, topic_slugs
from tracker.statuses import LIFECYCLE
from tracker.suggestions import explain, rank


def list_resources(session: Session, status: str | None = None) -> list[dict[str, Any]]:
    """`resource list --json`: in the map's order, resources added by hand after."""
    if status is not None and status not in RESOURCE_STATUSES:
        raise UserError(f"unknown status {status!r}; use one of {', '.join(RESOURCE_STATUSES)}")
    query = select(Resource).order_by(Resource.rank.is_(None), Resource.rank, Resource.id)
    if status is not None:
        query = query.where(Resource.status == status)
    rows = list(session.scalars(query))
    topics = topic_slugs(session, ResourceTopic.resource_id, [r.id for r in rows])
    return [
        {"resource": r.slug, "title": r.title, "kind": r.kind, "url": r.url, "topics": topics.get(r.id, []),
         "status": r.status, "authors": list(r.authors or []), "year": r.year, "rank": r.rank, "note": r.note}
        for r in rows
    ]


def add_resource(
    session: Session, title: str, *, kind: str, url: str | None = None, authors: tuple[str, ...] = (),
    year: int | None = None, topics: tuple[str, ...] = (), slug: str | None = None, note: str | None = None,
) -> Resource:
    from tracker.limits import check_url
    from tracker.names import SLUG_RE, free_slug, slugify

    if not title.strip():
        raise UserError("a resource needs a title")
    check_length("the title", title.strip(), TITLE_MAX)
    if slug is not None:
        check_length("the slug", slug, SLUG_MAX)
    if note is not None:
        check_length("the note", note, NOTE_MAX)
    kind = kind.strip().lower()
    if kind not in RESOURCE_KINDS:
        raise UserError(f"unknown kind {kind!r}; use one of {', '.join(RESOURCE_KINDS)}")
    if url is not None:
        check_url(url)
    if year is not None and not 0 < year < 3000:
        raise UserError(f"--year must be a year like 2026, got {year}")
    if slug is not None and not SLUG_RE.match(slug):
        raise UserError(f"slug {slug!r} may use only a-z, 0-9 and single hyphens, e.g. my-paper")
    topic_rows = find_topics(session, topics)  # a topic given twice is linked once
    wanted = slug or slugify(title)
    taken = set(session.scalars(select(Resource.slug).where(Resource.slug.like(f"{wanted}%"))))
    if slug is not None and slug in taken:
        raise UserError(f"a resource with slug {slug!r} exists already; choose another --slug")
    resource = Resource(slug=free_slug(wanted, taken), title=title.strip(), kind=kind, url=url,
                        authors=list(authors), year=year, note=note, status="suggested")
    session.add(resource)
    session.flush()
    for i, topic in enumerate(topic_rows):
        session.add(ResourceTopic(resource_id=resource.id, topic_id=topic.id, position=i))
    session.flush()
    return resource


def _book_for(session: Session, resource: Resource, *, create: bool) -> tuple[Book | None, bool]:
    """The book of the resource's slug; with `create`, a new one-chapter book if there is none."""
    book = session.scalars(select(Book).where(Book.slug == resource.slug)).first()
    if book is not None or not create:
        return book, False
    book = Book(slug=resource.slug, title=resource.title, authors=list(resource.authors or []),
                year=resource.year, url=resource.url, note=resource.note, source=resource.source,
                status="to-read")
    session.add(book)
    session.flush()
    chapter = Chapter(book_id=book.id, number="1", title=resource.title, position=0, status="unread",
                      favourite=False)
    session.add(chapter)
    session.flush()
    topic_ids = list(session.scalars(
        select(ResourceTopic.topic_id).where(ResourceTopic.resource_id == resource.id)
        .order_by(ResourceTopic.position)))
    for i, tid in enumerate(topic_ids):
        session.add(ChapterTopic(chapter_id=chapter.id, topic_id=tid, position=i))
    session.flush()
    return book, True


def change(session: Session, kind: str, resource_text: str, *, on: str | None = None) -> dict[str, Any]:
    """queue, start, done or dismiss a resource: one event, and the statuses that follow."""
    from tracker import events

    if kind not in LIFECYCLE:
        raise UserError(f"unknown action {kind!r}; use one of {', '.join(LIFECYCLE)}")
    c = events.clock(session)
    at = events.when_on(c, on)
    resource = find_resource(session, resource_text)
    target = LIFECYCLE[kind]
    if resource.status == target:
        state = "being read" if target == "reading" else target
        raise UserError(f"{resource.slug} is {state} already; see `tracker resource list`")
    book, created = _book_for(session, resource, create=kind == "start")
    event = events.add_event(session, kind=kind, at=at, resource=resource, book=book)
    derived.refresh_resource(session, resource.id)
    out: dict[str, Any] = {"id": event.id, "resource": resource.slug, "title": resource.title,
                           "status": resource.status, "book": None, "created_book": created}
    if book is not None:
        chapters = session.scalar(select(func.count()).select_from(Chapter).where(Chapter.book_id == book.id)) or 0
        out.update(book=book.slug, book_status=book.status, chapters=chapters)
    return out


# --- interests ---------------------------------------------------------------------------


def list_interests(session: Session) -> list[dict[str, Any]]:
    counts = dict(session.execute(
        select(ResourceTopic.topic_id, func.count()).group_by(ResourceTopic.topic_id)).all())
    rows = session.execute(
        select(Topic.id, Topic.slug, Topic.name).join(Interest, Interest.topic_id == Topic.id)
        .order_by(Interest.position, Topic.slug)
    ).all()
    return [{"topic": slug, "name": name, "resources": counts.get(tid, 0)} for tid, slug, name in rows]


def add_interest(session: Session, text: str) -> Topic:
    topic = find_topic(session, text)
    if session.get(Interest, topic.id) is not None:
        raise UserError(f"you follow {topic.slug} already; see `tracker interest list`")
    position = session.scalar(select(func.coalesce(func.max(Interest.position), -1))) + 1
    session.add(Interest(topic_id=topic.id, position=position))
    session.flush()
    return topic


def remove_interest(session: Session, text: str) -> Topic:
    topic = find_topic(session, text)
    interest = session.get(Interest, topic.id)
    if interest is None:
        followed = [i["topic"] for i in list_interests(session)]
        shown = ", ".join(followed) if followed else "none"
        raise UserError(f"you do not follow {topic.slug}; you follow: {shown}")
    session.delete(interest)
    session.flush()
    return topic


# --- next -------------------------------------------------------------------------------


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

