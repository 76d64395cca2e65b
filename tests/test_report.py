"""`report` (SPEC §3, §5.4): one self-contained HTML page; each chart titled, with a text
alternative and its numbers in a table, those numbers the ones `stats`, `agenda` and
`books` give; the bad inputs of issue 15. The page in a real browser: test_report_browser.py."""

from __future__ import annotations

import os
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from tests.data_scenario import IE, populate

CHARTS = ("heatmap", "weeks", "retention", "ahead", "books", "favourites")


class Page(HTMLParser):
    """The parts of the page the tests read: figures with their svg and tables, every tag
    and attribute, and the visible text."""

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str]]] = []
        self.figures: dict[str, dict[str, object]] = {}
        self.sections: set[str] = set()
        self._figure: str | None = None
        self._cell: list[str] | None = None
        self._row: list[str] | None = None
        self._svg_title = False
        self.text: list[str] = []
        self.feed(text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        self.tags.append((tag, a))
        if tag == "figure":
            self._figure = a["id"]
            self.figures[a["id"]] = {"svg": [], "tables": [], "titles": []}
        elif tag == "section":
            self.sections.add(a.get("id", ""))
        elif tag == "svg" and self._figure:
            self.figures[self._figure]["svg"].append(a)  # type: ignore[union-attr]
        elif tag == "title" and self._figure:
            self._svg_title = True
        elif tag == "table" and self._figure:
            self.figures[self._figure]["tables"].append([])  # type: ignore[union-attr]
        elif tag == "tr" and self._figure:
            self._row = []
        elif tag in ("td", "th") and self._row is not None:
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag == "figure":
            self._figure = None
        elif tag == "title":
            self._svg_title = False
        elif tag in ("td", "th") and self._cell is not None and self._row is not None:
            self._row.append("".join(self._cell).strip())
            self._cell = None
        elif tag == "tr" and self._row is not None and self._figure:
            self.figures[self._figure]["tables"][-1].append(self._row)  # type: ignore[index]
            self._row = None

    def handle_data(self, data: str) -> None:
        self.text.append(data)
        if self._cell is not None:
            self._cell.append(data)
        if self._svg_title and self._figure and not self.figures[self._figure]["titles"]:
            self.figures[self._figure]["titles"].append(data)  # type: ignore[union-attr]

    def table(self, chart: str, index: int = -1) -> list[list[str]]:
        return self.figures[chart]["tables"][index]  # type: ignore[index]


@pytest.fixture
def reader(run):
    populate(run)
    return run


def make(run, tmp_path: Path, *args: str, name: str = "report.html") -> Page:
    out = tmp_path / name
    result = run.ok("report", "-o", out, *args)
    assert out.as_uri() in result.stderr
    return Page(out.read_text(encoding="utf-8"))


def test_every_chart_is_titled_described_and_tabled(reader, tmp_path):
    page = make(reader, tmp_path)
    assert set(page.figures) == set(CHARTS)
    for key in CHARTS:
        figure = page.figures[key]
        (chart,) = figure["svg"]  # type: ignore[misc]
        assert chart["role"] == "img" and len(chart["aria-label"]) > 40, key
        assert figure["titles"] and figure["titles"][0].strip(), key  # type: ignore[index]
        assert figure["tables"] and all(len(t) > 1 for t in figure["tables"]), key  # type: ignore[union-attr]
    assert "totals" in page.sections


def test_the_page_loads_nothing_and_runs_nothing(reader, tmp_path):
    out = tmp_path / "r.html"
    reader.ok("report", "-o", out)
    raw = out.read_text(encoding="utf-8")
    page = Page(raw)
    names = {tag for tag, _ in page.tags}
    assert not names & {"script", "img", "link", "iframe", "object", "embed", "image", "use", "audio", "video"}
    for tag, attrs in page.tags:
        assert not {"src", "href", "srcset", "xlink:href", "action"} & set(attrs), (tag, attrs)
        assert not any(k.startswith("on") for k in attrs), (tag, attrs)
    assert "url(" not in raw and "@import" not in raw and "javascript:" not in raw
    policy = next(a["content"] for t, a in page.tags if t == "meta" and a.get("http-equiv") == "Content-Security-Policy")
    assert "default-src 'none'" in policy


def test_the_numbers_are_those_of_stats_agenda_and_books(reader, tmp_path):
    page = make(reader, tmp_path)
    stats = reader.json("stats")
    weeks = page.table("weeks")[1:]
    assert [(r[0], int(r[2].replace(",", "")), int(r[3]), int(r[4])) for r in weeks] == [
        (w["week"], w["minutes"], w["chapters"], w["revisits"]) for w in stats["weeks"]]
    months = page.table("retention")[1:]
    assert sum(int(r[1]) for r in months) == stats["revisits"]
    assert f"{round(stats['true_retention'] * 100)}%" in "".join(page.text)
    agenda = reader.json("agenda", "--days", "90")
    assert [(r[0], int(r[1])) for r in page.table("ahead")[1:]] == [(d["date"], len(d["revisits"])) for d in agenda]
    books = {b["slug"]: b for b in reader.json("books") if b["status"] in ("reading", "read")}
    rows = page.table("books")[1:]
    assert {r[1]: (r[2], int(r[3]), int(r[4])) for r in rows} == {
        s: (b["status"], b["read"], b["total"]) for s, b in books.items()}
    favourites = page.table("favourites")
    due = {(slug, c["number"]): c["due"] for slug in (IE, "evil-book")
           for c in reader.json("show", slug)["chapters"] if c["favourite"]}
    assert {(r[0], r[1]): r[4] for r in favourites[1:]} == due and len(favourites) - 1 == len(due) == 3
    assert [r[4] for r in favourites[1:]] == sorted(due.values())  # next due first
    assert all(re.fullmatch(r"\d{1,3}%", r[3]) for r in favourites[1:])
    bands = page.table("favourites", 0)
    assert sum(int(r[1]) for r in bands[1:]) == 3
    minutes_by_day = {}
    for row in page.table("heatmap")[1:]:
        for weekday, cell in enumerate(row[1:]):
            if cell:
                minutes_by_day[(row[0], weekday)] = int(cell.replace(",", ""))
    assert sum(minutes_by_day.values()) == sum(d["minutes"] for d in stats["heatmap"])


def test_the_cap_is_drawn_on_the_days_ahead(reader, tmp_path):
    reader.ok("config", "max_revisits_per_day", "7")
    out = tmp_path / "r.html"
    reader.ok("report", "-o", out)
    raw = out.read_text(encoding="utf-8")
    ahead = raw[raw.index('id="ahead-chart"'):raw.index("</svg>", raw.index('id="ahead-chart"'))]
    assert 'class="cap"' in ahead and "max_revisits_per_day: 7" in ahead and "cap 7 a day" in ahead


def test_the_reader_s_text_is_escaped(run, tmp_path):
    run.ok("book", "add", "<script>alert(1)</script> & <b>bold</b>", "--slug", "odd")
    run.ok("chapter", "add", "odd", "1", '"><svg onload=x>')
    run.ok("read", "odd", "1", "--done", "--minutes", "5", "--on", "yesterday")
    run.ok("fav", "odd", "1", "--on", "yesterday")
    out = tmp_path / "r.html"
    run.ok("report", "-o", out)
    page = Page(out.read_text(encoding="utf-8"))
    assert not {tag for tag, _ in page.tags} & {"script", "b"}
    text = "".join(page.text)
    assert "<script>alert(1)</script> & <b>bold</b>" in text and '"><svg onload=x>' in text


def test_a_year_limits_the_history(reader, tmp_path):
    page = make(reader, tmp_path, "--year", "2026")
    stats = reader.json("stats", "--year", "2026")
    assert set(page.figures) == set(CHARTS)
    assert [r[0] for r in page.table("weeks")[1:]] == [w["week"] for w in stats["weeks"]]
    assert page.table("heatmap")[1][0] == "2026-02-23"  # the table: from the first week with reading
    heat = page.figures["heatmap"]["svg"][0]["aria-label"]  # type: ignore[index]
    assert "from 2026-01-01 to 2026-03-02" in heat  # the calendar: the whole year so far
    assert [r[0] for r in page.table("retention")[1:]] == ["2026-01", "2026-02", "2026-03"]


def test_the_default_file_is_in_the_current_folder(reader, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    reader.ok("report")
    assert (tmp_path / "tracker-report.html").read_text(encoding="utf-8").startswith("<!DOCTYPE html>")


def test_an_empty_library_says_so(run, tmp_path):
    page = make(run, tmp_path)
    assert "No reading or revisits logged yet" in "".join(page.text)
    assert not page.figures.keys() - {"ahead"}  # nothing to chart but the (empty) days ahead
    assert {"books", "favourites"} <= page.sections


# --- bad inputs --------------------------------------------------------------------------


def test_an_existing_file_needs_force(reader, tmp_path, unchanged):
    out = tmp_path / "r.html"
    out.write_text("precious", encoding="utf-8")
    with unchanged(reader.db):
        line = reader.error("report", "-o", out)
    assert "exists" in line and "--force" in line
    assert out.read_text(encoding="utf-8") == "precious"
    reader.ok("report", "-o", out, "--force")
    assert out.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # no temp file left


def test_a_year_without_reading_says_so(reader, tmp_path):
    page = make(reader, tmp_path, "--year", "1950")
    assert "No reading or revisits logged in 1950." in "".join(page.text)
    assert set(page.figures) == {"ahead", "books", "favourites"}  # the days ahead stay; no empty history


def test_a_year_out_of_range_is_refused(reader, tmp_path):
    out = tmp_path / "r.html"
    line = reader.error("report", "--year", "1850", "-o", out)
    assert "--year must be from 1900 to 2200, got 1850" in line
    assert not out.exists()
    assert reader.error("report", "--year", "nineteen", "-o", out).startswith("Error: ")
    out.write_text("precious", encoding="utf-8")  # the year is what is wrong, not the file
    assert "--year must be from 1900 to 2200" in reader.error("report", "--year", "1850", "-o", out)


def test_an_unwritable_path_fails_with_no_file(reader, tmp_path):
    if os.geteuid() == 0:  # root writes into any folder it may list: sysfs refuses new files
        folder = Path("/sys")
    else:
        folder = tmp_path / "locked"
        folder.mkdir()
        folder.chmod(0o555)
    target = folder / "tracker-report-test.html"
    before = sorted(p.name for p in folder.iterdir())
    try:
        line = reader.error("report", "-o", target, code=1)
        assert str(target) in line
        assert not target.exists() and sorted(p.name for p in folder.iterdir()) == before
    finally:
        if folder != Path("/sys"):
            folder.chmod(0o755)


def test_a_missing_folder_is_refused(reader, tmp_path):
    line = reader.error("report", "-o", tmp_path / "nope" / "r.html")
    assert "does not exist" in line


@pytest.mark.sqlite_only
def test_times_at_the_ends_of_the_calendar_still_report(run, tmp_path):
    import sqlite3

    run.ok("read", IE, "0", "--minutes", "20", "--on", "yesterday")
    conn = sqlite3.connect(run.db)
    with conn:
        for at in ("9999-12-31 23:30:00.000000", "1899-12-31 23:10:00.000000"):  # outside 1900–2200
            conn.execute("INSERT INTO events (at, kind, book_id, minutes) VALUES (?, 'read', "
                         "(SELECT id FROM books WHERE slug = ?), 7)", (at, IE))
    conn.close()
    assert run.json("stats")["minutes"] == 34
    page = make(run, tmp_path, "--year", "2026")
    assert sum(int(r[2]) for r in page.table("weeks")[1:]) == 20
    page = make(run, tmp_path, name="all.html")  # all time: from 1899 to now
    weeks = page.table("weeks")[1:]
    assert weeks[0][1] == "1899-12-25" and sum(int(r[2].replace(",", "")) for r in weeks) == 27


def test_counts_of_one_are_singular_and_the_median_is_the_middle(run, tmp_path):
    """One revisit, a streak of one day, a favourite one day overdue, a book of one chapter:
    no "1 days", "1 revisits", "1 favourites"; the median of two recalls is their mean."""
    run.ok("book", "add", "Short", "--slug", "short")
    run.ok("chapter", "add", "short", "1", "Only")
    run.ok("read", "short", "1", "--done", "--minutes", "1", "--on", "2026-02-27T08:00")
    run.ok("read", IE, "0", "--done", "--on", "2026-02-27T09:00")
    run.ok("read", IE, "1", "--done", "--on", "2026-02-27T09:00")
    run.ok("fav", IE, "0", "--on", "2026-02-27T10:00")  # due 03-01: one day overdue
    run.ok("fav", IE, "1")  # now: recall 100%
    run.ok("revisit", IE, "0", "good")
    run.ok("unfav", IE, "0")
    run.ok("fav", IE, "0")  # resumed as it was: recall just under 100%, due ahead
    run.ok("read", IE, "2", "--done", "--on", "2026-02-20")
    run.ok("fav", IE, "2", "--on", "2026-02-28T09:00", "--rating", "again")  # due 03-01: overdue 1 day
    page = make(run, tmp_path)
    text = " ".join("".join(page.text).split())
    html = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert not re.search(r"(?<![\d,.])1 (days|revisits|favourites|favourite chapters|weeks|minutes|books|chapters)\b",
                         html), re.findall(r".{40}(?<![\d,.])1 (?:days|revisits|favourites|weeks|minutes|books|chapters)"
                                           r"\b.{20}", html)
    assert "Current streak1 dayLongest streak1 day" in "".join(page.text)  # <dt> then <dd>
    assert ["1 day"] == [r[5] for r in page.table("favourites")[1:] if r[5]]
    recalls = sorted(run.json("card", IE, n)["recall"] for n in ("0", "1", "2"))
    assert f"median {recalls[1] * 100:.0f}%" in text  # three: the middle one
    run.ok("unfav", IE, "0")
    two = sorted(run.json("card", IE, n)["recall"] for n in ("1", "2"))
    text = " ".join("".join(make(run, tmp_path, "--force").text).split())
    assert f"median {(two[0] + two[1]) * 50:.0f}%" in text  # two: their mean, not the higher one
    assert f"{(two[0] + two[1]) * 50:.0f}" != f"{two[1] * 100:.0f}", two
