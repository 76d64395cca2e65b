"""`export` (SPEC §3, §5.3): each format parsed back by an independent reader."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from tests.data_scenario import EVIL_TITLE, FORMULA_NOTES, IE, LONG_NOTE, ODD_NOTE, populate

HEADER = ["id", "at", "book", "book_title", "chapter", "chapter_title", "resource", "event", "minutes",
          "percent", "pages", "rating", "until", "note"]


@pytest.fixture
def full(run):
    populate(run)
    return run


def test_csv_parses_back_with_the_fixed_header_and_every_event(full, tmp_path):
    log = full.json("log")
    out = tmp_path / "log.csv"
    result = full.ok("export", "-o", out)
    assert f"{len(log)} events" in result.stderr
    raw = out.read_bytes()
    assert raw.startswith(b"id,at,book,book_title,chapter,chapter_title,resource,event,minutes,percent,pages,"
                          b"rating,until,note\r\n")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8"), newline="")))
    assert rows[0] == HEADER
    body = [dict(zip(HEADER, r)) for r in rows[1:]]
    assert len(body) == len(log)
    titles = {b["slug"]: b["title"] for b in full.json("books")}
    for row, event in zip(body, log):
        for key in HEADER:
            if key == "book_title":
                expected = titles.get(event["book"]) if event["book"] else None
            else:
                expected = event[key]
            if expected is None:
                assert row[key] == "", (key, row)
            elif isinstance(expected, str) and expected.startswith(("=", "+", "-", "@", "\t", "\r")):
                assert row[key] == "'" + expected  # the formula-injection guard
            else:
                assert row[key] == str(expected), (key, row)
    notes = [r["note"] for r in body]
    assert ODD_NOTE in notes and LONG_NOTE in notes  # newlines, quotes, CJK, emoji, RTL kept
    for text in FORMULA_NOTES:
        assert "'" + text in notes
    assert "'" + EVIL_TITLE in {r["book_title"] for r in body}
    # stdout gives the same bytes
    assert full.ok("export", "--format", "csv").stdout_bytes == raw


def test_json_and_jsonl_are_the_log_json_shape(full, tmp_path):
    log = full.json("log")
    exported = json.loads(full.ok("export", "--format", "json").stdout)
    assert exported == log
    lines = full.ok("export", "--format", "jsonl").stdout.splitlines()
    assert [json.loads(line) for line in lines] == log
    for item in exported:
        assert set(item) >= {"id", "at", "book", "chapter", "chapter_title", "resource", "event", "minutes",
                             "percent", "pages", "rating", "until", "note"}
    out = tmp_path / "log.jsonl"
    full.ok("export", "--format", "jsonl", "-o", out)
    assert [json.loads(x) for x in out.read_text(encoding="utf-8").splitlines()] == log


def test_filters_since_until_book(full):
    log = full.json("log")
    some = json.loads(full.ok("export", "--format", "json", "--since", "4 days ago", "--until", "yesterday").stdout)
    assert some and len(some) < len(log)
    assert some == full.json("log", "--since", "4 days ago", "--until", "yesterday")
    mine = json.loads(full.ok("export", "--format", "json", "--book", "evil-book").stdout)
    assert mine and {e["book"] for e in mine} == {"evil-book"}
    empty = json.loads(full.ok("export", "--format", "json", "--since", "in 30 days").stdout)
    assert empty == []
    rows = list(csv.reader(io.StringIO(full.ok("export", "--since", "in 30 days").stdout)))
    assert rows == [HEADER]


def test_markdown_is_a_journal_by_day_then_book(full):
    md = full.ok("export", "--format", "md").stdout
    lines = md.splitlines()
    assert lines[0] == "# Reading journal"
    days = [line for line in lines if line.startswith("## ")]
    assert days[0].startswith("## Tuesday 24 February 2026")  # 6 days before Monday 2 March
    assert any(d.startswith("## Sunday 1 March 2026") for d in days)
    assert "### Inference Engineering (inference-engineering)" in lines
    assert "### =Evil; Book, with \\\\ backslash (evil-book)" in lines
    assert any(line.startswith("- ") and "Revisited 0 Inference" in line and "good" in line and "10 min" in line
               for line in lines)
    # A multi-line note stays inside its bullet, quoted line by line (its breaks kept: two spaces).
    assert '  > multi  ' in lines and '  > line "quoted", semi; back\\\\slash  ' in lines
    assert "日本語 emoji 🎉📚 RTL שלום" in md
    assert "No longer a favourite: 2 Models" in md and "Break until" in md
    # Days come in order, each once.
    assert len(days) == len(set(days))
    filtered = full.ok("export", "--format", "md", "--book", "evil-book").stdout
    assert "Inference Engineering" not in filtered and "evil-book" in filtered


def test_ics_is_a_calendar_of_favourites_with_stable_uids(full, tmp_path):
    icalendar = pytest.importorskip("icalendar")
    first = tmp_path / "a.ics"
    full.ok("export", "--format", "ics", "-o", first)
    raw = first.read_bytes()
    # CRLF everywhere, folded at 75 octets, never inside a UTF-8 character.
    assert raw.endswith(b"\r\n")
    physical = raw.split(b"\r\n")[:-1]
    assert b"\n" not in b"".join(physical) and b"\r" not in b"".join(physical)
    for line in physical:
        assert len(line) <= 75, line
        line.decode("utf-8")  # each physical line is whole UTF-8
    assert any(line.startswith(b" ") for line in physical)  # something was folded
    cal = icalendar.Calendar.from_ical(raw)
    assert str(cal["VERSION"]) == "2.0" and "PRODID" in cal and str(cal["METHOD"]) == "PUBLISH"
    events = [e for e in cal.walk("VEVENT") if str(e["STATUS"]) == "CONFIRMED"]
    agenda = full.json("agenda", "--days", "60")
    cards = {(r["book"], r["chapter"]): d["date"] for d in agenda for r in d["revisits"]}
    # favourites: IE 0, IE 1, evil-book 1; IE 2 was unfavourited: cancelled (tests/test_ics.py)
    assert len(events) == 3 == len(cards)
    assert [str(e["UID"]) for e in cal.walk("VEVENT") if str(e["STATUS"]) == "CANCELLED"] == [
        f"chapter-{IE}-2@tracker"]
    by_uid = {str(e["UID"]): e for e in events}
    assert set(by_uid) == {f"chapter-{b}-{n}@tracker" for b, n in cards}
    for (book, number), day in cards.items():
        event = by_uid[f"chapter-{book}-{number}@tracker"]
        start = event.decoded("DTSTART")
        assert start.isoformat() == day or day == agenda[0]["date"]  # overdue ones sit at their due date
        assert str(event["SUMMARY"]).startswith("Revisit ")
    evil = by_uid["chapter-evil-book-1@tracker"]
    assert str(evil["SUMMARY"]) == f"Revisit {EVIL_TITLE} 1 Δ Über chapter; one, two"  # unescaped by the parser
    assert b"SUMMARY:Revisit =Evil\\; Book\\, with \\\\ backslash 1" in raw.replace(b"\r\n ", b"")
    assert "tracker revisit evil-book 1 good" in str(evil["DESCRIPTION"])
    # A second export, after a revisit, keeps every UID: a calendar re-import updates.
    full.ok("revisit", IE, "0", "good")
    second = tmp_path / "b.ics"
    full.ok("export", "--format", "ics", "-o", second)
    again = {str(e["UID"]): e for e in icalendar.Calendar.from_ical(second.read_bytes()).walk("VEVENT")
             if str(e["STATUS"]) == "CONFIRMED"}
    assert set(again) == set(by_uid)
    moved = again[f"chapter-{IE}-0@tracker"]
    assert moved.decoded("DTSTART") != by_uid[f"chapter-{IE}-0@tracker"].decoded("DTSTART")
    assert int(moved["SEQUENCE"]) > int(by_uid[f"chapter-{IE}-0@tracker"]["SEQUENCE"])


def test_ics_folding_of_long_multibyte_text(run):
    icalendar = pytest.importorskip("icalendar")
    title = "長い章の題名" * 20 + " 🎉" * 10
    run.ok("book", "add", "Wide", "--slug", "wide")
    run.ok("chapter", "add", "wide", "1", title)
    run.ok("read", "wide", "1", "--done", "--on", "yesterday")
    run.ok("fav", "wide", "1", "--on", "yesterday")
    raw = run.ok("export", "--format", "ics").stdout_bytes
    for line in raw.split(b"\r\n"):
        assert len(line) <= 75
        line.decode("utf-8")
    (event,) = icalendar.Calendar.from_ical(raw).walk("VEVENT")
    assert str(event["SUMMARY"]) == f"Revisit Wide 1 {title}"


def test_empty_calendar_still_parses(run):
    icalendar = pytest.importorskip("icalendar")
    raw = run.ok("export", "--format", "ics").stdout_bytes
    assert raw.startswith(b"BEGIN:VCALENDAR\r\n") and raw.endswith(b"END:VCALENDAR\r\n")
    assert icalendar.Calendar.from_ical(raw).walk("VEVENT") == []


# --- bad inputs --------------------------------------------------------------------------


def test_existing_file_needs_force(full, tmp_path, unchanged):
    out = tmp_path / "log.csv"
    out.write_text("precious", encoding="utf-8")
    with unchanged(full.db):
        line = full.error("export", "-o", out)
    assert "exists" in line and "--force" in line
    assert out.read_text(encoding="utf-8") == "precious"
    full.ok("export", "-o", out, "--force")
    assert out.read_text(encoding="utf-8").startswith("id,at,book")
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # no temp file left


def test_missing_folder_is_refused(full, tmp_path):
    target = tmp_path / "nope" / "log.csv"
    line = full.error("export", "-o", target)
    assert "does not exist" in line
    assert not target.parent.exists()


def test_unknown_format_is_one_line(full):
    line = full.error("export", "--format", "pdf")
    assert "pdf" in line and "csv" in line


def test_failure_leaves_no_file(full, tmp_path):
    out = tmp_path / "log.csv"
    line = full.error("export", "-o", out, "--book", "no-such-book")
    assert "no-such-book" in line
    assert list(tmp_path.iterdir()) == [] or all(p.name == "tracker.db" or p.name.startswith("tracker.db")
                                                   for p in tmp_path.iterdir())
    line = full.error("export", "-o", out, "--since", "not a date at all")
    assert not out.exists()


def test_export_to_a_folder_is_refused(full, tmp_path):
    folder = tmp_path / "dir"
    folder.mkdir()
    assert "folder" in full.error("export", "-o", folder)


def test_export_does_not_create_a_database_when_refused(fresh, tmp_path):
    target = tmp_path / "missing" / "x.csv"
    fresh.error("export", "-o", target)
    assert not Path(str(fresh.db)).exists()


def test_a_link_keeps_pointing_at_the_new_file_and_a_device_is_written_into(run, tmp_path, unchanged):
    """-o through a symbolic link replaces the file it points to (with --force), not the
    link; a device (here /dev/null) is written into, not replaced by a file."""
    import os
    import stat

    real, link = tmp_path / "real.csv", tmp_path / "link.csv"
    real.write_text("old\n", encoding="utf-8")
    link.symlink_to(real)
    with unchanged(run.db):
        refused = run("export", "-o", link)
    assert refused.exit_code == 2 and "exists; add --force" in refused.stderr
    run.ok("export", "-o", link, "--force")
    assert link.is_symlink() and os.readlink(link) == str(real)
    assert real.read_text(encoding="utf-8").startswith("id,at,book")
    run.ok("report", "-o", "/dev/null")
    run.ok("backup", "/dev/null")
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)
