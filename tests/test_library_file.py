"""The library file (SPEC §5.1): parse, validate, load, dump; and the bundled seed."""

from __future__ import annotations

import datetime as dt
import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, event, func, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

import tracker.model as model
from tracker.errors import UserError
from tracker.formats import library_file as lf
from tracker.formats.library_dump import dump_library
from tracker.formats.library_file import LibraryData, parse_library, parse_library_dict
from tracker.formats.library_store import known_slugs, load_library, load_seed, seed_path
from tracker.model import Base, Book, Chapter, Event, Interest, Resource, Topic

SEED_TEXT = seed_path().read_text(encoding="utf-8")
MAP_SLUGS = [
    "ultrascale-playbook",
    "ai-engineering",
    "gpu-glossary",
    "cuda-programming",
    "nano-vllm",
    "mini-sglang",
    "pagedattention",
    "vllm-speculative-decoding",
    "quantization-from-the-ground-up",
    "floating-point-arithmetic",
]


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    eng = create_engine("sqlite:///" + str(tmp_path / "t.db"))

    @event.listens_for(eng, "connect")
    def _fk_on(dbapi_conn, _record):  # type: ignore[no-untyped-def]
        dbapi_conn.execute("PRAGMA foreign_keys=ON")

    Base.metadata.create_all(eng)
    yield eng
    eng.dispose()


def load_text(engine: Engine, text: str, filename: str = "lib.toml", **kw: bool) -> dict:
    with Session(engine) as s, s.begin():
        topics, resources = known_slugs(s)
        data = parse_library(text, filename, known_topics=topics, known_resources=resources)
        return load_library(s, data, **kw)


def load_the_seed(engine: Engine) -> dict:
    with Session(engine) as s, s.begin():
        return load_seed(s)


def dump(engine: Engine) -> dict:
    with Session(engine) as s:
        return dump_library(s)


def error_of(text: str, **kw: object) -> str:
    with pytest.raises(UserError) as info:
        parse_library(text, "lib.toml", **kw)  # type: ignore[arg-type]
    message = info.value.message
    assert "\n" not in message
    return message


def test_constants_agree_with_the_model() -> None:
    assert lf.RESOURCE_KINDS == model.RESOURCE_KINDS
    assert lf.SOURCES == model.SOURCES


# ------------------------------------------------------------------ the seed


def test_seed_path_is_the_checkout_seed() -> None:
    path = seed_path()
    assert path.name == "library.toml" and path.parent.name == "seed"
    assert path.is_file()


def test_seed_parses() -> None:
    data = parse_library(SEED_TEXT, "library.toml")
    assert isinstance(data, LibraryData)
    assert data.interests == ()
    topic_slugs = {t.slug for t in data.topics}
    for slug in ("training-llms", "ai-applications", "gpus", "inference-engines",
                 "speculative-decoding", "quantization"):
        assert slug in topic_slugs
    assert 12 <= len(data.topics) <= 18

    books = {b.slug: b for b in data.books}
    ie = books["inference-engineering"]
    assert ie.title == "Inference Engineering"
    assert ie.authors == ("Philip Kiely",)
    assert ie.year == 2026 and ie.source == "confirmed"
    assert ie.isbn is None
    assert "books.baseten.com/products/inference-engineering" in (ie.note or "")
    assert "papers to read next" in (ie.note or "")
    top = [c for c in ie.chapters if "." not in c.number]
    assert [c.number for c in top] == [str(i) for i in range(8)]
    assert all(c.source == "confirmed" and c.topics for c in top)
    sections = [c for c in ie.chapters if "." in c.number]
    assert sections and all(c.source == "secondary" for c in sections)
    # Reading order: each section follows its parent (chapter, its sections, next chapter).
    seen: set[str] = set()
    for c in ie.chapters:
        parent = c.number.rpartition(".")[0]
        assert not parent or parent in seen, c.number
        seen.add(c.number)
    numbers = [c.number for c in ie.chapters]
    assert numbers[numbers.index("5.2") + 1: numbers.index("5.3")] == [
        "5.2.1", "5.2.2", "5.2.3", "5.2.4"]
    assert len(ie.chapters) == 8 + 4 + 5 + 5 + 8 + 12 + 8 + 6
    by_number = {c.number: c for c in ie.chapters}
    assert "gpus" in (by_number["3"].topics or ())
    assert "inference-engines" in (by_number["4.3.1"].topics or ())
    assert "quantization" in (by_number["5.1.2"].topics or ())
    assert "speculative-decoding" in (by_number["5.2.3"].topics or ())
    assert "attention" in (by_number["2.5"].topics or ())
    assert by_number["6.4.1"].title == "Streaming Real-Time Text to Speech"

    playbook = books["ultrascale-playbook"]
    assert [c.number for c in playbook.chapters] == [str(i) for i in range(1, 13)] + ["A"]
    assert playbook.year == 2025 and len(playbook.authors or ()) == 7

    aie = books["ai-engineering"]
    assert [c.number for c in aie.chapters] == [str(i) for i in range(1, 11)] + ["E"]
    starts = [1, 49, 113, 159, 211, 253, 307, 363, 405, 449, 495]
    assert [c.pages for c in aie.chapters[:10]] == [b - a for a, b in zip(starts, starts[1:])]
    assert aie.chapters[10].pages is None
    assert aie.authors == ("Chip Huyen",)

    resources = {r.slug: r for r in data.resources}
    assert len(data.resources) == 11
    review = resources["barrow-review"]
    assert review.kind == "review" and review.recommended_by is None
    assert review.authors == ("Joe Barrow",) and review.year == 2026
    ranked = sorted((r for r in data.resources if r.rank), key=lambda r: r.rank or 0)
    assert [r.slug for r in ranked] == MAP_SLUGS
    assert [r.rank for r in ranked] == list(range(1, 11))
    for r in ranked:
        assert r.recommended_by == "barrow-review"
        assert r.note and "\n" not in r.note
        assert r.topics and r.url
    assert resources["vllm-speculative-decoding"].year is None
    assert resources["vllm-speculative-decoding"].kind == "docs"
    assert resources["gpu-glossary"].kind == "reference"
    assert resources["nano-vllm"].kind == "code"
    assert len(resources["pagedattention"].authors or ()) == 9
    assert resources["floating-point-arithmetic"].year == 1991


def test_seed_loads(engine: Engine) -> None:
    counts = load_the_seed(engine)
    assert counts["books"] == 3 and counts["resources"] == 11
    with Session(engine) as s:
        books = {b.slug: b for b in s.scalars(select(Book))}
        assert set(books) == {"inference-engineering", "ultrascale-playbook", "ai-engineering"}
        assert all(b.bundled for b in books.values())
        ie = books["inference-engineering"]
        top = [c for c in ie.chapters if c.parent_number is None]
        assert len(top) == 8
        assert [c.position for c in ie.chapters] == list(range(len(ie.chapters)))
        assert all(c.source == "secondary" for c in ie.chapters if c.parent_number)
        assert len(books["ai-engineering"].chapters) == 11
        assert len(books["ultrascale-playbook"].chapters) == 13
        assert books["ai-engineering"].chapters[0].pages == 48
        assert all(c.status == "unread" and not c.favourite for c in ie.chapters)
        assert s.scalar(select(func.count()).select_from(Resource)) == 11
        review = s.scalars(select(Resource).where(Resource.slug == "barrow-review")).one()
        for r in s.scalars(select(Resource).where(Resource.rank.is_not(None))):
            assert r.recommended_by_id == review.id
            assert r.status == "suggested"
        assert s.scalar(select(func.count()).select_from(Interest)) == 0


def test_seed_load_is_fast_and_uses_few_statements(engine: Engine) -> None:
    statements = []
    event.listen(engine, "before_cursor_execute", lambda *a: statements.append(a[2]))
    start = time.perf_counter()
    load_the_seed(engine)
    elapsed = time.perf_counter() - start
    assert len(statements) < 40
    assert elapsed < 0.5  # generous for slow machines; typically ~20 ms


def test_reload_is_idempotent(engine: Engine) -> None:
    load_the_seed(engine)
    before = dump(engine)
    assert load_the_seed(engine) == {
        "topics": 0, "books": 0, "chapters": 0, "resources": 0, "interests": 0}
    assert load_text(engine, SEED_TEXT) == {
        "topics": 0, "books": 0, "chapters": 0, "resources": 0, "interests": 0}
    assert dump(engine) == before


def test_reload_keeps_log_status_and_favourites(engine: Engine) -> None:
    load_the_seed(engine)
    now = dt.datetime(2026, 7, 1, 12, tzinfo=dt.timezone.utc)
    with Session(engine) as s, s.begin():
        ch = s.scalars(select(Chapter).where(Chapter.number == "5.2.3")).first()
        assert ch is not None
        ch.status, ch.favourite = "read", True
        ch.book.status = "reading"
        s.add(Event(at=now, kind="finish", book_id=ch.book_id, chapter_id=ch.id, minutes=30))
        res = s.scalars(select(Resource).where(Resource.slug == "nano-vllm")).one()
        res.status = "queued"
        chapter_id = ch.id
    load_the_seed(engine)
    with Session(engine) as s:
        ch = s.get(Chapter, chapter_id)
        assert ch is not None and ch.status == "read" and ch.favourite
        assert ch.book.status == "reading"
        assert s.scalar(select(func.count()).select_from(Event)) == 1
        res = s.scalars(select(Resource).where(Resource.slug == "nano-vllm")).one()
        assert res.status == "queued"


def test_round_trip(engine: Engine, tmp_path: Path) -> None:
    load_the_seed(engine)
    load_text(engine, 'interests = ["gpus", "quantization"]\n')
    first = dump(engine)
    assert list(first) == ["topics", "books", "resources", "interests"]
    assert first["interests"] == ["gpus", "quantization"]
    text = json.dumps(first)  # plain JSON-able
    assert "bundled" not in text and "status" not in text and "favourite" not in text
    ie = first["books"][0]
    assert ie["slug"] == "inference-engineering" and "isbn" not in ie
    assert ie["chapters"][1] == {
        "number": "1", "title": "Prerequisites",
        "topics": ["ai-applications", "performance", "evaluation"], "source": "confirmed"}
    spec = next(r for r in first["resources"] if r["slug"] == "vllm-speculative-decoding")
    assert "year" not in spec and spec["recommended_by"] == "barrow-review"

    other = create_engine("sqlite:///" + str(tmp_path / "other.db"))
    Base.metadata.create_all(other)
    with Session(other) as s, s.begin():
        load_library(s, parse_library_dict(json.loads(text), "backup.json"))
    assert dump(other) == first
    other.dispose()


def test_dump_of_an_empty_library(engine: Engine) -> None:
    assert dump(engine) == {"topics": [], "books": [], "resources": [], "interests": []}


# ------------------------------------------------------------------ upserts


def test_upsert_updates_and_keeps_the_books_chapter_order(engine: Engine) -> None:
    load_text(engine, """
[[topics]]
slug = "t"
name = "T"

[[books]]
slug = "b"
title = "Old title"
authors = ["A"]
year = 2020
chapters = [
  { number = "1", title = "One", topics = ["t"] },
  { number = "2", title = "Two" },
  { number = "3", title = "Three", pages = 10 },
]
""")
    counts = load_text(engine, """
[[topics]]
slug = "t"
name = "Renamed"

[[books]]
slug = "b"
title = "New title"
chapters = [
  { number = "3", title = "Three" },
  { number = "4", title = "Four", topics = ["t"] },
]
""")
    # Chapter 4 is new; a file that lists some of the book's chapters keeps the book's order.
    assert counts == {"topics": 1, "books": 1, "chapters": 1, "resources": 0, "interests": 0}
    with Session(engine) as s:
        book = s.scalars(select(Book).where(Book.slug == "b")).one()
        assert book.title == "New title"
        assert book.authors == ["A"] and book.year == 2020  # not given: kept
        assert [c.number for c in book.chapters] == ["1", "2", "3", "4"]
        assert [c.position for c in book.chapters] == [0, 1, 2, 3]
        assert book.chapters[2].pages == 10
        assert [link.topic_id for link in book.chapters[0].topic_links] == [
            s.scalars(select(Topic.id).where(Topic.slug == "t")).one()]
        assert s.scalars(select(Topic.name)).one() == "Renamed"
        assert not book.bundled


def test_chapter_topics_can_change(engine: Engine) -> None:
    head = '[[topics]]\nslug="a"\nname="A"\n[[topics]]\nslug="b"\nname="B"\n'
    load_text(engine, head + '[[books]]\nslug="x"\ntitle="X"\n'
              'chapters=[{number="1", title="One", topics=["a", "b"]}]\n')
    load_text(engine, head + '[[books]]\nslug="x"\ntitle="X"\n'
              'chapters=[{number="1", title="One", topics=["b"]}]\n')
    assert dump(engine)["books"][0]["chapters"][0]["topics"] == ["b"]
    load_text(engine, head + '[[books]]\nslug="x"\ntitle="X"\n'
              'chapters=[{number="1", title="One", topics=["a", "b"]}]\n')
    assert dump(engine)["books"][0]["chapters"][0]["topics"] == ["a", "b"]


def test_references_to_the_database_and_later_entries(engine: Engine) -> None:
    load_the_seed(engine)
    text = """
[[resources]]
slug = "mine"
title = "Mine"
kind = "post"
topics = ["gpus"]
recommended_by = "later"

[[resources]]
slug = "later"
title = "Later"
kind = "paper"
recommended_by = "barrow-review"
"""
    # Against the file alone, the database's slugs name nothing.
    assert "'gpus' names no topic" in error_of(text)
    counts = load_text(engine, text)
    assert counts["resources"] == 2
    with Session(engine) as s:
        by_slug = {r.slug: r for r in s.scalars(select(Resource))}
        assert by_slug["mine"].recommended_by_id == by_slug["later"].id
        assert by_slug["later"].recommended_by_id == by_slug["barrow-review"].id


def test_load_checks_references_and_loads_nothing(engine: Engine) -> None:
    data = parse_library(
        '[[topics]]\nslug="t"\nname="T"\n[[books]]\nslug="b"\ntitle="B"\n'
        'chapters=[{number="1", title="One", topics=["t"]}]\n', "lib.toml")
    broken = LibraryData(topics=(), books=data.books, filename="lib.toml")
    with pytest.raises(UserError, match=r"lib.toml: books\[0\] \(b\) chapters\[0\]: "
                                        r"topics: 't' names no topic"):
        with Session(engine) as s, s.begin():
            load_library(s, broken)
    assert dump(engine) == {"topics": [], "books": [], "resources": [], "interests": []}


def test_interests_are_added_once(engine: Engine) -> None:
    load_the_seed(engine)
    assert load_text(engine, 'interests = ["gpus"]')["interests"] == 1
    assert load_text(engine, 'interests = ["quantization", "gpus"]')["interests"] == 1
    assert dump(engine)["interests"] == ["gpus", "quantization"]


def test_any_script_and_long_note_load_fine(engine: Engine) -> None:
    note = "長" * 5000 + "🙂" * 2500 + "x" * 2500
    assert len(note) == 10_000
    text = f"""
[[topics]]
slug = "t"
name = "主题 🧠 موضوع"

[[books]]
slug = "scripts"
title = "推理工程 — 📚 — هندسة الاستدلال — עברית"
authors = ["山田 太郎", "محمد"]
note = "{note}"
chapters = [{{ number = "1", title = "第一章 🚀", topics = ["t"] }},
            {{ number = "1.1", title = "مقدمة" }}]

[[resources]]
slug = "emoji"
title = "🙂🙃 ✨"
kind = "video"
note = "{note}"
"""
    load_text(engine, text)
    out = dump(engine)
    assert out["books"][0]["title"] == "推理工程 — 📚 — هندسة الاستدلال — עברית"
    assert out["books"][0]["note"] == note
    assert out["books"][0]["chapters"][1]["title"] == "مقدمة"
    assert out["resources"][0]["note"] == note
    assert out["topics"][0]["name"] == "主题 🧠 موضوع"


# ------------------------------------------------------------------ bad input


def test_unknown_key() -> None:
    text = """
[[books]]
slug = "x"
title = "X"

[[books]]
slug = "my-book"
title = "Mine"
chapters = [
  { number = "1", title = "a" }, { number = "2", title = "b" },
  { number = "3", title = "c" }, { number = "4", titel = "d" },
]
"""
    assert error_of(text) == (
        "lib.toml: books[1] (my-book) chapters[3]: unknown key 'titel' "
        "(known: number, title, topics, pages, source)")
    assert error_of("colour = 1") == (
        "lib.toml: unknown top-level key 'colour' (known: topics, books, resources, interests)")
    assert "resources[0] (r): unknown key 'auther'" in error_of(
        '[[resources]]\nslug="r"\ntitle="R"\nkind="post"\nauther="me"')


def test_duplicate_chapter_number() -> None:
    text = ('[[books]]\nslug="x"\ntitle="X"\n'
            'chapters=[{number="2", title="a"}, {number="2", title="b"}]')
    assert error_of(text) == "lib.toml: books[0] (x): chapter number '2' is used twice"


def test_duplicate_slugs() -> None:
    assert "topic 'a' is defined twice" in error_of(
        '[[topics]]\nslug="a"\nname="A"\n[[topics]]\nslug="a"\nname="B"')
    assert "book 'b' is defined twice" in error_of(
        '[[books]]\nslug="b"\ntitle="B"\n[[books]]\nslug="b"\ntitle="C"')
    assert "'t' is listed twice" in error_of(
        '[[topics]]\nslug="t"\nname="T"\n[[resources]]\nslug="r"\ntitle="R"\nkind="post"\n'
        'topics=["t", "t"]')


def test_topic_naming_nothing() -> None:
    text = "\n".join(
        f'[[resources]]\nslug="{slug}"\ntitle="R"\nkind="post"' for slug in ("a", "b")
    ) + '\n[[resources]]\nslug="foo"\ntitle="Foo"\nkind="post"\ntopics=["nosuch"]'
    assert error_of(text) == "lib.toml: resources[2] (foo): topics: 'nosuch' names no topic"
    assert error_of(
        '[[books]]\nslug="b"\ntitle="B"\nchapters=[{number="1", title="a", topics=["zz"]}]'
    ) == "lib.toml: books[0] (b) chapters[0]: topics: 'zz' names no topic"
    assert error_of('interests = ["nosuch"]') == "lib.toml: interests: 'nosuch' names no topic"
    # ...but a topic the database already has is fine.
    parse_library('interests = ["gpus"]', "lib.toml", known_topics={"gpus"})


def test_recommended_by_naming_nothing() -> None:
    text = "\n".join(
        f'[[resources]]\nslug="{slug}"\ntitle="R"\nkind="post"' for slug in ("a", "b")
    ) + '\n[[resources]]\nslug="foo"\ntitle="Foo"\nkind="post"\nrecommended_by="nobody"'
    assert error_of(text) == (
        "lib.toml: resources[2] (foo): recommended_by: 'nobody' names no resource")
    parse_library(text, "lib.toml", known_resources={"nobody"})


def test_invalid_toml() -> None:
    message = error_of('[[books]]\nslug = "x\n')
    assert message.startswith("lib.toml: invalid TOML: ")
    assert "line" in message


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('[[topics]]\nslug="Bad Slug"\nname="x"',
         "lib.toml: topics[0]: slug: 'Bad Slug' is not a slug"),
        ('[[books]]\nslug="ok_not"\ntitle="x"', "books[0]: slug: 'ok_not' is not a slug"),
        ('[[resources]]\nslug="r"\ntitle="R"\nkind="post"\nrecommended_by="Up"',
         "resources[0] (r): recommended_by: 'Up' is not a slug"),
        ('[[books]]\nslug="x"\ntitle="X"\nyear="2020"',
         "books[0] (x): year: must be an integer, not a string"),
        ('[[books]]\nslug="x"\ntitle="X"\nyear=2020.5',
         "books[0] (x): year: must be an integer, not a float"),
        ('[[books]]\nslug="x"\ntitle="X"\nyear=true',
         "books[0] (x): year: must be an integer, not a boolean"),
        ('[[books]]\nslug="x"\ntitle="X"\nchapters=[{number="1", title="a", pages=-3}]',
         "books[0] (x) chapters[0]: pages: must be 0 or more, not -3"),
        ('[[resources]]\nslug="r"\ntitle="R"\nkind="blog"',
         "resources[0] (r): kind: 'blog' is not one of book, paper"),
        ('[[books]]\nslug="x"\ntitle="X"\nsource="maybe"',
         "books[0] (x): source: 'maybe' is not one of confirmed, secondary"),
        ('[[books]]\nslug="x"\ntitle="X"\nchapters=[{number="5..2", title="a"}]',
         "books[0] (x) chapters[0]: number: '5..2' is not a chapter number"),
        ('[[books]]\nslug="x"\ntitle="X"\nchapters=[{number="", title="a"}]',
         "books[0] (x) chapters[0]: number: must not be empty"),
        ('[[books]]\nslug="x"\ntitle="X"\nchapters=[{title="a"}]',
         "books[0] (x) chapters[0]: missing required key 'number'"),
        ('[[books]]\nslug="x"', "books[0] (x): missing required key 'title'"),
        ('[[resources]]\nslug="r"\ntitle="R"', "resources[0] (r): missing required key 'kind'"),
        ('[[topics]]\nname="T"', "topics[0]: missing required key 'slug'"),
        ('[[books]]\nslug="x"\ntitle="X"\nauthors="Me"',
         "books[0] (x): authors: must be a list of strings, not a string"),
        ('[[books]]\nslug="x"\ntitle="X"\nauthors=["A", 3]',
         "books[0] (x): authors: must be a list of strings"),
        ('topics = "gpus"', "lib.toml: topics: must be a list of tables, not a string"),
        ('interests = "gpus"', "lib.toml: interests: must be a list of topic slugs"),
        ('[[resources]]\nslug="r"\ntitle="R"\nkind="post"\nrank=-1',
         "resources[0] (r): rank: must be 0 or more, not -1"),
        ('[[resources]]\nslug="r"\ntitle="R"\nkind="post"\nrecommended_by="r"',
         "resources[0] (r): recommended_by: a resource cannot recommend itself"),
        ('[[books]]\nslug="x"\ntitle="X"\nnote="a\\u0000b"',
         "books[0] (x): note: must not contain a NUL character"),
        ('[[books]]\nslug="x"\ntitle="X"\nyear=2020-01-01',
         "books[0] (x): year: must be an integer, not a date"),
    ],
)
def test_bad_values(text: str, expected: str) -> None:
    assert expected in error_of(text)


def test_chapter_numbers_accepted() -> None:
    text = '[[books]]\nslug="x"\ntitle="X"\nchapters=[' + ", ".join(
        f'{{number="{n}", title="t"}}' for n in ("5", "5.2", "5.2.3", "A", "E", "A.1", "10")
    ) + "]"
    data = parse_library(text, "lib.toml")
    assert [c.number for c in data.books[0].chapters] == ["5", "5.2", "5.2.3", "A", "E",
                                                          "A.1", "10"]


def test_a_bad_file_loads_nothing(engine: Engine) -> None:
    text = SEED_TEXT + '\n[[resources]]\nslug="late"\ntitle="L"\nkind="post"\ntopics=["nope"]\n'
    with pytest.raises(UserError, match="'nope' names no topic"):
        load_text(engine, text)
    assert dump(engine) == {"topics": [], "books": [], "resources": [], "interests": []}


def test_parse_library_dict_validates_json_shapes() -> None:
    with pytest.raises(UserError, match=r"^backup.json: books\[0\] \(b\): year: must be an "
                                        r"integer, not a float$"):
        parse_library_dict({"books": [{"slug": "b", "title": "B", "year": 2020.0}]},
                           "backup.json")
    with pytest.raises(UserError, match=r"^backup.json: books\[0\]: must be a table"):
        parse_library_dict({"books": ["b"]}, "backup.json")
    with pytest.raises(UserError, match=r"^backup.json: must be a table"):
        parse_library_dict([], "backup.json")
    # JSON null means "not given".
    data = parse_library_dict({"books": [{"slug": "b", "title": "B", "year": None}]}, "x")
    assert data.books[0].year is None
