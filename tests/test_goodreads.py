"""Goodreads and StoryGraph exports in, Goodreads' layout out (SPEC §5.5): books, ISBN13
through `="…"`, ratings, shelves as status events at their dates; matching books updated,
never duplicated; one undoable change; the same file twice changes nothing."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from tests.conftest import Runner

GOODREADS_HEADER = (
    "Book Id,Title,Author,Author l-f,Additional Authors,ISBN,ISBN13,My Rating,Average Rating,Publisher,Binding,"
    "Number of Pages,Year Published,Original Publication Year,Date Read,Date Added,Bookshelves,"
    "Bookshelves with positions,Exclusive Shelf,My Review,Spoiler,Private Notes,Read Count,Owned Copies"
)
STORYGRAPH_HEADER = (
    "Title,Authors,Contributors,ISBN/UID,Format,Read Status,Date Added,Last Date Read,Dates Read,Read Count,"
    "Moods,Pace,Character- or Plot-Driven?,Strong Character Development?,Loveable Characters?,"
    "Diverse Characters?,Flawed Characters?,Star Rating,Review,Content Warnings,Content Warning Description,"
    "Tags,Owned?"
)
# As Goodreads writes them: ISBNs as ="…" formulas, a review over several lines with commas.
GOODREADS = GOODREADS_HEADER + "\r\n" + "\r\n".join([
    '12974372,"A Natural History of Dragons (The Memoirs of Lady Trent, #1)",Marie Brennan,"Brennan, Marie",,'
    '"=""0765331969""","=""9780765331960""",3,3.83,Tor Books,Hardcover,334,2013,2013,2014/01/05,2013/12/29,,,read,'
    '"Loved it, mostly.<br/>Dragons,\r\nand more dragons.",,,1,0',
    '63273108,Medusa\'s Sisters,Lauren J.A. Bear,"Bear, Lauren J.A.",,"=""0593547764""","=""9780593547762""",0,'
    '4.18,Ace,Hardcover,354,2023,2023,,2025/04/18,to-read,to-read (#105),to-read,,,,0,0',
    '23,Designing Data-Intensive Applications,Martin Kleppmann,"Kleppmann, Martin",,"=""""","=""9781449373320""",'
    '5,4.7,O\'Reilly,Paperback,600,2017,2017,,2025/01/02,currently-reading,,currently-reading,,,,0,0',
    '24,Abandoned,Some One,"One, Some","Two Other, Three Other","=""""","=""""",2,3,X,Y,100,2020,2020,,'
    '2025/02/02,did-not-finish,,did-not-finish,,,Private: gave up,0,0',
    '25,On A Shelf Of My Own,Some One,"One, Some",,"=""""","=""""",0,3,X,Y,100,2020,2020,,2025/02/03,'
    'favorites,,favorites,,,,0,0',
]) + "\r\n"
STORYGRAPH = STORYGRAPH_HEADER + "\n" + "\n".join([
    'Red Rising,"Pierce Brown, Someone Else",,9780345539786,paperback,read,2024/12/01,2025/09/12,'
    '"2025/03/01-2025/03/14, 2025/09/01-2025/09/12",2,,,,,,,,3.75,"Worse than I remembered,\nstill good",,,,No',
    'Pixelnix,Luna May,,B08ZYQT962,digital,to-read,2025/06/17,,,0,,,,,,,,,,,,,No',
    'Half Star,Ann Author,,,digital,did-not-finish,2025/06/17,,,0,,,,,,,,2.5,,,,,No',
    'Paused One,Ann Author,,,digital,paused,2025/06/18,,,0,,,,,,,,,,,,,No',
]) + "\n"


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode("utf-8"))
    return path


def books_by_title(run: Runner) -> dict[str, dict]:
    return {b["title"]: b for b in run.json("books")}


def test_a_goodreads_export_adds_books_ratings_and_shelves_as_events(run, tmp_path):
    path = write(tmp_path, "goodreads_library_export.csv", GOODREADS)
    out = run.ok("import", path).stdout
    assert "Loaded 5 books, 3 events" in out
    assert "shelf 'favorites' imports as to-read" in out
    books = books_by_title(run)
    dragons = books["A Natural History of Dragons (The Memoirs of Lady Trent, #1)"]
    assert dragons["slug"] == "a-natural-history-of-dragons"  # the series left out of the slug
    assert (dragons["status"], dragons["rating"], dragons["authors"]) == ("read", 3, ["Marie Brennan"])
    assert (books["Medusa's Sisters"]["status"], books["Medusa's Sisters"]["rating"]) == ("to-read", None)
    assert books["Designing Data-Intensive Applications"]["status"] == "reading"
    assert books["Abandoned"]["status"] == "stopped"
    assert books["Abandoned"]["authors"] == ["Some One", "Two Other", "Three Other"]
    assert books["On A Shelf Of My Own"]["status"] == "to-read"
    log = run.json("log")
    assert [(e["event"], e["book"], e["at"]) for e in log] == [
        ("done", "a-natural-history-of-dragons", "2014-01-05T12:00:00+01:00"),  # noon local, Date Read
        ("start", "designing-data-intensive-applications", "2025-01-02T12:00:00+01:00"),  # else Date Added
        ("stop", "abandoned", "2025-02-02T12:00:00+01:00"),
    ]
    library = {b["slug"]: b for b in json.loads(run.ok("backup").stdout)["library"]["books"]}
    assert library["a-natural-history-of-dragons"]["isbn"] == "9780765331960"
    assert library["a-natural-history-of-dragons"]["note"] == "Loved it, mostly.\nDragons,\r\nand more dragons."
    assert library["abandoned"]["note"] == "Private: gave up"
    assert library["a-natural-history-of-dragons"]["year"] == 2013
    change = run.json("history")[0]
    assert change["command"] == "import" and len(change["events"]) == 3
    assert run.ok("db", "check").stdout.strip() == "ok"  # the statuses set agree with the log


def test_the_import_reports_its_progress_as_rows_load(run, tmp_path, monkeypatch):
    """The hook a progress bar can use: called with the rows just loaded, all of them in the end."""
    from tests.conftest import DEFAULT_NOW
    from tracker.admin import open_library
    from tracker.library import import_files, read_files

    monkeypatch.setenv("TRACKER_NOW", DEFAULT_NOW)
    seen: list[int] = []
    lib = open_library(str(run.db), seed=False)
    try:
        read = read_files([str(write(tmp_path, "goodreads.csv", GOODREADS))])
        assert read.units == 5
        result = import_files(lib, read, progress=seen.append)
    finally:
        lib.dispose()
    assert sum(seen) == 5 and result.counts["events"] == 3


def test_a_second_import_of_the_same_file_changes_nothing(run, tmp_path):
    path = write(tmp_path, "goodreads.csv", GOODREADS)
    run.ok("import", path)
    books, history = run.json("books"), run.json("history")
    out = run.ok("import", path).stdout
    assert "nothing new" in out
    assert run.json("books") == books and run.json("history") == history


def test_the_import_is_one_change_that_one_undo_takes_back(run, tmp_path, unchanged):
    from tests.conftest import snapshot

    before = {k: v for k, v in snapshot(run.db).items() if k not in ("changes", "change_rows", "sqlite_sequence")}
    run.ok("import", write(tmp_path, "goodreads.csv", GOODREADS))
    run.ok("undo")
    after = {k: v for k, v in snapshot(run.db).items() if k not in ("changes", "change_rows", "sqlite_sequence")}
    assert after == before


def test_matching_books_are_updated_never_duplicated(run, tmp_path):
    run.ok("book", "add", "Designing Data-Intensive Applications", "--author", "Martin Kleppmann", "--slug", "ddia")
    run.ok("chapter", "add", "ddia", "1", "Reliable, Scalable, and Maintainable Applications")
    run.ok("read", "ddia", "1", "--done", "--on", "2025-03-01")  # all its chapters read: the book is read
    run.ok("book", "add", "Medusa's Sisters", "--author", "Lauren J.A. Bear")
    run.ok("book", "rate", "medusa-s-sisters", "4")
    out = run.ok("import", write(tmp_path, "goodreads.csv", GOODREADS)).stdout
    books = run.json("books")
    titles = [b["title"] for b in books]
    assert titles.count("Designing Data-Intensive Applications") == 1 and titles.count("Medusa's Sisters") == 1
    ddia = next(b for b in books if b["slug"] == "ddia")
    assert (ddia["status"], ddia["rating"]) == ("read", 5)  # matched by title and first author
    assert "read already and stays read" in out
    medusa = next(b for b in books if b["slug"] == "medusa-s-sisters")
    assert medusa["rating"] == 4  # the row's 0 is no rating: the book keeps its own
    assert [e["event"] for e in run.json("log") if e["book"] == "ddia"] == ["finish"]
    library = {b["slug"]: b for b in json.loads(run.ok("backup").stdout)["library"]["books"]}
    assert library["ddia"]["isbn"] == "9781449373320"  # what the book lacked is filled in


def test_rows_match_by_isbn_first_and_a_row_twice_in_a_file_is_one_book(run, tmp_path):
    text = GOODREADS_HEADER + "\n" + "\n".join([
        '1,Dragons,Marie Brennan,,,"=""""","=""9780765331960""",2,,,,,,,,2020/01/01,,,to-read,,,,0,0',
        '2,A Natural History of Dragons,M. Brennan,,,"=""0765331969""","=""""",4,,,,,,,2021/05/05,2020/01/01,,,'
        'read,,,,1,0',
    ]) + "\n"
    run.ok("import", write(tmp_path, "twice.csv", text))
    matching = [b for b in run.json("books") if b["title"] == "Dragons"]
    assert len(matching) == 1 and (matching[0]["rating"], matching[0]["status"]) == (4, "read")


def test_a_status_the_log_would_overrule_records_nothing_and_is_listed(run, tmp_path):
    run.ok("book", "add", "Later", "--author", "A")
    run.ok("chapter", "add", "later", "1", "One")
    run.ok("chapter", "add", "later", "2", "Two")
    run.ok("read", "later", "1", "--done", "--on", "2026-02-01")
    text = GOODREADS_HEADER + "\n" + '1,Later,A,,,"=""""","=""""",0,,,,,,,,2020/01/01,,,did-not-finish,,,,0,0\n'
    out = run.ok("import", write(tmp_path, "old.csv", text)).stdout
    assert "stays reading" in out and "nothing new" in out
    assert [e["event"] for e in run.json("log")] == ["finish"]


def test_a_storygraph_export(run, tmp_path):
    out = run.ok("import", write(tmp_path, "storygraph.csv", STORYGRAPH)).stdout
    assert "StoryGraph" in out and "shelf 'paused' imports as to-read" in out
    books = books_by_title(run)
    red = books["Red Rising"]
    assert (red["status"], red["rating"], red["authors"]) == ("read", 4, ["Pierce Brown", "Someone Else"])
    assert (books["Half Star"]["status"], books["Half Star"]["rating"]) == ("stopped", 3)  # 2.5 rounds half up
    assert books["Pixelnix"]["status"] == "to-read" and books["Paused One"]["status"] == "to-read"
    assert [(e["event"], e["at"][:10]) for e in run.json("log")] == [("stop", "2025-06-17"), ("done", "2025-09-12")]
    library = {b["slug"]: b for b in json.loads(run.ok("backup").stdout)["library"]["books"]}
    assert library["red-rising"]["isbn"] == "9780345539786" and "isbn" not in library["pixelnix"]
    assert library["red-rising"]["note"] == "Worse than I remembered,\nstill good"


@pytest.mark.parametrize("text, words", [
    ("Name,Rating\nA,3\n", ("neither Goodreads", "StoryGraph")),
    ("", ("neither Goodreads",)),
    (GOODREADS_HEADER + '\n1,T,A,,,,,9,,,,,,,,,,,read,,,,0,0\n', ("row 2", "My Rating", "0 to 5")),
    (GOODREADS_HEADER + '\n1,T,A,,,,,3,,,,,,,31/12/2020,,,,read,,,,0,0\n', ("row 2", "Date Read", "not a date")),
    (GOODREADS_HEADER + '\n1,,A,,,,,3,,,,,,,,,,,read,,,,0,0\n', ("row 2", "no Title")),
    (STORYGRAPH_HEADER + '\nT,A,,,,read,2025/01/01,,,,,,,,,,,lots,,,,,No\n', ("Star Rating", "lots")),
])
def test_bad_csv_files_are_refused_naming_the_file(run, tmp_path, unchanged, text, words):
    path = write(tmp_path, "export.csv", text)
    with unchanged(run.db):
        line = run.error("import", path)
    assert str(path) in line and all(w in line for w in words), line


@pytest.mark.parametrize("kind", ["missing", "folder", "binary"])
def test_unreadable_csv_files_are_refused(run, tmp_path, unchanged, kind):
    path = tmp_path / "export.csv"
    if kind == "folder":
        path.mkdir()
    elif kind == "binary":
        path.write_bytes(b"\xff\xfe\x00garbage")
    with unchanged(run.db):
        line = run.error("import", path)
    assert str(path) in line


def test_export_goodreads_writes_the_24_columns_and_guards_formulas(run, tmp_path):
    run.ok("book", "add", "=HYPERLINK(\"http://evil\")", "--author", "@Someone", "--slug", "evil")
    run.ok("book", "rate", "evil", "2")
    run.ok("import", write(tmp_path, "goodreads.csv", GOODREADS))
    out = run.ok("export", "--format", "goodreads").stdout
    rows = list(csv.reader(io.StringIO(out, newline="")))
    assert ",".join(rows[0]) == GOODREADS_HEADER and all(len(r) == 24 for r in rows)
    by_title = {r[1]: dict(zip(rows[0], r)) for r in rows[1:]}
    evil = by_title["'=HYPERLINK(\"http://evil\")"]
    assert evil["Author"] == "'@Someone" and evil["My Rating"] == "2"
    dragons = by_title["A Natural History of Dragons (The Memoirs of Lady Trent, #1)"]
    assert (dragons["ISBN"], dragons["ISBN13"]) == ('="0765331969"', '="9780765331960"')
    assert (dragons["Exclusive Shelf"], dragons["Date Read"], dragons["My Rating"]) == ("read", "2014/01/05", "3")
    assert by_title["Abandoned"]["Exclusive Shelf"] == "did-not-finish"
    assert by_title["Abandoned"]["Additional Authors"] == "Two Other, Three Other"
    assert by_title["Abandoned"]["Author l-f"] == "One, Some"
    one = run.ok("export", "--format", "goodreads", "--book", "evil").stdout
    assert len(list(csv.reader(io.StringIO(one, newline="")))) == 2
    assert "--since" in run.error("export", "--format", "goodreads", "--since", "2020-01-01")


def test_export_goodreads_round_trips_into_an_empty_library(run, tmp_path):
    run.ok("import", write(tmp_path, "goodreads.csv", GOODREADS))
    run.ok("read", "inference-engineering", "1", "--done", "--on", "2026-02-01")
    run.ok("book", "rate", "inference-engineering", "5")
    run.ok("book", "stop", "ultrascale-playbook")
    run.ok("book", "add", "=cmd|' /C calc'!A0", "--slug", "formula")
    exported = tmp_path / "books.csv"
    run.ok("export", "--format", "goodreads", "-o", exported)
    other = Runner(tmp_path / "other.db")
    other.ok("init", "--empty")
    other.ok("import", exported)

    def shelf(r: Runner) -> list[tuple]:
        return sorted((b["title"], tuple(b["authors"]), b["rating"], b["status"]) for b in r.json("books"))

    assert shelf(other) == shelf(run)
    assert other.ok("import", exported).stdout.startswith("Loaded nothing new")


def test_a_book_matched_by_isbn_gets_the_authors_it_lacked(run, tmp_path):
    toml = tmp_path / "mine.toml"
    toml.write_text('[[books]]\nslug = "nameless"\ntitle = "Nameless"\nisbn = "978-0-7653-3196-0"\n', encoding="utf-8")
    run.ok("import", toml)
    text = GOODREADS_HEADER + "\n" + '1,Other Title,Marie Brennan,,Ann Other,"=""""","=""9780765331960""",4,,,,,,,,' \
        '2020/01/01,,,to-read,,,,0,0\n'
    run.ok("import", write(tmp_path, "isbn.csv", text))
    book = next(b for b in run.json("books") if b["slug"] == "nameless")
    assert (book["title"], book["authors"], book["rating"]) == ("Nameless", ["Marie Brennan", "Ann Other"], 4)
    run.ok("undo")
    book = next(b for b in run.json("books") if b["slug"] == "nameless")
    assert (book["authors"], book["rating"]) == ([], None)


def test_a_dry_run_of_an_export_says_what_it_would_load_and_changes_nothing(run, tmp_path, unchanged):
    with unchanged(run.db):
        out = run.ok("import", "--dry-run", write(tmp_path, "goodreads.csv", GOODREADS)).stdout
    assert out.startswith("Would load 5 books, 3 events from 1 file.")
    assert "(Goodreads, 5 rows): 5 books added, 0 updated, 3 status events" in out


def test_books_without_chapters_say_so_and_today_says_how_to_add_them(fresh, tmp_path):
    """After a Goodreads import, books have no chapters: no empty 0/0 bar, and `today`
    says the book being read needs its chapters (not 'no book in progress')."""
    import re

    fresh.ok("init", "--empty")
    fresh.ok("import", write(tmp_path, "goodreads.csv", GOODREADS))
    slug = "designing-data-intensive-applications"
    books = fresh.ok("books").stdout
    assert "0/0" not in books and "░" not in books
    line = next(line for line in books.splitlines() if line.startswith(slug))
    assert "reading" in line and "no chapters" in line
    shown = fresh.ok("show", slug).stdout
    assert "0/0" not in shown and "░" not in shown
    assert f"{slug} · reading · no chapters (add them: tracker chapter add {slug} 1 TITLE)" in shown
    today = fresh.ok("today").stdout
    assert "no book in progress" not in today
    assert today.startswith(f"Nothing to revisit today. Designing Data-Intensive Applications ({slug}), which you "
                            "are reading, has no chapters yet;")
    assert f"tracker import toc.txt --slug {slug}" in today and f"tracker chapter add {slug} 1 TITLE" in today
    second = GOODREADS_HEADER + "\r\n" + ('26,Second Book,Some One,"One, Some",,"=""""","=""""",0,3,X,Y,100,2020,'
                                           '2020,,2025/02/04,currently-reading,,currently-reading,,,,0,0\r\n')
    fresh.ok("import", write(tmp_path, "second.csv", second))
    assert fresh.ok("today").stdout.startswith(
        f"Nothing to revisit today. 2 books you are reading ({slug}, second-book) have no chapters yet;")
    fresh.ok("chapter", "add", slug, "1", "Reliable, Scalable, and Maintainable Applications")
    assert "Continue reading" in fresh.ok("today").stdout and "no chapters" not in fresh.ok("today").stdout
    report = tmp_path / "report.html"
    fresh.ok("report", "-o", report)
    page = report.read_text(encoding="utf-8")
    assert not re.search(r"\b0 of 0\b", page) and "no chapters" in page
