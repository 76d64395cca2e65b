"""The reader's day (SPEC §3 "Now"): TRACKER_NOW, the reader's time zone, and the
reader's date, which is the local date of now minus `day_start_hour` hours.

The one place this rule lives. It is stdlib only and cheap to import, because two
callers need it: `tracker.when` (every command's clock) and the shell-prompt line
(`tracker.prompt_line`), which may load neither dateutil nor Click.
"""

from __future__ import annotations

import os
from datetime import date, datetime, timedelta, timezone, tzinfo

MIN_YEAR, MAX_YEAR = 1900, 2200
DEFAULT_DAY_START_HOUR = 4  # the `day_start_hour` setting's default


def parse_now(raw: str) -> datetime:
    """A TRACKER_NOW value (ISO 8601; naive means the system's local zone) as an aware
    time. ValueError, OverflowError or OSError for anything else; the range is
    `in_range`'s to check."""
    value = datetime.fromisoformat(raw)
    if value.tzinfo is None:
        value = value.astimezone()  # naive: the system's local zone
    value.astimezone(timezone.utc)  # validates the offset
    return value


def in_range(value: datetime | date) -> bool:
    return MIN_YEAR <= value.year <= MAX_YEAR


def zone(name: str | None) -> tzinfo:
    """The configured IANA zone, or the system's zone when None (TZ, else
    /etc/localtime, as zoneinfo reads them). Raises LookupError (zoneinfo's
    ZoneInfoNotFoundError), ValueError or OSError when it cannot be read."""
    from zoneinfo import ZoneInfo

    if name is not None:
        return ZoneInfo(name)
    key = os.environ.get("TZ", "").lstrip(":")
    if key:
        return ZoneInfo(key)
    with open("/etc/localtime", "rb") as fh:
        return ZoneInfo.from_file(fh, key="localtime")


def in_zone(at: datetime, tz: tzinfo) -> datetime:
    """`at` in the zone `tz`; at the very ends of the calendar (a time a database holds
    from before its limits were checked), where the zone's offset would cross year 1 or
    9999, it stays in UTC rather than fail to be shown."""
    try:
        return at.astimezone(tz)
    except OverflowError:
        return at.astimezone(timezone.utc)


def reader_date(at: datetime, tz: tzinfo, day_start_hour: int) -> date:
    """The reader's date of an aware time: the local date of (at - day_start_hour)."""
    local = in_zone(at, tz)
    try:
        return local.date() - timedelta(days=1 if local.hour < day_start_hour else 0)
    except OverflowError:  # 0001-01-01 before the day's start: that day is the first there is
        return local.date()
