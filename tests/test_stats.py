"""`stats` (SPEC §3): streaks, minutes, chapters and revisits per week, true retention,
and the 26-week heat map."""

from __future__ import annotations

import pytest

IE = "inference-engineering"


@pytest.fixture
def reader(run):
    """Three days in a row, a gap, four days in a row, a gap, then yesterday (TRACKER_NOW
    is Monday 2 March 2026, 09:00 Paris; the reader's day starts at 04:00)."""
    run.ok("read", IE, "0", "--minutes", "30", "--on", "2026-02-20T20:00")
    run.ok("read", IE, "0", "--done", "--minutes", "20", "--on", "2026-02-21T20:00")
    run.ok("read", IE, "1", "--minutes", "10", "--on", "2026-02-22T20:00")
    run.ok("read", IE, "1", "--done", "--minutes", "15", "--on", "2026-02-24T08:00")
    run.ok("fav", IE, "0", "--on", "2026-02-24T09:00")
    run.ok("fav", IE, "1", "--on", "2026-02-24T09:00")
    run.ok("revisit", IE, "0", "good", "--minutes", "5", "--on", "2026-02-25T20:00")
    run.ok("revisit", IE, "1", "again", "--on", "2026-02-26T20:00")
    run.ok("revisit", IE, "0", "hard", "--on", "2026-02-27T20:00")
    run.ok("note", IE, "a note is not reading", "--on", "2026-02-28T20:00")
    run.ok("read", IE, "2", "--minutes", "10", "--on", "2026-03-01T20:00")
    run.ok("read", IE, "2", "--minutes", "5", "--on", "2026-03-02T02:00")  # still Sunday for the reader
    return run


def test_stats_json(reader):
    s = reader.json("stats")
    assert s["streak_days"] == 1  # yesterday; today has nothing yet, which does not break it
    assert s["longest_streak_days"] == 4
    assert s["minutes"] == 30 + 20 + 10 + 15 + 5 + 10 + 5
    assert s["chapters_finished"] == 2
    assert s["revisits"] == 3
    assert s["true_retention"] == pytest.approx(2 / 3, abs=1e-4)
    assert s["desired_retention"] == 0.9
    weeks = {w["week"]: w for w in s["weeks"]}
    assert list(weeks) == ["2026-W08", "2026-W09", "2026-W10"]
    assert (weeks["2026-W08"]["minutes"], weeks["2026-W08"]["chapters"], weeks["2026-W08"]["revisits"]) == (60, 1, 0)
    assert (weeks["2026-W09"]["minutes"], weeks["2026-W09"]["chapters"], weeks["2026-W09"]["revisits"]) == (35, 1, 3)
    assert weeks["2026-W10"]["minutes"] == 0
    assert sum(w["minutes"] for w in s["weeks"]) == s["minutes"]
    # today counts as soon as there is reading in it
    reader.ok("read", IE, "2", "--done", "--minutes", "7")
    s = reader.json("stats")
    assert s["streak_days"] == 2 and s["minutes"] == 102 and s["chapters_finished"] == 3


def test_stats_for_a_year(reader):
    assert reader.json("stats", "--year", "2026")["minutes"] == reader.json("stats")["minutes"]
    s = reader.json("stats", "--year", "2025")
    assert (s["minutes"], s["revisits"], s["chapters_finished"], s["streak_days"], s["longest_streak_days"]) == (0, 0, 0, 0, 0)
    assert s["true_retention"] is None
    assert all(w["minutes"] == 0 for w in s["weeks"]) and s["weeks"][0]["week"] == "2025-W01"
    assert "--year must be from 1900 to 2200" in reader.error("stats", "--year", "99999")


def test_stats_of_an_empty_log(run):
    s = run.json("stats")
    assert s["streak_days"] == 0 and s["longest_streak_days"] == 0 and s["true_retention"] is None
    assert s["weeks"] == [] and s["minutes"] == 0
    assert "no revisits yet" in run.ok("stats").stdout


def test_stats_heat_map(reader):
    out = reader.ok("stats").stdout
    assert "Streak: 1 day" in out and "longest 4" in out
    assert "True retention: 67%" in out and "aiming for 90%" in out
    lines = out.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("Mon "))
    rows = lines[start:start + 7]
    assert [r[:3] for r in rows[::2]] == ["Mon", "Wed", "Fri", "Sun"]
    assert len(rows[0][4:].split()) == 26  # Monday 2 March: the last column has it
    assert all(len(r[4:].split()) == 25 for r in rows[1:])  # the week is not over yet
    shades = "░▒▓█"
    sunday = rows[6][4:].split()
    assert sunday[-1] in shades and sunday[-2] in shades  # 22 Feb and 1 Mar
    assert rows[5][4:].split()[-1] == "·"  # Saturday 28 Feb: only a note
    assert "less · ░ ▒ ▓ █ more" in out
    assert "2026-W09" in out  # the recent weeks table
