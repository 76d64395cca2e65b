"""Human output (SPEC §3, the paragraph after the JSON shapes): `read` says where the
chapter stands, `show` and `today`'s "continue" show that progress for chapters being
read; off a terminal nothing is cut, on a terminal lines fit its width."""

from __future__ import annotations

import datetime as dt
import os
import re

import pytest

from tests import terminal
from tracker.cli import render
from tracker.progress import progress

IE = "inference-engineering"
LONG = "A Chapter Title Long Enough To Be Cut On Any Terminal That Is Narrower Than One Hundred Columns"


# --- progress -------------------------------------------------------------------------


def test_read_says_where_the_chapter_stands(run):
    run.ok("chapter", "add", IE, "8", "Epilogue", "--pages", "35")
    assert run.ok("read", IE, "8", "--pages", "15").stdout == f"Logged reading of {IE} 8 Epilogue; 15/35 pages read.\n"
    assert "; 35/35 pages read." in run.ok("read", IE, "8", "--pages", "20").stdout  # pages add up
    assert run.ok("read", IE, "5.1", "--percent", "40").stdout.endswith("Quantization; 40% read.\n")
    assert "; 25% read." in run.ok("read", IE, "5.1", "--percent", "25").stdout  # the latest percent wins
    assert run.ok("read", IE, "5.2", "--pages", "1").stdout.endswith("; 1 page read.\n")  # length unknown
    assert run.ok("read", IE, "5.3", "--minutes", "10").stdout == f"Logged reading of {IE} 5.3 Caching.\n"
    assert run.ok("read", IE, "8", "--done").stdout.startswith(f"Finished {IE} 8 Epilogue.")


def test_finishing_a_chapter_says_it_finished_its_sections(run):
    assert run.ok("read", IE, "1", "--done").stdout.startswith(
        f"Finished {IE} 1 Prerequisites and its 4 sections.\n")
    run.ok("read", IE, "5.1.2", "--done")
    assert run.ok("read", IE, "5", "--done").stdout.startswith(
        f"Finished {IE} 5 Techniques and the 11 of its 12 sections not read yet.\n")
    assert run.ok("read", IE, "0", "--done").stdout.startswith(f"Finished {IE} 0 Inference.\n")  # none
    assert run.ok("read", IE, "7.1", "--done").stdout.startswith(f"Finished {IE} 7.1 ")  # a section


def test_a_session_that_got_nowhere_says_only_that_it_was_logged(run):
    assert run.ok("read", IE, "2.1").stdout == f"Logged reading of {IE} 2.1 Neural Networks.\n"
    assert run.ok("read", IE, "2.1", "--pages", "0").stdout == f"Logged reading of {IE} 2.1 Neural Networks.\n"
    assert run.ok("read", IE, "2.1").stdout == f"Logged reading of {IE} 2.1 Neural Networks.\n"  # not "0 pages"
    assert run.ok("read", IE, "2.2", "--percent", "0").stdout.endswith("Mechanics.\n")
    assert run.ok("read", IE, "2.1", "--pages", "3").stdout.endswith("; 3 pages read.\n")
    assert run.ok("read", IE, "2.1", "--minutes", "5").stdout.endswith("; 3 pages read.\n")  # where it stands
    assert run.json("show", IE)["chapters"][10]["progress"] is None  # 2.2: 0% is nothing to show either


def test_show_and_today_show_the_progress_of_chapters_being_read(run):
    run.ok("chapter", "add", IE, "0.1", "A section", "--pages", "30")
    run.ok("read", IE, "0.1", "--pages", "12", "--on", "2026-03-01")
    run.ok("read", IE, "5.1", "--percent", "40")
    chapters = {c["number"]: c for c in run.json("show", IE)["chapters"]}
    assert (chapters["0.1"]["progress"], chapters["5.1"]["progress"]) == ("12/30 pages", "40%")
    assert chapters["0"]["progress"] is None and chapters["5.2"]["progress"] is None
    shown = run.ok("show", IE).stdout
    assert any(line.strip().startswith("…") and "0.1  A section  12/30 pages" in line for line in shown.splitlines())
    assert "5.1  Quantization  40%" in shown
    (cont,) = run.json("today")["continue"]
    assert (cont["chapter"], cont["progress"]) == ("0.1", "12/30 pages")
    assert f"{IE} 0.1  A section  12/30 pages · 0/8 chapters read" in run.ok("today").stdout


def test_finished_chapters_show_no_progress(run):
    run.ok("read", IE, "5.1", "--percent", "40", "--on", "2026-03-01")
    run.ok("read", IE, "5.1", "--done")
    chapters = {c["number"]: c for c in run.json("show", IE)["chapters"]}
    assert chapters["5.1"]["status"] == "read"
    assert "40%" not in run.ok("show", IE).stdout


@pytest.mark.parametrize("sessions, length, shown", [
    ([], 35, None),
    ([(None, None)], 35, None),
    ([(None, 15), (None, 20)], 35, "35/35 pages"),
    ([(40, None)], None, "40%"),
    ([(40, None), (20, None)], 35, "20%"),
    ([(None, 10), (60, None)], 35, "60%"),
    ([(60, None), (None, 5)], 35, "5/35 pages"),
    ([(None, 1)], None, "1 page"),
    ([(None, 7)], 0, "7 pages"),
    ([(None, 0)], 35, None),
    ([(0, None)], 35, None),
    ([(40, None), (0, None)], 35, None),
    ([(None, 0), (None, 2)], 35, "2/35 pages"),
])
def test_the_progress_rule(sessions, length, shown):
    assert progress(sessions, length) == shown


# --- nothing cut off a terminal ------------------------------------------------------------


def test_nothing_is_cut_in_a_pipe(run):
    run.ok("book", "add", LONG + " (the book)", "--slug", "long")
    run.ok("chapter", "add", "long", "1", LONG, "--pages", "10")
    run.ok("read", "long", "1", "--pages", "3", "--note", LONG + " (a note)")
    run.ok("note", "long", LONG + " (another note)", "--chapter", "1")
    run.ok("resource", "add", LONG + " (a resource)", "--kind", "post")
    assert LONG + " (the book)" in run.ok("books").stdout
    shown = run.ok("show", "long").stdout
    assert LONG in shown and LONG + " (another note)" in shown
    assert f"long 1  {LONG}  3/10 pages" in run.ok("today").stdout
    assert LONG + " (a note)" in run.ok("log").stdout
    assert LONG + " (a resource)" in run.ok("resource", "list").stdout
    assert "…" not in run.ok("books").stdout + run.ok("resource", "list").stdout


def test_a_table_fits_the_terminal_cutting_its_widest_columns(monkeypatch):
    monkeypatch.setattr(render, "terminal_width", lambda: 40)
    rows = [["my-slug", LONG, "reading"], ["b", "short", "to-read"]]
    lines = render.table(rows).splitlines()
    assert all(render.width(line) <= 40 for line in lines)
    assert lines[0].startswith("my-slug  A Chapter") and "…" in lines[0] and lines[0].endswith("reading")
    assert lines[1].split() == ["b", "short", "to-read"]


def test_the_first_column_is_never_cut_and_the_title_goes_under_it(monkeypatch):
    # A slug wider than the terminal stays whole (the terminal wraps it); it was cut to fit.
    monkeypatch.setattr(render, "terminal_width", lambda: 30)
    lines = render.table([["a-slug-that-is-long-enough-to-matter", LONG]]).splitlines()
    assert lines[0] == "a-slug-that-is-long-enough-to-matter"
    assert lines[1].startswith("    A Chapter Title") and lines[1].endswith("…") and render.width(lines[1]) == 30


def test_cutting_keeps_colour_codes_whole():
    text = render.style("x" * 30, fg="red") if render.colour_enabled() else "\x1b[31m" + "x" * 30 + "\x1b[0m"
    cut = render.clip(text, 10)
    assert render.width(cut) == 10 and cut.endswith("…\x1b[0m") and cut.startswith("\x1b[31m")


def test_wide_characters_count_twice():
    assert render.width(render.clip("漢字" * 10, 9)) <= 9


@pytest.mark.sqlite_only
def test_on_a_terminal_every_line_fits_its_width(run):
    run.ok("book", "add", LONG + " (the book)", "--slug", "long")
    run.ok("chapter", "add", "long", "1", LONG)
    run.ok("read", "long", "1", "--percent", "10", "--note", LONG)
    for args in (["books"], ["show", "long"], ["today"], ["log"], ["resource", "list"]):
        out = _on_a_terminal(run, args, columns=60)
        assert out.strip() and max(render.width(line) for line in out.splitlines()) <= 60, (args, out)
    books = _on_a_terminal(run, ["books"], columns=60).splitlines()
    assert books[-1].split()[:3] == ["long", "A", "Chapter"] and "…" in books[-1]  # the slug whole, the title cut


def _overdue_reader(run) -> None:
    """What the new users had: favourites long overdue (one snoozed, one unfavourited), a
    book being read with a long title and a long note."""
    run.ok("book", "add", LONG + " (the book)", "--slug", "long")
    run.ok("chapter", "add", "long", "1", LONG, "--pages", "30")
    run.ok("read", "long", "1", "--pages", "3", "--note", LONG + " (a note)")
    for n in ("0", "1", "2", "5.2.3"):
        run.ok("read", IE, n, "--done", "--on", "2025-11-01")
        run.ok("fav", IE, n, "--on", "2025-11-01T12:00")
    run.ok("snooze", IE, "0", "--until", "2025-12-20", "--on", "2025-11-02")
    run.ok("unfav", IE, "2", "--on", "2025-11-03")


@pytest.mark.sqlite_only
def test_on_a_terminal_of_80_columns_only_titles_and_notes_are_cut(run):
    _overdue_reader(run)
    shown = {args: _on_a_terminal(run, list(args), columns=80) for args in (
        ("books",), ("today",), ("log",), ("review",), ("card", IE, "5.2.3"), ("history",), ("next",), ("stats",),
        ("show", IE), ("agenda",), ("topics",), ("resource", "list"))}
    for args, out in shown.items():
        lines = out.splitlines()
        assert all(render.width(line) <= 80 for line in lines if not line.strip().startswith("http")), (args, out)
        assert not re.search(r"[0-9]…", out), (args, out)  # no number, date or interval ends in a cut
    for book in run.json("books"):  # the chapter count and the next revisit, whole
        assert f"{book['read']}/{book['total']}" in shown[("books",)]
    overdue = (dt.date(2026, 3, 2) - dt.date.fromisoformat(run.json("books")[0]["next_due"])).days
    assert f"next revisit due now ({overdue} days overdue)" in shown[("books",)]
    for item in run.json("today")["revisit"]:  # the interval, whole
        assert f"recall {round(item['recall'] * 100)}%, good → in {item['good_days']} days" in shown[("today",)]
    assert "until 2025-12-20" in shown[("log",)] and f"{IE} 0" in shown[("log",)]
    assert "“A Chapter Title" in shown[("log",)]  # the note: cut, not left out
    card = run.json("card", IE, "5.2.3")
    for rating, days in card["next"].items():
        assert f"{rating} → {render.plural(days, 'day')}" in shown[("card", IE, "5.2.3")]
    review = shown[("review",)]
    assert "3 revisits due today. Answer with" in review
    first = run.json("card", IE, run.json("today")["revisit"][0]["chapter"])
    assert f"easy → {render.plural(first['next']['easy'], 'day')}" in review


@pytest.mark.sqlite_only
def test_on_a_terminal_of_60_columns_slugs_dates_and_titles_stay_readable(run):
    _overdue_reader(run)
    log = _on_a_terminal(run, ["log"], columns=60)
    assert f"{IE} 0" in log and "until 2025-12-20" in log and "2025-11-01 12:00" in log
    books = _on_a_terminal(run, ["books"], columns=60)
    assert "Inference Eng" in books and "A Chapter Tit" in books  # titles cut, to no fewer than 14 columns
    assert all(f"{b['read']}/{b['total']}" in books for b in run.json("books"))
    for args in (["books"], ["log"], ["today"], ["history"], ["stats"], ["card", IE, "5.2.3"]):
        out = _on_a_terminal(run, args, columns=60)
        assert max(render.width(line) for line in out.splitlines()) <= 60, (args, out)
        assert not re.search(r"[0-9]…", out), (args, out)


def test_a_table_that_cannot_fit_goes_on_under_its_rows():
    from tracker.cli import fitting

    rows = [["inference-engineering", "Inference Engineering", "read", fitting.Bar(8, 8, 16, "8/8"), "★ 7",
             "next revisit due now (110 days overdue)"],
            ["b", "A Book", "to-read", fitting.Bar(0, 11, 16, "0/11"), "", ""]]
    lines = fitting.table(rows, 80, cut=(1,))
    assert lines == [  # the bar one cell narrower, the title whole; what does not fit goes under its row
        "inference-engineering  Inference Engineering  read     ███████████████ 8/8   ★ 7",
        "    next revisit due now (110 days overdue)",
        "b                      A Book                 to-read  ░░░░░░░░░░░░░░░ 0/11",  # nothing goes on
    ]
    assert fitting.table(rows, 50, cut=(1,)) == [  # the title cut, in the columns it has room for
        "inference-engineering  Inference Enginee…  read",
        "    ████████████████ 8/8   ★ 7",
        "    next revisit due now (110 days overdue)",
        "b                      A Book              to-read",
        "    ░░░░░░░░░░░░░░░░ 0/11",
    ]
    assert fitting.table(rows, None, cut=(1,))[0].endswith("★ 7  next revisit due now (110 days overdue)")


def test_prose_wraps_between_its_items_and_is_never_cut():
    from tracker.cli import fitting

    text = "  recall now 55% · again → 1 day · hard → 32 days · good → 52 days · easy → 96 days"
    assert fitting.wrap(text, 60, indent=4, sep=" · ").splitlines() == [
        "  recall now 55% · again → 1 day · hard → 32 days", "    good → 52 days · easy → 96 days"]
    assert fitting.wrap(text, None) == text and fitting.wrap(text, 100) == text
    assert fitting.wrap("change 3  a summary that is long", 20, indent=4).splitlines() == [
        "change 3  a summary", "    that is long"]


def _on_a_terminal(run, args: list[str], columns: int) -> str:
    proc, main = terminal.start(run, args, columns=columns)
    try:
        out = terminal.read_rest(main)
        assert proc.wait(timeout=60) == 0, proc.stderr.read() if proc.stderr else ""
    finally:
        os.close(main)
    return terminal.text(out)


# --- colour ------------------------------------------------------------------------------


def _coloured(run, *args: str, input: str | None = None) -> str:
    """A command's output as a terminal with colour gets it (NO_COLOR unset, colour forced)."""
    from click.testing import CliRunner

    from tracker.cli import cli

    env = {"TRACKER_DB": str(run.db), "TRACKER_NOW": run.now, "NO_COLOR": None, "TRACKER_DEBUG": ""}
    result = CliRunner().invoke(cli, list(args), env=env, input=input, color=True)
    assert result.exit_code == 0, result.output
    return result.stdout


def test_headings_are_bold(run):
    run.ok("read", IE, "5.1", "--done", "--on", "2026-02-20")
    run.ok("fav", IE, "5.1", "--on", "2026-02-20")
    run.ok("read", IE, "6", "--percent", "10")
    today = _coloured(run, "today")
    for heading in ("Revisit today (2026-03-02)", "Continue reading", "Read next"):
        assert f"\x1b[1m{heading}\x1b[0m" in today, (heading, today)
    assert "\x1b[1mInference Engineering\x1b[0m" in _coloured(run, "show", IE)
    assert f"\x1b[1m[1/1] {IE} 5.1 Quantization\x1b[0m" in _coloured(run, "review", input="s\n")
    for args in (["today"], ["show", IE], ["books"], ["agenda"], ["stats"], ["card", IE, "5.1"]):
        assert "\x1b[22m" not in _coloured(run, *args), args  # bold is never switched off before its text


# --- due dates: one before the reader's date never reads as if it lay ahead ------------------


def test_a_due_date_past_reads_due_now_and_one_of_today_due_today(run):
    run.ok("read", IE, "5.1", "--done", "--on", "2026-01-01")
    run.ok("fav", IE, "5.1", "--on", "2026-01-01T12:00")  # due 2026-01-03
    run.ok("unfav", IE, "5.1", "--on", "2026-01-02")
    assert run.ok("fav", IE, "5.1").stdout == (  # resumed as it was: due long ago
        f"★ {IE} 5.1 Quantization is a favourite; next revisit due now (58 days overdue).\n")
    assert run.json("books")[0]["next_due"] == "2026-01-03"  # JSON keeps the date
    books = run.ok("books").stdout
    assert "next revisit due now (58 days overdue)" in books and "2026-01-03" not in books
    run.ok("read", IE, "5.2", "--done", "--on", "2026-02-20")
    run.ok("fav", IE, "5.2", "--on", "2026-02-28T12:00")  # good: 2 days, due today
    run.ok("read", IE, "5.3", "--done", "--on", "2026-02-20")
    ahead = run.ok("fav", IE, "5.3").stdout  # due in 2 days: a date
    assert ahead.endswith("is a favourite; next revisit 2026-03-04.\n")
    shown = {line.split()[2]: line for line in run.ok("show", IE).stdout.splitlines() if "★" in line}
    assert "due now (58 days overdue)" in shown["5.1"] and "due today" in shown["5.2"]
    assert "due 2026-03-04" in shown["5.3"]
    card = run.ok("card", IE, "5.1").stdout
    assert "  due now (58 days overdue) · 1 review, 0 lapses" in card and "2026-01-03 (" not in card
    assert "  due today · " in run.ok("card", IE, "5.2").stdout
    assert "  due 2026-03-04 (in 2 days) · " in run.ok("card", IE, "5.3").stdout
    summary = run.ok("review", input="q\n").stdout.splitlines()[-1]
    assert summary == f"Revisited 0, skipped 0. Next revisit due now (58 days overdue): {IE} 5.1 Quantization."
    run.ok("read", IE, "5.4", "--done", "--on", "2026-01-01")
    run.ok("fav", IE, "5.4", "--on", "2026-01-01T12:00")
    out = run.ok("revisit", IE, "5.4", "good", "--on", "2026-01-04").stdout  # logged long after
    overdue = (dt.date(2026, 3, 2) - dt.date.fromisoformat(run.json("card", IE, "5.4")["due"])).days
    assert overdue > 0 and out.endswith(f"; next revisit due now ({overdue} days overdue).\n")
