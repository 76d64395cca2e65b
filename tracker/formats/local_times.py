"""Stored times as the reader's local ISO 8601 text (SPEC §3 "times are ISO 8601 with
offset", §5.2, §5.3), for writers of long logs.

The log stores times as naive UTC text, `YYYY-MM-DD HH:MM:SS.ffffff`. `local_iso(tz,
timespec)` turns that text into exactly what `in_zone(t, tz).isoformat(timespec)` gives
(the old way: a `datetime` parsed, moved and printed per event), by slicing strings.
The zone's offset is worked out once per UTC day, and each of that day's 24 hours gets
its local "date T hour" prefix and offset suffix; an event then costs a dictionary
look-up and a concatenation. Only the current day's hours are kept: memory stays flat.

Exact because an offset that is the same at a UTC day's first and last microsecond is
the same all day: a zone changes offset at most once in any day (in the whole tz
database the two closest changes are four days apart, Africa/Freetown in 1939). A day
in which the offset changes is worked out hour by hour, and an hour in which it
changes, an offset with seconds (before about 1920 some zones kept local mean time,
e.g. +00:09:21), text in another shape, or a time at the calendar's ends go the old way,
one `datetime` per event. tests/test_local_times.py checks every way against it.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable

from tracker.when import in_zone

_DAY = dt.timedelta(days=1)
_LAST = dt.timedelta(hours=23, minutes=59, seconds=59, microseconds=999_999)
_HOUR_LAST = dt.timedelta(minutes=59, seconds=59, microseconds=999_999)
_MINUTE = dt.timedelta(minutes=1)
_HH = tuple(f"{h:02d}" for h in range(24))
_SPACE_HH = tuple(" " + h for h in _HH)
# One hour of a day: (local "YYYY-MM-DDTHH" at minute 0, offset text, the offset's
# minutes past the whole hour, the local prefix one hour later). False: the old way.
Hour = tuple[str, str, int, str]


def exact(tz: dt.tzinfo, timespec: str = "seconds") -> Callable[[str], str]:
    """The old way, one `datetime` per time: the definition `local_iso` keeps to."""
    parse = dt.datetime.fromisoformat

    def convert(text: str) -> str:
        return in_zone(parse(text + "+00:00"), tz).isoformat(timespec=timespec)

    return convert


def local_iso(tz: dt.tzinfo, timespec: str = "seconds") -> Callable[[str], str]:
    """A function from stored UTC text to local ISO 8601 text in `tz`; `timespec` is
    "seconds" (exports) or "auto" (backups: microseconds when there are any)."""
    if timespec not in ("seconds", "auto"):
        raise ValueError(f"timespec {timespec!r}")
    auto = timespec == "auto"
    slow = exact(tz, timespec)
    hours: dict[str, Hour | bool] = {}
    get = hours.get

    def convert(text: str) -> str:
        entry = get(text[:13])
        if entry is None:
            _fill_day(hours, tz, text)
            entry = get(text[:13], False)
        if entry is False or len(text) != 26:
            return slow(text)
        prefix, suffix, shift, later = entry  # type: ignore[misc]
        if shift:
            minute = int(text[14:16]) + shift
            if minute >= 60:
                prefix, minute = later, minute - 60
            clock = f":{minute:02d}{text[16:19]}"
        else:
            clock = text[13:19]
        if auto and text[20:26] != "000000":
            return prefix + clock + text[19:26] + suffix
        return prefix + clock + suffix

    return convert


def _fill_day(hours: dict[str, Hour | bool], tz: dt.tzinfo, text: str) -> None:
    """The 24 hours of the UTC day of `text`, False where the old way must be taken. The
    hours of other days are let go (a log comes in time order), so memory stays flat."""
    hours.clear()
    day = text[:10]
    entries: list[Hour | bool] = [False] * 24
    try:
        start = dt.datetime.fromisoformat(day + "T00:00:00+00:00")
        offset = start.astimezone(tz).utcoffset()
        if offset is not None and offset == (start + _LAST).astimezone(tz).utcoffset():
            entries = _whole_day(day, start, offset) or entries
        else:
            for h in range(24):  # the day the offset changes: hour by hour
                at = start + dt.timedelta(hours=h)
                offset = at.astimezone(tz).utcoffset()
                if offset is not None and offset == (at + _HOUR_LAST).astimezone(tz).utcoffset():
                    entries[h] = _one_hour(at, offset) or False
    except (ValueError, OverflowError):
        pass  # not a date, or the zone's offset crosses the calendar's ends: the old way
    hours.update(zip([day + h for h in _SPACE_HH], entries))


@functools.cache
def _suffix(offset: dt.timedelta) -> str | None:
    """The offset as isoformat writes it, or None for one with seconds (the old way)."""
    if offset % _MINUTE:
        return None
    return dt.datetime(2000, 1, 1, tzinfo=dt.timezone(offset)).isoformat()[19:]


def _whole_day(day: str, start: dt.datetime, offset: dt.timedelta) -> list[Hour | bool] | None:
    suffix = _suffix(offset)
    if suffix is None:
        return None
    whole, shift = divmod(offset // _MINUTE, 60)  # floor: -03:30 is -4 hours and +30 minutes
    # The local dates the day's hours fall on: the day before (a negative offset), the
    # day itself, the day after (a positive one).
    side = (start.date() + (_DAY if whole >= 0 else -_DAY)).isoformat() + "T"
    names = (day + "T", side) if whole >= 0 else (side, day + "T")
    first = 0 if whole >= 0 else -24
    local = [names[(hour - first) // 24] + _HH[hour % 24] for hour in range(whole, whole + 25)]
    return [(local[h], suffix, shift, local[h + 1]) for h in range(24)]


def _one_hour(at: dt.datetime, offset: dt.timedelta) -> Hour | None:
    suffix = _suffix(offset)
    if suffix is None:
        return None
    shift = (offset // _MINUTE) % 60
    local = (at + offset - dt.timedelta(minutes=shift)).replace(tzinfo=None)
    return local.isoformat()[:13], suffix, shift, (local + dt.timedelta(hours=1)).isoformat()[:13]
