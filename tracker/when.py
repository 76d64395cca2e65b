"""Time: now (TRACKER_NOW), the reader's date, and the WHEN grammar (SPEC §3).

The reader's date is the local date of now minus `day_start_hour` hours. Every WHEN
word is read in one place, `Clock._read`, into either a date (no time given) or an
aware datetime; the public methods then apply their own rule to a date: `on` → noon
(the reader's own date → now), `since` → start of day, `until` → end of day, `date`
→ the date. A weekday is the latest such day for `on`/`since`, the next for
`until`/`date`; today counts for both. Any unreadable input raises `UserError`.

Pure: stdlib, dateutil (imported lazily) and `tracker.errors` only.
"""

from __future__ import annotations

import os
import re
import warnings
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone, tzinfo
from typing import Literal

from tracker.errors import UserError

Direction = Literal["latest", "next"]

MIN_YEAR, MAX_YEAR = 1900, 2200
HINT = "try 2026-03-01, 2026-03-01T08:30, today, yesterday, 3 days ago, -3d, +2w or monday"
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_NAMED = {"today": 0, "yesterday": -1, "tomorrow": 1}
_AGO = re.compile(r"([0-9]{1,7}) (day|week)s? ago", re.ASCII)
_IN = re.compile(r"in ([0-9]{1,7}) (day|week)s?", re.ASCII)
_COMPACT = re.compile(r"([+-])([0-9]{1,7})([dw])", re.ASCII)
_YEAR_FIRST = re.compile(r"[0-9]{4}([-/.])[0-9]{1,2}\1[0-9]{1,2}(?![0-9])", re.ASCII)
# Distinct default times tell "no time given" from "a time given" in dateutil's output.
_NO_TIME_A, _NO_TIME_B = time(0), time(1, 1, 1, 1)


def now() -> datetime:
    """The current time, aware: TRACKER_NOW (ISO 8601; naive = system local) or the clock."""
    raw = os.environ.get("TRACKER_NOW", "").strip()
    if not raw:
        return datetime.now(timezone.utc)
    try:
        value = datetime.fromisoformat(raw)
        if value.tzinfo is None:
            value = value.astimezone()  # naive: the system's local zone
        value.astimezone(timezone.utc)  # validates the offset
    except (ValueError, OverflowError, OSError):
        raise UserError(
            f"TRACKER_NOW is not an ISO 8601 time: {_quote(raw)}; try 2026-03-01T08:30:00+01:00"
        ) from None
    if not MIN_YEAR <= value.year <= MAX_YEAR:
        raise UserError(f"TRACKER_NOW is out of range: use a year from {MIN_YEAR} to {MAX_YEAR}")
    return value


def get_tz(name: str | None) -> tzinfo:
    """The configured IANA zone, or the system's zone (honours TZ) when None."""
    if name is None:
        return _system_tz()
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise UserError(
            f"unknown time zone {_quote(name)}; use an IANA name like Europe/Paris or UTC"
        ) from None


def _system_tz() -> tzinfo:
    """The system's zone as zoneinfo reads it (TZ, else /etc/localtime): the daily path
    then needs no dateutil.tz, whose import costs tens of milliseconds. Anything
    zoneinfo cannot read (a POSIX rule in TZ, no zone file) falls back to dateutil."""
    from zoneinfo import ZoneInfo

    key = os.environ.get("TZ", "").lstrip(":")
    try:
        if key:
            return ZoneInfo(key)
        with open("/etc/localtime", "rb") as fh:
            return ZoneInfo.from_file(fh, key="localtime")
    except (OSError, ValueError, LookupError):
        from dateutil.tz import tzlocal

        return tzlocal()


def _quote(text: str, limit: int = 60) -> str:
    shown = repr(text)
    return shown if len(shown) <= limit else shown[: limit - 4] + "...'"


def _bad(text: str) -> UserError:
    return UserError(f"cannot read {_quote(text)} as a date or time; {HINT}")


def _out_of_range(text: str) -> UserError:
    return UserError(f"{_quote(text)} is out of range: use a year from {MIN_YEAR} to {MAX_YEAR}")


def in_zone(at: datetime, tz: tzinfo) -> datetime:
    """`at` in the zone `tz`; at the very ends of the calendar (a time a database holds
    from before its limits were checked), where the zone's offset would cross year 1 or
    9999, it stays in UTC rather than fail to be shown."""
    try:
        return at.astimezone(tz)
    except OverflowError:
        return at.astimezone(timezone.utc)


@dataclass(frozen=True)
class Clock:
    """A fixed now in the reader's zone, with the hour at which the reader's day starts."""

    now: datetime
    tz: tzinfo
    day_start_hour: int

    # --- the reader's days -------------------------------------------------------

    def reader_date(self, at: datetime) -> date:
        """The reader's date of an aware time: local date of (at - day_start_hour)."""
        local = in_zone(at, self.tz)
        try:
            return local.date() - timedelta(days=1 if local.hour < self.day_start_hour else 0)
        except OverflowError:  # 0001-01-01 before the day's start: that day is the first there is
            return local.date()

    def today(self) -> date:
        return self.reader_date(self.now)

    def _local(self, d: date, t: time) -> datetime:
        """Wall time d t in the zone, as a real instant (a time in a DST gap moves on)."""
        wall = datetime.combine(d, t, tzinfo=self.tz)
        return wall.astimezone(timezone.utc).astimezone(self.tz)

    def day_start(self, d: date) -> datetime:
        return self._local(d, time(self.day_start_hour))

    def day_end(self, d: date) -> datetime:
        """The last microsecond of reader day d (computed in UTC, so DST is exact)."""
        end = self.day_start(d + timedelta(days=1)).astimezone(timezone.utc)
        return (end - timedelta(microseconds=1)).astimezone(self.tz)

    def noon(self, d: date) -> datetime:
        return self._local(d, time(12))

    # --- WHEN for each option ----------------------------------------------------

    def on(self, text: str | None) -> datetime:
        """`--on`: a date means noon, the reader's own date means now; weekday = latest."""
        if text is None:
            return self.now
        value = self._read(text, "latest")
        if isinstance(value, datetime):
            return value
        return self.now if value == self.today() else self.noon(value)

    def on_past(self, text: str | None) -> datetime:
        """`on`, refusing a time after now."""
        value = self.on(text)
        if value > self.now:
            shown = self.now.astimezone(self.tz).isoformat(timespec="minutes")
            raise UserError(f"--on {_quote(text or '')} is in the future (now is {shown})")
        return value

    def since(self, text: str) -> datetime:
        """`--since`: a date means the start of that reader day; weekday = latest."""
        value = self._read(text, "latest")
        return value if isinstance(value, datetime) else self.day_start(value)

    def until(self, text: str) -> datetime:
        """`--until`: a date means the end of that reader day; weekday = next."""
        value = self._read(text, "next")
        return value if isinstance(value, datetime) else self.day_end(value)

    def span(self, since: str | None, until: str | None) -> tuple[datetime | None, datetime | None]:
        """`--since` and `--until` together; the start may not lie after the end."""
        start = self.since(since) if since else None
        end = self.until(until) if until else None
        if start is not None and end is not None and start > end:
            raise UserError(f"--since {since} is after --until {until}; nothing lies between them")
        return start, end

    # --- the grammar: one place ---------------------------------------------------

    def _read(self, text: str, weekday: Direction) -> date | datetime:
        """A date (no time given) or an aware datetime; UserError for anything else."""
        try:
            value = self._parse(text, weekday)
            local = value.astimezone(self.tz) if isinstance(value, datetime) else value
        except UserError:
            raise
        except OverflowError:
            raise _out_of_range(text) from None
        except (ValueError, OSError):
            raise _bad(text) from None
        if not MIN_YEAR <= local.year <= MAX_YEAR:
            raise _out_of_range(text)
        return value

    def _parse(self, text: str, weekday: Direction) -> date | datetime:
        words = " ".join(text.lower().split())
        today = self.today()
        if words in _NAMED:
            return today + timedelta(days=_NAMED[words])
        for name in WEEKDAYS:
            if words in (name, name[:3]):
                gap = WEEKDAYS.index(name) - today.weekday()
                return today + timedelta(days=gap % 7 if weekday == "next" else -(-gap % 7))
        if m := _AGO.fullmatch(words):
            return today - _span(m[1], m[2][0])
        if m := _IN.fullmatch(words):
            return today + _span(m[1], m[2][0])
        if m := _COMPACT.fullmatch(words):
            return today + (-1 if m[1] == "-" else 1) * _span(m[2], m[3])
        if not words:
            raise _bad(text)
        try:
            return date.fromisoformat(text.strip())
        except ValueError:
            pass
        try:
            return self._aware(datetime.fromisoformat(text.strip()))
        except ValueError:
            pass
        return self._dateutil(text, today)

    def _dateutil(self, text: str, today: date) -> date | datetime:
        """Anything dateutil reads the same with dayfirst on and off (a leading
        four-digit year fixes the order Y-M-D, since dateutil would read Y-D-M)."""
        import dateutil.parser

        def parse(dayfirst: bool, t: time) -> datetime:
            default = datetime.combine(today, t)
            with warnings.catch_warnings():
                warnings.simplefilter("error", dateutil.parser.UnknownTimezoneWarning)
                return dateutil.parser.parse(text, dayfirst=dayfirst, default=default)

        try:
            a = parse(False, _NO_TIME_A)
            b = parse(False, _NO_TIME_B)
            if not _YEAR_FIRST.match(text.strip()) and parse(True, _NO_TIME_A) != a:
                raise UserError(
                    f"{_quote(text)} is ambiguous (day/month or month/day?); use YYYY-MM-DD"
                )
        except UserError:
            raise
        except dateutil.parser.UnknownTimezoneWarning:
            raise UserError(
                f"unknown time zone name in {_quote(text)}; use an offset like +01:00"
            ) from None
        except Exception:  # dateutil raises a zoo of types on odd input
            raise _bad(text) from None
        if a.time() == _NO_TIME_A and b.time() == _NO_TIME_B:
            return a.date()
        return self._aware(a)

    def _aware(self, value: datetime) -> datetime:
        """A naive time is wall time in the reader's zone."""
        if value.tzinfo is None:
            return self._local(value.date(), value.time())
        value.astimezone(timezone.utc)  # validates the offset
        return value

    # Last in the class: below this line `date` in the class body names the method.
    def date(self, text: str, weekday: Direction = "next") -> date:
        """`--date`, `break`, `snooze --until`, `agenda --from` (weekday="latest")."""
        value = self._read(text, weekday)
        return self.reader_date(value) if isinstance(value, datetime) else value


def _span(n: str, unit: str) -> timedelta:
    return timedelta(days=int(n) * (7 if unit == "w" else 1))
