"""Reading days as the database adds them up (SPEC §3 `stats`: the reader's date is the
local date of a time less `day_start_hour`), checked against the rule computed here,
event by event, across daylight-saving changes and zones whose offsets are not whole
hours (tracker/activity.py groups the log by spans of one UTC offset)."""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter

import pytest

NOW = "2026-11-27T08:00:00+00:00"
ZONES = ("Europe/Paris", "America/St_Johns", "Australia/Lord_Howe", "Asia/Kathmandu", "UTC")


def backup(tz: str, day_start: int) -> dict[str, object]:
    """A library whose log has a session every 23 minutes from 20 September to 10 November
    2026 (each zone above changes its offset in that time, but Kathmandu and UTC), revisits
    among them, and one timed and one untimed session each day before and after 1 January."""
    start = dt.datetime(2026, 9, 20, tzinfo=dt.timezone.utc)
    events = []
    for i in range(int((dt.datetime(2026, 11, 10, tzinfo=dt.timezone.utc) - start) / dt.timedelta(minutes=23))):
        at = start + dt.timedelta(minutes=23 * i)
        events.append({"at": at.isoformat(), "book": "b", "chapter": "1", "event": "read", "minutes": 1 + i % 7})
    for at in ("2025-12-31T22:30:00+00:00", "2026-01-01T03:30:00+00:00"):
        events.append({"at": at, "book": "b", "chapter": "1", "event": "read", "minutes": None})
        events.append({"at": at, "book": "b", "chapter": "1", "event": "read", "minutes": 3})
    events.sort(key=lambda e: e["at"])
    return {"format": "tracker-backup", "version": 1, "created_at": NOW,
            "settings": {"timezone": tz, "day_start_hour": str(day_start)},
            "library": {"topics": [], "books": [{"slug": "b", "title": "B", "authors": [],
                                                 "chapters": [{"number": "1", "title": "One", "topics": []}]}],
                        "resources": [], "interests": []},
            "events": events}


def expected(run, day_start: int, year: int | None = None) -> tuple[Counter[str], Counter[str]]:
    """Minutes and events per reader date, from each logged time in the reader's zone."""
    minutes: Counter[str] = Counter()
    count: Counter[str] = Counter()
    for e in run.json("log", "--limit", "100000"):
        local = dt.datetime.fromisoformat(e["at"])  # the reader's wall time, with its offset
        day = (local.replace(tzinfo=None) - dt.timedelta(hours=day_start)).date()
        if year is None or day.year == year:
            minutes[day.isoformat()] += e["minutes"] or 0
            count[day.isoformat()] += 1
    return minutes, count


@pytest.mark.parametrize("tz", ZONES)
def test_reader_days_across_offset_changes(fresh, tmp_path, tz):
    day_start = 4
    path = tmp_path / "log.json"
    path.write_text(json.dumps(backup(tz, day_start)), encoding="utf-8")
    fresh.now = NOW
    fresh.ok("restore", path)
    minutes, count = expected(fresh, day_start)
    stats = fresh.json("stats")
    shown = {d["date"]: (d["minutes"], d["events"]) for d in stats["heatmap"] if d["events"]}
    assert shown == {day: (minutes[day], count[day]) for day in count if day >= stats["heatmap"][0]["date"]}
    assert stats["minutes"] == sum(minutes.values()) and stats["days_active"] == len(count)
    assert sum(w["minutes"] for w in stats["weeks"]) == stats["minutes"]
    for year in (2025, 2026):  # the year's own bounds: its first and last reader day
        minutes, count = expected(fresh, day_start, year)
        by_year = fresh.json("stats", "--year", str(year))
        assert (by_year["minutes"], by_year["days_active"]) == (sum(minutes.values()), len(count)), year


def test_a_later_day_start_moves_sessions_to_the_evening_before(fresh, tmp_path):
    path = tmp_path / "log.json"
    path.write_text(json.dumps(backup("Europe/Paris", 9)), encoding="utf-8")
    fresh.now = NOW
    fresh.ok("restore", path)
    minutes, count = expected(fresh, 9)
    heat = {d["date"]: d["minutes"] for d in fresh.json("stats")["heatmap"] if d["events"]}
    assert heat == {day: minutes[day] for day in count if day in heat} and len(heat) >= 50
