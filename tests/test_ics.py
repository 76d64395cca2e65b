"""The calendar export over time (SPEC §5.3 ICS): a chapter no longer a favourite, or
whose card is gone, is a CANCELLED event with the same UID and a higher SEQUENCE; a
UID's SEQUENCE never goes down, undo, restore and `book remove` included; an unchanged
library exports the same file again."""

from __future__ import annotations

from pathlib import Path

import pytest

icalendar = pytest.importorskip("icalendar")

IE = "inference-engineering"
UID0, UID1 = f"chapter-{IE}-0@tracker", f"chapter-{IE}-1@tracker"


def events(raw: bytes) -> dict[str, dict[str, object]]:
    """UID -> its status, sequence, date and summary, as icalendar reads the file."""
    cal = icalendar.Calendar.from_ical(raw)
    out = {}
    for e in cal.walk("VEVENT"):
        out[str(e["UID"])] = {"status": str(e["STATUS"]), "sequence": int(e["SEQUENCE"]),
                              "date": e.decoded("DTSTART"), "summary": str(e["SUMMARY"]),
                              "description": str(e["DESCRIPTION"]), "stamp": e.decoded("DTSTAMP")}
    return out


class Calendar:
    """What a calendar program keeps after importing files one after another (RFC 5546):
    a UID's newer SEQUENCE replaces the event it holds, a cancelled one removes it."""

    def __init__(self) -> None:
        self.held: dict[str, dict[str, object]] = {}
        self.sequence: dict[str, int] = {}

    def take(self, raw: bytes) -> None:
        for uid, e in events(raw).items():
            if uid in self.sequence and e["sequence"] <= self.sequence[uid]:  # type: ignore[operator]
                continue  # not newer than what it has: ignored
            self.sequence[uid] = e["sequence"]  # type: ignore[assignment]
            if e["status"] == "CANCELLED":
                self.held.pop(uid, None)
            else:
                self.held[uid] = e


@pytest.fixture
def reader(run):
    run.ok("read", IE, "0", "--done", "--on", "5 days ago")
    run.ok("read", IE, "1", "--done", "--on", "5 days ago")
    run.ok("fav", IE, "0", "--on", "4 days ago")
    run.ok("fav", IE, "1", "--on", "4 days ago")
    return run


def export(run, tmp_path: Path, name: str, *args: str, now: str | None = None) -> bytes:
    out = tmp_path / f"{name}.ics"
    run.ok("export", "--format", "ics", "-o", out, *args, now=now)
    return out.read_bytes()


def test_unfav_cancels_the_event_that_a_calendar_imported(reader, tmp_path):
    calendar = Calendar()
    first = export(reader, tmp_path, "first")
    calendar.take(first)
    assert set(calendar.held) == {UID0, UID1}
    before = events(first)
    assert {e["status"] for e in before.values()} == {"CONFIRMED"}

    reader.ok("unfav", IE, "1")
    second = export(reader, tmp_path, "second")
    after = events(second)
    assert after[UID1]["status"] == "CANCELLED"
    assert after[UID1]["sequence"] > before[UID1]["sequence"]
    assert after[UID0] == before[UID0]  # untouched: same SEQUENCE, same DTSTAMP
    calendar.take(second)
    assert set(calendar.held) == {UID0}  # khal and friends drop it now

    # Favourite again: the same UID comes back, newer still.
    reader.ok("fav", IE, "1")
    third = events(export(reader, tmp_path, "third"))
    assert third[UID1]["status"] == "CONFIRMED" and third[UID1]["sequence"] > after[UID1]["sequence"]


def test_an_unchanged_library_exports_the_same_file(reader, tmp_path):
    first = export(reader, tmp_path, "a")
    assert export(reader, tmp_path, "b") == first
    assert export(reader, tmp_path, "c", now="2026-03-02T18:00:00+01:00") == first  # later the same day
    reader.ok("unfav", IE, "1")
    export(reader, tmp_path, "d")
    cancelled = export(reader, tmp_path, "e")
    assert export(reader, tmp_path, "f") == cancelled
    assert reader.ok("export", "--format", "ics").stdout_bytes == cancelled  # stdout too


def test_undo_never_lowers_a_sequence(reader, tmp_path):
    seen: dict[str, int] = {}

    def check(step: str) -> dict[str, dict[str, object]]:
        now = events(export(reader, tmp_path, step))
        for uid, e in now.items():
            assert e["sequence"] >= seen.get(uid, 0), (step, uid, e["sequence"], seen[uid])  # type: ignore[operator]
            seen[uid] = e["sequence"]  # type: ignore[assignment]
        return now

    start = check("start")
    reader.ok("revisit", IE, "0", "good")
    moved = check("revisit")
    assert moved[UID0]["date"] != start[UID0]["date"] and moved[UID0]["sequence"] > start[UID0]["sequence"]
    reader.ok("undo")  # the revisit: the due date goes back, the SEQUENCE goes on
    back = check("undo revisit")
    assert back[UID0]["date"] == start[UID0]["date"] and back[UID0]["sequence"] > moved[UID0]["sequence"]
    reader.ok("unfav", IE, "0")
    assert check("unfav")[UID0]["status"] == "CANCELLED"
    reader.ok("undo")
    assert check("undo unfav")[UID0]["status"] == "CONFIRMED"
    reader.ok("undo")  # the favouriting of chapter 1 itself: its card is gone
    gone = check("undo fav")
    assert gone[UID1]["status"] == "CANCELLED" and "no revisit" in str(gone[UID1]["description"]).lower()
    assert gone[UID1]["summary"] == start[UID1]["summary"]
    reader.ok("fav", IE, "1")
    assert check("fav again")[UID1]["status"] == "CONFIRMED"


def test_a_removed_book_and_a_restore_keep_their_uids_going_up(reader, tmp_path):
    reader.ok("book", "add", "Gone Soon", "--slug", "gone")
    reader.ok("chapter", "add", "gone", "1", "Only chapter")
    reader.ok("read", "gone", "1", "--done", "--on", "2 days ago")
    reader.ok("fav", "gone", "1", "--on", "2 days ago")
    uid = "chapter-gone-1@tracker"
    first = events(export(reader, tmp_path, "first"))
    assert first[uid]["status"] == "CONFIRMED"
    backup = tmp_path / "backup.json"
    reader.ok("backup", backup)

    reader.ok("book", "remove", "gone", "--yes")
    removed = events(export(reader, tmp_path, "removed"))
    assert removed[uid]["status"] == "CANCELLED" and removed[uid]["sequence"] > first[uid]["sequence"]
    assert removed[uid]["summary"] == first[uid]["summary"] and removed[uid]["date"] == first[uid]["date"]

    reader.ok("restore", backup, "--replace")  # the book is back: so is its event, newer again
    restored = events(export(reader, tmp_path, "restored"))
    assert restored[uid]["status"] == "CONFIRMED" and restored[uid]["sequence"] > removed[uid]["sequence"]
    assert restored[UID0]["sequence"] == first[UID0]["sequence"]  # the same card: nothing new to say


def test_filters_choose_cancelled_events_too(reader, tmp_path):
    reader.ok("unfav", IE, "1")
    everything = events(export(reader, tmp_path, "all"))
    mine = events(export(reader, tmp_path, "mine", "--book", IE))
    assert mine == everything
    day = everything[UID1]["date"].isoformat()  # type: ignore[union-attr]
    that_day = events(export(reader, tmp_path, "day", "--since", day, "--until", day))
    assert UID1 in that_day and all(e["date"].isoformat() == day for e in that_day.values())  # type: ignore[union-attr]
    reader.ok("book", "add", "Other", "--slug", "other")
    assert events(export(reader, tmp_path, "other", "--book", "other")) == {}


@pytest.mark.sqlite_only
def test_an_upgraded_library_remembers_its_calendar(tmp_path):
    """0007 adds the calendar's memory to an old library, every other row kept
    (tests/test_migrations.py); its first export starts every SEQUENCE at 0."""
    import sqlite3

    from tests.test_migrations import _first_revision_library, _invoke

    db = tmp_path / "old.db"
    _first_revision_library(db)
    first = _invoke(db, "export", "--format", "ics")
    assert first.exit_code == 0, first.output
    assert {uid: (e["status"], e["sequence"]) for uid, e in events(first.stdout_bytes).items()} == {
        "chapter-ddia-3.1@tracker": ("CONFIRMED", 0)}
    assert _invoke(db, "unfav", "ddia", "3.1").exit_code == 0
    second = events(_invoke(db, "export", "--format", "ics").stdout_bytes)
    assert (second["chapter-ddia-3.1@tracker"]["status"], second["chapter-ddia-3.1@tracker"]["sequence"]) == (
        "CANCELLED", 1)
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT uid, status, sequence FROM calendar_events").fetchall() == [
            ("chapter-ddia-3.1@tracker", "CANCELLED", 1)]
    assert _invoke(db, "db", "check").stdout.strip() == "ok"
