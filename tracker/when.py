"""Time: now (TRACKER_NOW), the reader's date, and the WHEN grammar (SPEC §3).

The reader's date is the local date of now minus `day_start_hour` hours. Every WHEN
word is read in one place, `Clock._read`, into either a date (no time given) or an
aware datetime; the public methods then apply their own rule to a date: `on` → noon
(the reader's own date → now), `since` → start of day, `until` → end of day, `date`
→ the date. A weekday is the latest such day for `on`/`since`, the next for
`until`/`date`; today counts for both. Any unreadable input raises `UserError`.

`next WEEKDAY` is the first such day after today, `last WEEKDAY` the latest before
today. A date that does not exist (`31/02/2027`) is refused saying why (`February
2027 has 28 days`). The reader's day itself is `tracker.reader_day`'s rule.

Pure: stdlib, dateutil (imported lazily) and `tracker.errors` only.
"""

from __future__ import annotations

import os
import re
import warnings
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone, tzinfo
from typing import Literal

from tracker import reader_day
from tracker.errors import UserError
from tracker.reader_day import MAX_YEAR, MIN_YEAR, in_zone  # noqa: F401 - in_zone: the floors above take it from here

Direction = Literal["latest", "next"]

HINT = ("try 2026-03-01, 2026-03-01T08:30, now, today, yesterday, 3 days ago, -3d, +2w, monday, "
        "next friday or last monday")
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_WEEKDAY_OF = {n: i for i, name in enumerate(WEEKDAYS) for n in (name, name[:3])}
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
          "October", "November", "December")
_MONTH_OF = {n: i for i, name in enumerate(MONTHS, 1) for n in (name.lower(), name[:3].lower())}
# Numeric dates, to say why one does not exist: Y-M-D, D/M/Y or M/D/Y, YYYYMMDD.
_NUMERIC = re.compile(r"([0-9]{1,4})([-/.])([0-9]{1,2})\2([0-9]{1,4})(?:[T ].*)?", re.ASCII)
_COMPACT_DATE = re.compile(r"([0-9]{4})([0-9]{2})([0-9]{2})(?:T.*)?", re.ASCII)
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
        value = reader_day.parse_now(raw)
    except (ValueError, OverflowError, OSError):
        raise UserError(
            f"TRACKER_NOW is not an ISO 8601 time: {_quote(raw)}; try 2026-03-01T08:30:00+01:00"
        ) from None
    if not reader_day.in_range(value):
        raise UserError(f"TRACKER_NOW is out of range: use a year from {MIN_YEAR} to {MAX_YEAR}")
    return value


def get_tz(name: str | None) -> tzinfo:
    """The configured IANA zone, or the system's zone (honours TZ) when None."""
    try:
        return reader_day.zone(name)
    except (LookupError, ValueError, OSError):
        if name is not None:
            raise UserError(
                f"unknown time zone {_quote(name)}; use an IANA name like Europe/Paris or UTC"
            ) from None
    # The system's zone that zoneinfo cannot read (a POSIX rule in TZ, no zone file):
    # dateutil's, whose import costs tens of milliseconds, so only here.
    from dateutil.tz import tzlocal

    return tzlocal()


def _quote(text: str, limit: int = 60) -> str:
    shown = repr(text)
    return shown if len(shown) <= limit else shown[: limit - 4] + "...'"


def _bad(text: str) -> UserError:
    why = _impossible(text.strip())
    if why is not None:
        return UserError(f"{_quote(text)} is not a date: {why}")
    return UserError(f"cannot read {_quote(text)} as a date or time; {HINT}")


def _impossible(text: str) -> str | None:
    """Why a date that looks like one does not exist (`February 2027 has 28 days`), or
    None when it does not look like a date, or one reading of it exists."""
    readings: list[tuple[int, int, int]] = []  # (year, month, day)
    if m := _NUMERIC.fullmatch(text):
        first, middle, last = m[1], int(m[3]), m[4]
        if len(first) == 4:
            readings = [(int(first), middle, int(last))]
        elif len(last) == 4:
            readings = [(int(last), middle, int(first)), (int(last), int(first), middle)]
    elif m := _COMPACT_DATE.fullmatch(text):
        readings = [(int(m[1]), int(m[2]), int(m[3]))]
    else:
        words = re.findall(r"[a-z]+|[0-9]+", text.lower())
        months = [_MONTH_OF[w] for w in words if w in _MONTH_OF]
        numbers = [w for w in words if w.isdigit()]
        years = [int(n) for n in numbers if len(n) == 4]
        days = [int(n) for n in numbers if len(n) <= 2]
        if len(months) == 1 and len(years) == 1 and len(days) == 1 and len(words) == 3:
            readings = [(years[0], months[0], days[0])]
    if not readings or any(MIN_YEAR > y or y > MAX_YEAR for y, _, _ in readings):
        return None
    for year, month, day in readings:
        if 1 <= month <= 12 and 1 <= day <= _days_in(year, month):
            return None  # it exists: something else is wrong with the text
    for year, month, day in readings:
        if 1 <= month <= 12:
            length = _days_in(year, month)
            if day == 0:
                return f"the days of {MONTHS[month - 1]} {year} run from 1 to {length}"
            if month == 2 and day == 29:
                return f"February {year} has 28 days ({year} is not a leap year)"
            return f"{MONTHS[month - 1]} {year} has {length} days"
    return f"there is no month {readings[0][1]} (months run from 1 to 12)"


def _days_in(year: int, month: int) -> int:
    following = date(year + month // 12, month % 12 + 1, 1)
    return (following - timedelta(days=1)).day


def _out_of_range(text: str) -> UserError:
    return UserError(f"{_quote(text)} is out of range: use a year from {MIN_YEAR} to {MAX_YEAR}")


@dataclass(frozen=True)
class Clock:
    """A fixed now in the reader's zone, with the hour at which the reader's day starts."""

    now: datetime
    tz: tzinfo
    day_start_hour: int

    # --- the reader's days -------------------------------------------------------

    def reader_date(self, at: datetime) -> date:
        """The reader's date of an aware time: local date of (at - day_start_hour)."""
        return reader_day.reader_date(at, self.tz, self.day_start_hour)

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
        if words == "now":
            return self.now
        if (day := _weekday(words, today, weekday)) is not None:
            return day
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


def _weekday(words: str, today: date, direction: Direction) -> date | None:
    """A weekday: alone, the next or latest such day (today counts); `next monday` the
    first one after today, `last monday` the latest one before today."""
    which, _, name = words.rpartition(" ")
    if name not in _WEEKDAY_OF or which not in ("", "next", "last"):
        return None
    ahead = (_WEEKDAY_OF[name] - today.weekday()) % 7  # days to the next such day, today counting
    if which == "next" or (not which and direction == "next"):
        return today + timedelta(days=ahead or (7 if which else 0))
    behind = -ahead % 7  # days back to the latest such day, today counting
    return today - timedelta(days=behind or (7 if which else 0))


def _span(n: str, unit: str) -> timedelta:
    return timedelta(days=int(n) * (7 if unit == "w" else 1))
