"""`local_iso` (tracker/formats/local_times.py) gives exactly what one `datetime` per
time gave (SPEC §3 times with offset; issue 16's byte-identical outputs)."""

from __future__ import annotations

import datetime as dt
import functools
import zoneinfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tracker.formats.local_times import exact, local_iso

ZONES = sorted(zoneinfo.available_timezones())
# Offsets with seconds (1905), negative, half- and quarter-hour offsets, half-hour DST.
HARD = ("Europe/Paris", "Europe/Dublin", "America/St_Johns", "Asia/Kolkata", "Asia/Kathmandu",
        "Australia/Lord_Howe", "Pacific/Chatham", "America/New_York", "Africa/Monrovia", "Pacific/Kiritimati",
        "Pacific/Apia", "UTC")


def stored(moment: dt.datetime) -> str:
    """The text the database keeps: naive UTC with microseconds."""
    return moment.astimezone(dt.timezone.utc).replace(tzinfo=None).isoformat(" ", "microseconds")


@functools.cache
def transitions(zone: str, first: int, last: int) -> list[dt.datetime]:
    """The UTC instants (to the second) at which `zone` changes its offset, first–last."""
    tz = zoneinfo.ZoneInfo(zone)
    found = []
    step = dt.timedelta(hours=6)
    at = dt.datetime(first, 1, 1, tzinfo=dt.timezone.utc)
    end = dt.datetime(last, 12, 31, tzinfo=dt.timezone.utc)
    while at < end:
        nxt = at + step
        if at.astimezone(tz).utcoffset() != nxt.astimezone(tz).utcoffset():
            lo, hi = at, nxt
            while hi - lo > dt.timedelta(seconds=1):
                mid = lo + (hi - lo) / 2
                mid = mid.replace(microsecond=0)
                if mid.astimezone(tz).utcoffset() == lo.astimezone(tz).utcoffset():
                    lo = mid
                else:
                    hi = mid
            found.append(hi)
        at = nxt
    return found


@pytest.mark.parametrize("zone", HARD)
@pytest.mark.parametrize("timespec", ["seconds", "auto"])
def test_every_change_of_offset_and_the_microseconds_around_it(zone, timespec):
    tz = zoneinfo.ZoneInfo(zone)
    fast, slow = local_iso(tz, timespec), exact(tz, timespec)
    changes = transitions(zone, 1900, 1925) + transitions(zone, 2024, 2027)
    for change in changes:
        for delta in (-3600, -1800, -60, -1, -1e-6, 0, 1e-6, 1, 59, 1800, 3599, 86399):
            text = stored(change + dt.timedelta(seconds=delta))
            assert fast(text) == slow(text), (zone, text)


@settings(max_examples=3000, deadline=None)
@given(zone=st.sampled_from(ZONES),
       moment=st.datetimes(min_value=dt.datetime(1900, 1, 1), max_value=dt.datetime(2200, 12, 31)),
       timespec=st.sampled_from(["seconds", "auto"]))
def test_any_zone_any_time(zone, moment, timespec):
    tz = zoneinfo.ZoneInfo(zone)
    text = stored(moment.replace(tzinfo=dt.timezone.utc))
    assert local_iso(tz, timespec)(text) == exact(tz, timespec)(text)


@settings(max_examples=60, deadline=None)
@given(moments=st.lists(st.datetimes(min_value=dt.datetime(2020, 1, 1), max_value=dt.datetime(2030, 1, 1)),
                        min_size=20, max_size=150),
       zone=st.sampled_from(HARD))
def test_one_converter_over_a_whole_log(moments, zone):
    """The cache of one converter stays right across many days and hours, in any order."""
    tz = zoneinfo.ZoneInfo(zone)
    fast, slow = local_iso(tz, "auto"), exact(tz, "auto")
    for moment in moments:
        text = stored(moment.replace(tzinfo=dt.timezone.utc))
        assert fast(text) == slow(text)


@pytest.mark.parametrize("text", [
    "2026-03-01 08:30:00",  # no fraction
    "2026-03-01 08:30:00.5",
    "2026-03-01T08:30:00.000000",
    "0001-01-01 00:00:00.000000",  # the calendar's ends: the zone's offset would cross them
    "9999-12-31 23:59:59.999999",
])
@pytest.mark.parametrize("zone", ["Europe/Paris", "America/New_York", "UTC"])
def test_other_shapes_and_the_calendars_ends_go_the_old_way(text, zone):
    tz = zoneinfo.ZoneInfo(zone)
    for timespec in ("seconds", "auto"):
        assert local_iso(tz, timespec)(text) == exact(tz, timespec)(text)


def test_other_time_zone_classes():
    for tz in (dt.timezone.utc, dt.timezone(dt.timedelta(hours=-3, minutes=-30)),
               dt.timezone(dt.timedelta(hours=5, minutes=45)), dt.timezone(dt.timedelta(seconds=561))):
        for text in ("2026-03-01 23:30:00.000001", "2026-03-01 00:10:00.000000", "1905-06-01 12:00:00.999999"):
            assert local_iso(tz, "auto")(text) == exact(tz, "auto")(text)


def test_not_a_time_fails_as_before():
    with pytest.raises(ValueError):
        local_iso(zoneinfo.ZoneInfo("Europe/Paris"))("not a time at all!!!!!!!!!")
    with pytest.raises(ValueError):
        local_iso(zoneinfo.ZoneInfo("Europe/Paris"), "minutes")
