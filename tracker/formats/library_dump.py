"""The library given back in the library file's shape (SPEC §5.1), as plain JSON-able
dicts, such that parse → load into an empty database → dump gives it again (a backup's
`library`, SPEC §5.2)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session


def dump_library(session: Session) -> dict[str, Any]:
    """The whole library in the shape of §5.1, as plain JSON-able dicts."""
    from sqlalchemy import select

    from tracker.model import (
        Book,
        Chapter,
        ChapterTopic,
        Interest,
        Resource,
        ResourceTopic,
        Topic,
    )

    slug_of: dict[int, str] = {}
    topics = []
    for tid, slug, name in session.execute(select(Topic.id, Topic.slug, Topic.name)
                                           .order_by(Topic.id)):
        slug_of[tid] = slug
        topics.append({"slug": slug, "name": name})

    chapter_topics: dict[int, list[str]] = {}
    for cid, tid in session.execute(
        select(ChapterTopic.chapter_id, ChapterTopic.topic_id)
        .order_by(ChapterTopic.chapter_id, ChapterTopic.position, ChapterTopic.topic_id)
    ):
        chapter_topics.setdefault(cid, []).append(slug_of[tid])

    chapters_of: dict[int, list[dict[str, Any]]] = {}
    for cid, book_id, number, title, pages, source in session.execute(
        select(Chapter.id, Chapter.book_id, Chapter.number, Chapter.title, Chapter.pages,
               Chapter.source).order_by(Chapter.book_id, Chapter.position, Chapter.id)
    ):
        chapter: dict[str, Any] = {"number": number, "title": title,
                                   "topics": chapter_topics.get(cid, [])}
        if pages is not None:
            chapter["pages"] = pages
        if source is not None:
            chapter["source"] = source
        chapters_of.setdefault(book_id, []).append(chapter)

    books = []
    for row in session.execute(
        select(Book.id, Book.slug, Book.title, Book.authors, Book.year, Book.url, Book.isbn,
               Book.note, Book.source, Book.rating).order_by(Book.id)
    ):
        book: dict[str, Any] = {"slug": row.slug, "title": row.title,
                                "authors": list(row.authors or [])}
        for key in ("year", "url", "isbn", "note", "source", "rating"):
            value = getattr(row, key)
            if value is not None:  # a book without a rating: its backup is as before ratings
                book[key] = value
        book["chapters"] = chapters_of.get(row.id, [])
        books.append(book)

    resource_topics: dict[int, list[str]] = {}
    for rid, tid in session.execute(
        select(ResourceTopic.resource_id, ResourceTopic.topic_id)
        .order_by(ResourceTopic.resource_id, ResourceTopic.position, ResourceTopic.topic_id)
    ):
        resource_topics.setdefault(rid, []).append(slug_of[tid])

    rows = session.execute(
        select(Resource.id, Resource.slug, Resource.title, Resource.authors, Resource.kind,
               Resource.year, Resource.url, Resource.rank, Resource.recommended_by_id,
               Resource.note, Resource.source).order_by(Resource.id)
    ).all()
    resource_slug = {row.id: row.slug for row in rows}
    resources = []
    for row in rows:
        res: dict[str, Any] = {"slug": row.slug, "title": row.title,
                               "authors": list(row.authors or []), "kind": row.kind}
        for key in ("year", "url"):
            value = getattr(row, key)
            if value is not None:
                res[key] = value
        res["topics"] = resource_topics.get(row.id, [])
        if row.rank is not None:
            res["rank"] = row.rank
        if row.recommended_by_id is not None:
            res["recommended_by"] = resource_slug[row.recommended_by_id]
        for key in ("note", "source"):
            value = getattr(row, key)
            if value is not None:
                res[key] = value
        resources.append(res)

    interests = [
        slug_of[tid]
        for tid in session.scalars(
            select(Interest.topic_id).order_by(Interest.position, Interest.topic_id)
        )
    ]
    return {"topics": topics, "books": books, "resources": resources, "interests": interests}

