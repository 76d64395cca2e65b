"""BOOK, CHAPTER, resource and topic names resolved in tiers (SPEC §3).

The first tier with a match decides: exact slug, id, exact title (any case), unique
title prefix, unique title substring (chapters: exact number, exact title, prefix,
substring). Two matches in the deciding tier are ambiguous; no match lists what exists.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Container, Sequence
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from tracker.errors import UserError, candidates
from tracker.model import Book, Chapter, Resource, Topic

T = TypeVar("T")


def resolve_tiers(
    text: str,
    items: Sequence[T],
    tiers: Sequence[Callable[[T, str], bool]],
    label: Callable[[T], str],
    what: str,
    shown: int = 8,
    *,
    keys: Callable[[T], Sequence[str]] | None = None,
    also: Callable[[], Sequence[tuple[str, Sequence[str]]]] | None = None,
    listing: str | None = None,
) -> T:
    """The item `text` names, tier by tier; a UserError naming the closest candidates
    first (by `keys`, their names; `also`: more (label, names) worth naming, e.g. the
    chapters that a mistyped BOOK may have meant) when nothing matches."""
    needle = text.strip()
    folded = needle.casefold()
    for index, tier in enumerate(tiers):
        # Exact tiers compare as given; title tiers compare case-insensitively.
        matches = [item for item in items if tier(item, folded if index >= 1 else needle)]
        if len(matches) == 1:
            return matches[0]
        if len(matches) > 1:
            raise UserError(
                f"{what} {text!r} is ambiguous: it matches {candidates(label(m) for m in matches)}"
            )
    named = [(label(item), keys(item) if keys else (label(item),)) for item in items]
    near = closest(needle, [*named, *(also() if also else ())])
    known = candidates((name for name, _ in named), shown)
    if near:
        guess = near[0] if len(near) == 1 else f"{', '.join(near[:-1])} or {near[-1]}"
        rest = f" ({listing} lists them all)" if listing else f" Known: {known}"
        raise UserError(f"no {what} matches {text!r}; did you mean {guess}?{rest}")
    raise UserError(f"no {what} matches {text!r}; " + (f"known: {known}" if items else f"there is no {what} yet"))


SIMILAR = 0.6  # difflib's own cutoff for a close match
MARGIN = 0.1  # candidates this much less near than the nearest are not worth naming


def closest(text: str, named: Sequence[tuple[str, Sequence[str]]], limit: int = 3) -> list[str]:
    """The labels of the candidates nearest `text` (a typo of a letter or two), best first:
    each candidate is scored by its nearest name, whole or a run of as many words as
    `text` has; ties go to the nearer whole name, then to the earlier candidate. Those
    much less near than the nearest are left out."""
    from difflib import SequenceMatcher

    needle = " ".join(text.casefold().split())
    if not needle:
        return []
    size = len(needle.split())
    matcher = SequenceMatcher(autojunk=False)
    matcher.set_seq2(needle)

    def near(name: str) -> float:
        matcher.set_seq1(name)
        if matcher.real_quick_ratio() < SIMILAR or matcher.quick_ratio() < SIMILAR:
            return 0.0
        return matcher.ratio()

    scored = []
    for order, (label, names) in enumerate(named):
        whole = part = 0.0
        for name in names:
            name = " ".join(name.casefold().split())
            whole = max(whole, near(name))
            words = name.split()
            for start in range(len(words) - size + 1 if len(words) > size else 0):
                part = max(part, near(" ".join(words[start:start + size])))
        best = max(whole, part)
        if best >= SIMILAR:
            scored.append((-best, -whole, order, label))
    scored.sort()
    return [label for score, *_, label in scored[:limit] if -score >= -scored[0][0] - MARGIN]


def _book_tiers() -> list[Callable[[Book, str], bool]]:
    return [
        lambda b, t: b.slug == t,
        lambda b, t: t.isdigit() and b.id == int(t),
        lambda b, t: b.title.casefold() == t,
        lambda b, t: b.title.casefold().startswith(t),
        lambda b, t: t in b.title.casefold(),
    ]


def find_book(session: Session, text: str) -> Book:
    if not text.strip():
        raise UserError("a book name is needed (its slug, id or title)")
    exact = session.scalars(select(Book).where(Book.slug == text.strip())).first()
    if exact is not None:
        return exact
    books = list(session.scalars(select(Book).order_by(Book.id)))
    return resolve_tiers(text, books, _book_tiers(), lambda b: b.slug, "book", keys=lambda b: (b.slug, b.title),
                         also=lambda: _chapters_meant(session), listing="`tracker books`")


def _chapters_meant(session: Session) -> list[tuple[str, Sequence[str]]]:
    """Every chapter, as a BOOK that names none may have meant one (`show Quantisation`)."""
    rows = session.execute(
        select(Book.slug, Chapter.number, Chapter.title).join(Chapter, Chapter.book_id == Book.id)
        .order_by(Book.id, Chapter.position)
    )
    return [(f"the chapter {slug} {number} {title}", (title,)) for slug, number, title in rows]


def _chapter_tiers() -> list[Callable[[Chapter, str], bool]]:
    return [
        lambda c, t: c.number == t,
        lambda c, t: c.title.casefold() == t or c.number.casefold() == t,
        lambda c, t: c.title.casefold().startswith(t),
        lambda c, t: t in c.title.casefold(),
    ]


def chapter_label(chapter: Chapter) -> str:
    return f"{chapter.number} {chapter.title}"


def find_chapter(session: Session, book: Book, text: str) -> Chapter:
    if not text.strip():
        raise UserError(f"a chapter of {book.slug} is needed (its number or title)")
    chapters = list(
        session.scalars(select(Chapter).where(Chapter.book_id == book.id).order_by(Chapter.position))
    )
    return resolve_tiers(text, chapters, _chapter_tiers(), chapter_label, f"chapter of {book.slug}",
                         keys=lambda c: (c.title, c.number), listing=f"`tracker show {book.slug}`")


def find_resource(session: Session, text: str) -> Resource:
    exact = session.scalars(select(Resource).where(Resource.slug == text.strip())).first()
    if exact is not None:
        return exact
    resources = list(session.scalars(select(Resource).order_by(Resource.id)))
    tiers: list[Callable[[Resource, str], bool]] = [
        lambda r, t: r.slug == t,
        lambda r, t: t.isdigit() and r.id == int(t),
        lambda r, t: r.title.casefold() == t,
        lambda r, t: r.title.casefold().startswith(t),
        lambda r, t: t in r.title.casefold(),
    ]
    return resolve_tiers(text, resources, tiers, lambda r: r.slug, "resource", keys=lambda r: (r.slug, r.title),
                         listing="`tracker resource list`")


def find_topic(session: Session, text: str) -> Topic:
    topics = list(session.scalars(select(Topic).order_by(Topic.slug)))
    tiers: list[Callable[[Topic, str], bool]] = [
        lambda t, s: t.slug == s,
        lambda t, s: t.slug == s or t.name.casefold() == s,
    ]
    # Topics are few and their slugs are what one types: an unknown one lists them all.
    return resolve_tiers(text, topics, tiers, lambda t: t.slug, "topic", shown=len(topics),
                         keys=lambda t: (t.slug, t.name))


def find_topics(session: Session, texts: Sequence[str]) -> list[Topic]:
    """Each topic named, in order; a topic named twice is listed once."""
    found: list[Topic] = []
    for text in texts:
        topic = find_topic(session, text)
        if topic not in found:
            found.append(topic)
    return found


def complete_books(session: Session, incomplete: str) -> list[tuple[str, str]]:
    """(slug, title) of books whose slug or title starts with what was typed."""
    folded = incomplete.casefold()
    rows = session.execute(select(Book.slug, Book.title).order_by(Book.slug))
    return [(s, t) for s, t in rows if s.startswith(incomplete) or t.casefold().startswith(folded)]


def complete_chapters(session: Session, book_text: str, incomplete: str) -> list[tuple[str, str]]:
    try:
        book = find_book(session, book_text)
    except UserError:
        return []
    folded = incomplete.casefold()
    rows = session.execute(
        select(Chapter.number, Chapter.title).where(Chapter.book_id == book.id).order_by(Chapter.position)
    )
    return [(n, t) for n, t in rows if n.startswith(incomplete) or t.casefold().startswith(folded)]


# --- slugs -----------------------------------------------------------------------------


SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


def slugify(title: str) -> str:
    import unicodedata

    ascii_title = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_title.lower()).strip("-")
    return slug[:60].strip("-") or "book"


def free_slug(wanted: str, taken: Container[str]) -> str:
    """`wanted`, else the first of `wanted-2`, `wanted-3`, … that is not taken."""
    final, n = wanted, 2
    while final in taken:
        final, n = f"{wanted}-{n}", n + 1
    return final


def topic_slugs(session: Session, owner: Any, ids: list[int] | None = None) -> dict[int, list[str]]:
    """Topic slugs in order, per owner of a topic link: `ChapterTopic.chapter_id` or
    `ResourceTopic.resource_id`."""
    link = owner.class_
    query = select(owner, Topic.slug).join(Topic, Topic.id == link.topic_id)
    if ids is not None:
        query = query.where(owner.in_(ids))
    out: dict[int, list[str]] = {}
    for oid, slug in session.execute(query.order_by(owner, link.position)):
        out.setdefault(oid, []).append(slug)
    return out

