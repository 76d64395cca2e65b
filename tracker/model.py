"""The SQLAlchemy 2 typed model of the library (SPEC §1).

The reading log (`Event`) is the source of truth. Chapter and book status,
favourites, resource statuses and revisit cards are caches of what the log says,
kept current as events are recorded; `CardState` keeps, per event, what it did to
a card, so that a backdated event or an undo can replay the log from its own point
instead of from the beginning.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from tracker.chapter_numbers import parent_of

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

EVENT_KINDS = (
    "read", "finish", "favourite", "unfavourite", "revisit", "snooze", "break",
    "stop", "note", "queue", "start", "done", "dismiss",
)
RATINGS = ("again", "hard", "good", "easy")
RESOURCE_KINDS = (
    "book", "paper", "post", "docs", "code", "reference", "course", "video", "review",
)
RESOURCE_STATUSES = ("suggested", "queued", "reading", "done", "dismissed")
CHAPTER_STATUSES = ("unread", "reading", "read")
BOOK_STATUSES = ("to-read", "reading", "read", "stopped")
SOURCES = ("confirmed", "secondary")


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class UTCDateTime(TypeDecorator[dt.datetime]):
    """An aware datetime stored as naive UTC, returned aware in UTC."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given for a UTC column")
        return value.astimezone(dt.timezone.utc).replace(tzinfo=None)

    def process_result_value(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=dt.timezone.utc)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {
        dt.datetime: UTCDateTime,
        list[str]: JSON,
    }


class Topic(Base):
    __tablename__ = "topics"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(100), unique=True)
    name: Mapped[str] = mapped_column(String(200))


class Book(Base):
    __tablename__ = "books"
    __table_args__ = (
        CheckConstraint(_in("status", BOOK_STATUSES), name="status"),
        CheckConstraint(f"source IS NULL OR {_in('source', SOURCES)}", name="source"),
        CheckConstraint("rating IS NULL OR (rating >= 1 AND rating <= 5)", name="rating"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(100), unique=True)
    title: Mapped[str] = mapped_column(Text)
    authors: Mapped[list[str]] = mapped_column(default=list)
    year: Mapped[int | None]
    url: Mapped[str | None] = mapped_column(Text)
    isbn: Mapped[str | None] = mapped_column(String(20))
    note: Mapped[str | None] = mapped_column(Text)
    source: Mapped[str | None] = mapped_column(String(20))
    # True for books that came with the bundled library (restore may replace them).
    bundled: Mapped[bool] = mapped_column(default=False)
    status: Mapped[str] = mapped_column(String(10), default="to-read", index=True)
    # The reader's own 1–5 stars (`book rate`, a Goodreads import); None: not rated.
    rating: Mapped[int | None]

    chapters: Mapped[list[Chapter]] = relationship(
        back_populates="book",
        order_by="Chapter.position",
        cascade="all, delete-orphan",
        passive_deletes=True,
    )


class ChapterTopic(Base):
    __tablename__ = "chapter_topics"

    chapter_id: Mapped[int] = mapped_column(
        ForeignKey("chapters.id", ondelete="CASCADE"), primary_key=True
    )
    topic_id: Mapped[int] = mapped_column(
        ForeignKey("topics.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    position: Mapped[int] = mapped_column(default=0)


class Chapter(Base):
    __tablename__ = "chapters"
    __table_args__ = (
        UniqueConstraint("book_id", "number"),
        Index("ix_chapters_book_position", "book_id", "position"),
        CheckConstraint(_in("status", CHAPTER_STATUSES), name="status"),
        CheckConstraint("pages IS NULL OR pages >= 0", name="pages"),
        CheckConstraint(f"source IS NULL OR {_in('source', SOURCES)}", name="source"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    book_id: Mapped[int] = mapped_column(ForeignKey("books.id", ondelete="CASCADE"))
    number: Mapped[str] = mapped_column(String(50))
    title: Mapped[str] = mapped_column(Text)
    # Reading order within the book.
    position: Mapped[int]
    pages: Mapped[int | None]
    source: Mapped[str | None] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(10), default="unread")
    favourite: Mapped[bool] = mapped_column(default=False)

    book: Mapped[Book] = relationship(back_populates="chapters")
    topic_links: Mapped[list[ChapterTopic]] = relationship(
        order_by="ChapterTopic.position", cascade="all, delete-orphan", passive_deletes=True
    )

    @property
    def parent_number(self) -> str | None:
        return parent_of(self.number)


class ResourceTopic(Base):
    __tablename__ = "resource_topics"

    resource_id: Mapped[int] = mapped_column(
        ForeignKey("resources.id", ondelete="CASCADE"), primary_key=True
    )
    topic_id: Mapped[int] = mapped_column(
        ForeignKey("topics.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    position: Mapped[int] = mapped_column(default=0)


class Resource(Base):
    __tablename__ = "resources"
    __table_args__ = (
        CheckConstraint(_in("kind", RESOURCE_KINDS), name="kind"),
        CheckConstraint(_in("status", RESOURCE_STATUSES), name="status"),
        CheckConstraint(f"source IS NULL OR {_in('source', SOURCES)}", name="source"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(100), unique=True)
    title: Mapped[str] = mapped_column(Text)
    authors: Mapped[list[str]] = mapped_column(default=list)
    kind: Mapped[str] = mapped_column(String(20))
    year: Mapped[int | None]
    url: Mapped[str | None] = mapped_column(Text)
    rank: Mapped[int | None]
    recommended_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("resources.id", ondelete="SET NULL")
    )
    note: Mapped[str | None] = mapped_column(Text)
    source: Mapped[str | None] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(10), default="suggested", index=True)

    topic_links: Mapped[list[ResourceTopic]] = relationship(
        order_by="ResourceTopic.position", cascade="all, delete-orphan", passive_deletes=True
    )
    recommended_by: Mapped[Resource | None] = relationship(remote_side=[id])


class Interest(Base):
    __tablename__ = "interests"

    topic_id: Mapped[int] = mapped_column(
        ForeignKey("topics.id", ondelete="CASCADE"), primary_key=True
    )
    position: Mapped[int] = mapped_column(default=0)


class Event(Base):
    """One entry of the append-only reading log."""

    __tablename__ = "events"
    __table_args__ = (
        CheckConstraint(_in("kind", EVENT_KINDS), name="kind"),
        CheckConstraint(f"rating IS NULL OR {_in('rating', RATINGS)}", name="rating"),
        CheckConstraint("percent IS NULL OR (percent >= 0 AND percent <= 100)", name="percent"),
        CheckConstraint("minutes IS NULL OR minutes >= 0", name="minutes"),
        CheckConstraint("pages IS NULL OR pages >= 0", name="pages"),
        Index("ix_events_at_id", "at", "id"),
        Index("ix_events_book_at", "book_id", "at"),
        Index("ix_events_chapter_at", "chapter_id", "at"),
        # Schedule replays and stats ask for one kind of event in time order.
        Index("ix_events_kind_at", "kind", "at"),
        # An id is never given twice, even after an undo: exports and scripts key on it.
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime]
    kind: Mapped[str] = mapped_column(String(12))
    book_id: Mapped[int | None] = mapped_column(ForeignKey("books.id", ondelete="CASCADE"))
    chapter_id: Mapped[int | None] = mapped_column(
        ForeignKey("chapters.id", ondelete="CASCADE")
    )
    resource_id: Mapped[int | None] = mapped_column(
        ForeignKey("resources.id", ondelete="CASCADE"), index=True
    )
    minutes: Mapped[int | None]
    percent: Mapped[int | None]
    pages: Mapped[int | None]
    rating: Mapped[str | None] = mapped_column(String(6))
    until: Mapped[dt.date | None] = mapped_column(Date)
    note: Mapped[str | None] = mapped_column(Text)


class Card(Base):
    """The revisit card of a favourite (or once favourite) chapter: a cache of the log."""

    __tablename__ = "cards"
    __table_args__ = (Index("ix_cards_active_due", "active", "due"),)

    chapter_id: Mapped[int] = mapped_column(
        ForeignKey("chapters.id", ondelete="CASCADE"), primary_key=True
    )
    active: Mapped[bool] = mapped_column(default=True)
    stability: Mapped[float] = mapped_column(Float)
    difficulty: Mapped[float] = mapped_column(Float)
    last_review: Mapped[dt.datetime]
    due: Mapped[dt.date] = mapped_column(Date)
    reviews: Mapped[int] = mapped_column(default=0)
    lapses: Mapped[int] = mapped_column(default=0)  # reviews rated again
    hards: Mapped[int] = mapped_column(default=0, server_default="0")  # reviews rated hard


class CardState(Base):
    """What one event left a card as: the checkpoints that partial replays start from."""

    __tablename__ = "card_states"

    event_id: Mapped[int] = mapped_column(
        ForeignKey("events.id", ondelete="CASCADE"), primary_key=True
    )
    chapter_id: Mapped[int] = mapped_column(
        ForeignKey("chapters.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    active: Mapped[bool]
    stability: Mapped[float] = mapped_column(Float)
    difficulty: Mapped[float] = mapped_column(Float)
    last_review: Mapped[dt.datetime]
    due: Mapped[dt.date] = mapped_column(Date)
    reviews: Mapped[int]
    lapses: Mapped[int]
    hards: Mapped[int] = mapped_column(default=0, server_default="0")


class Setting(Base):
    __tablename__ = "settings"

    key: Mapped[str] = mapped_column(String(50), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


# --- the change journal (SPEC §1 "Change", §4.3) ----------------------------------------

CHANGE_STATES = ("no", "partly", "yes")
# Tables whose rows are facts: every write to them during a change is journaled by the
# triggers of tracker.change_triggers. Cards and checkpoints are derived, never journaled.
JOURNALED_TABLES = (
    "topics", "books", "resources", "chapters", "chapter_topics", "resource_topics",
    "interests", "events", "settings",
)


class Change(Base):
    """One command that changed the library: what `history` lists and `undo` takes back."""

    __tablename__ = "changes"
    __table_args__ = (
        CheckConstraint(_in("undone", CHANGE_STATES), name="undone"),
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime]
    command: Mapped[str] = mapped_column(String(40))
    summary: Mapped[str] = mapped_column(Text, default="")
    undone: Mapped[str] = mapped_column(String(7), default="no", index=True)
    # A restore: the backup of the library it replaced (undo cannot go past it).
    replaced_copy: Mapped[str | None] = mapped_column(Text)


class ChangeRow(Base):
    """One row a change wrote: its image before (update, delete) or after (insert)."""

    __tablename__ = "change_rows"
    __table_args__ = (
        Index("ix_change_rows_change_id", "change_id", "id"),
        Index("ix_change_rows_tbl_row", "tbl", "row_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    change_id: Mapped[int] = mapped_column(ForeignKey("changes.id", ondelete="CASCADE"))
    tbl: Mapped[str] = mapped_column(String(30))
    op: Mapped[str] = mapped_column(String(1))
    row_id: Mapped[int | None]
    image: Mapped[str] = mapped_column(Text)


class ChangeOpen(Base):
    """The change being recorded, while a command runs (empty otherwise)."""

    __tablename__ = "change_open"

    change_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)


# --- what the calendar export said (SPEC §5.3 ICS) ----------------------------------------

CALENDAR_STATUSES = ("CONFIRMED", "CANCELLED")


class CalendarEvent(Base):
    """What the last `export --format ics` said of one UID (a chapter that had a card):
    kept so that its SEQUENCE never goes down. Not a fact of the library: not journaled
    (undo leaves it), kept by restore and by `book remove`."""

    __tablename__ = "calendar_events"
    __table_args__ = (CheckConstraint(_in("status", CALENDAR_STATUSES), name="status"),)

    uid: Mapped[str] = mapped_column(String(250), primary_key=True)
    book: Mapped[str] = mapped_column(String(100))  # the book's slug, for `--book`
    status: Mapped[str] = mapped_column(String(10))
    due: Mapped[dt.date] = mapped_column(Date)
    summary: Mapped[str] = mapped_column(Text)
    digest: Mapped[str] = mapped_column(String(64))  # of everything the event says but SEQUENCE and DTSTAMP
    sequence: Mapped[int]
    stamp: Mapped[dt.datetime]  # when this SEQUENCE was first exported (its DTSTAMP)
