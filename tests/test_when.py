"""tracker.when: now, the reader's date and the WHEN grammar (SPEC §3)."""

from __future__ import annotations

import time as systime
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from dateutil import tz as dtz
from hypothesis import given, settings
from hypothesis import strategies as st

from tracker.errors import UserError
from tracker.when import Clock, get_tz, now

PARIS = ZoneInfo("Europe/Paris")
# Wednesday 2026-03-04, 10:00 in Paris; the reader's day starts at 04:00.
NOW = datetime(2026, 3, 4, 10, 0, tzinfo=PARIS)
WED = date(2026, 3, 4)


def clock(at: datetime = NOW, zone=PARIS, hour: int = 4) -> Clock:
    return Clock(now=at, tz=zone, day_start_hour=hour)


C = clock()


# --- the grammar ---------------------------------------------------------------


@pytest.mark.parametrize(
    "text, expected",
    [
        ("2026-03-01", date(2026, 3, 1)),
        ("  2026-03-01 ", date(2026, 3, 1)),
        ("20260301", date(2026, 3, 1)),
        ("today", WED),
        ("TODAY", WED),
        ("yesterday", date(2026, 3, 3)),
        ("tomorrow", date(2026, 3, 5)),
        ("3 days ago", date(2026, 3, 1)),
        ("1 day ago", date(2026, 3, 3)),
        ("0 days ago", WED),
        ("2 weeks ago", date(2026, 2, 18)),
        ("1 week ago", date(2026, 2, 25)),
        ("in 3 days", date(2026, 3, 7)),
        ("in 1 day", date(2026, 3, 5)),
        ("in 2 weeks", date(2026, 3, 18)),
        ("In  2   Weeks", date(2026, 3, 18)),
        ("-3d", date(2026, 3, 1)),
        ("+3d", date(2026, 3, 7)),
        ("-1w", date(2026, 2, 25)),
        ("+2w", date(2026, 3, 18)),
        ("12 March 2026", date(2026, 3, 12)),
        ("March 12, 2026", date(2026, 3, 12)),
        ("2026/03/12", date(2026, 3, 12)),
        ("13/03/2026", date(2026, 3, 13)),
        ("12 march", date(2026, 3, 12)),  # the year from the reader's date
    ],
)
def test_date_forms(text: str, expected: date) -> None:
    assert C.date(text) == expected


@pytest.mark.parametrize(
    "text, expected",
    [
        ("2026-03-01T08:30", datetime(2026, 3, 1, 8, 30, tzinfo=PARIS)),
        ("2026-03-01 08:30", datetime(2026, 3, 1, 8, 30, tzinfo=PARIS)),
        ("2026-03-01T08:30:15", datetime(2026, 3, 1, 8, 30, 15, tzinfo=PARIS)),
        ("2026-03-01T00:00", datetime(2026, 3, 1, 0, 0, tzinfo=PARIS)),  # midnight is a time
        ("2026-03-01T08:30+05:00", datetime(2026, 3, 1, 3, 30, tzinfo=timezone.utc)),
        ("2026-03-01T08:30Z", datetime(2026, 3, 1, 8, 30, tzinfo=timezone.utc)),
        ("2026-03-01 8am", datetime(2026, 3, 1, 8, 0, tzinfo=PARIS)),
        ("March 1, 2026 8:30 pm", datetime(2026, 3, 1, 20, 30, tzinfo=PARIS)),
        ("1 March 2026 08:30 +0100", datetime(2026, 3, 1, 8, 30, tzinfo=PARIS)),
        ("08:30", datetime(2026, 3, 4, 8, 30, tzinfo=PARIS)),  # the reader's date
    ],
)
def test_datetime_forms_keep_their_time(text: str, expected: datetime) -> None:
    got = C.on(text)
    assert got == expected
    assert got.tzinfo is not None
    assert C.since(text) == expected
    assert C.until(text) == expected


def test_offset_is_kept_as_given() -> None:
    got = C.on("2026-03-01T08:30+05:00")
    assert got.utcoffset() == timedelta(hours=5)


@pytest.mark.parametrize(
    "text, needle",
    [
        ("someday", "cannot read 'someday' as a date or time; try 2026-03-01"),
        ("2026-02-30", "'2026-02-30' is not a date: February 2026 has 28 days"),
        ("", "cannot read ''"),
        ("   ", "cannot read"),
        ("3d", "cannot read"),
        ("03/04/2026", "ambiguous"),
        ("12/03/26", "ambiguous"),
        ("1800-01-01", "out of range"),
        ("2300-01-01", "out of range"),
        ("in 9999999 weeks", "out of range"),
        ("2026-03-01 08:30 EST", "time zone"),
        ("2026-03-01T08:30+25:00", "cannot read"),
        ("next monday please", "cannot read"),
        ("next", "cannot read"),
        ("next week", "cannot read"),
        ("last friday 3", "cannot read"),
    ],
)
def test_bad_inputs(text: str, needle: str) -> None:
    for read in (C.on, C.since, C.until, C.date):
        with pytest.raises(UserError) as err:
            read(text)
        assert needle in err.value.message
        assert "\n" not in err.value.message
        assert not err.value.message.startswith("Error")


@pytest.mark.parametrize(
    "text, why",
    [
        ("31/02/2027", "February 2027 has 28 days"),
        ("2027-02-29", "February 2027 has 28 days (2027 is not a leap year)"),
        ("2027-02-29T08:30", "February 2027 has 28 days (2027 is not a leap year)"),
        ("30 February 2027", "February 2027 has 28 days"),
        ("Feb 30, 2027", "February 2027 has 28 days"),
        ("20270230", "February 2027 has 28 days"),
        ("31/04/2027", "April 2027 has 30 days"),  # either order: only April can be meant
        ("04/31/2027", "April 2027 has 30 days"),
        ("2026-09-31 10:00", "September 2026 has 30 days"),
        ("2027-02-00", "the days of February 2027 run from 1 to 28"),
        ("13/13/2027", "there is no month 13 (months run from 1 to 12)"),
        ("2027-13-01", "there is no month 13 (months run from 1 to 12)"),
    ],
)
def test_an_impossible_date_says_why(text: str, why: str) -> None:
    for read in (C.on, C.since, C.until, C.date):
        with pytest.raises(UserError) as err:
            read(text)
        assert err.value.message == f"{text!r} is not a date: {why}"


def test_a_leap_day_is_a_date() -> None:
    assert C.date("2028-02-29") == date(2028, 2, 29)
    assert C.date("29/02/2028") == date(2028, 2, 29)


@pytest.mark.parametrize(
    "text, expected",
    [
        # Wednesday 2026-03-04: `next` is the first such day after today, `last` the latest before.
        ("next friday", date(2026, 3, 6)),
        ("next fri", date(2026, 3, 6)),
        ("Next  Wednesday", date(2026, 3, 11)),  # today does not count
        ("next tuesday", date(2026, 3, 10)),
        ("last friday", date(2026, 2, 27)),
        ("last wednesday", date(2026, 2, 25)),  # today does not count
        ("last thu", date(2026, 2, 26)),
        ("last tuesday", date(2026, 3, 3)),
    ],
)
def test_next_and_last_weekday(text: str, expected: date) -> None:
    for direction in ("next", "latest"):  # the word decides, whatever the option's own rule
        assert C.date(text, weekday=direction) == expected  # type: ignore[arg-type]
    assert C.since(text) == C.day_start(expected)


def test_next_and_last_follow_the_readers_date() -> None:
    night = clock(datetime(2026, 3, 5, 2, 0, tzinfo=PARIS))  # 02:00 Thursday is still Wednesday's day
    assert night.date("next thursday") == date(2026, 3, 5)
    assert night.date("last wednesday") == date(2026, 2, 25)


def test_last_weekday_on_and_next_weekday_refused_for_on() -> None:
    assert C.on("last monday") == datetime(2026, 3, 2, 12, 0, tzinfo=PARIS)
    with pytest.raises(UserError, match="in the future"):
        C.on_past("next monday")


def test_ambiguous_says_what_works() -> None:
    with pytest.raises(UserError, match="YYYY-MM-DD"):
        C.date("03/04/2026")


# --- the reader's date -----------------------------------------------------------


def test_today_is_the_local_date_minus_day_start_hour() -> None:
    assert clock(datetime(2026, 3, 5, 3, 59, tzinfo=PARIS)).today() == WED
    assert clock(datetime(2026, 3, 5, 4, 0, tzinfo=PARIS)).today() == date(2026, 3, 5)
    # the same instant seen from UTC still uses Paris' local date
    late = datetime(2026, 3, 5, 2, 30, tzinfo=timezone.utc)  # 03:30 in Paris
    assert clock(late).today() == WED
    assert clock(late, hour=0).today() == date(2026, 3, 5)


def test_relative_words_follow_the_readers_date() -> None:
    night = clock(datetime(2026, 3, 5, 2, 0, tzinfo=PARIS))  # still Wednesday's day
    assert night.date("today") == WED
    assert night.date("tomorrow") == date(2026, 3, 5)
    assert night.date("-1d") == date(2026, 3, 3)
    assert night.on("today") == night.now


def test_reader_date_of_any_time() -> None:
    assert C.reader_date(datetime(2026, 3, 1, 3, 0, tzinfo=PARIS)) == date(2026, 2, 28)
    assert C.reader_date(datetime(2026, 3, 1, 4, 0, tzinfo=PARIS)) == date(2026, 3, 1)


# --- --on ------------------------------------------------------------------------


def test_on_default_and_readers_own_date_mean_now() -> None:
    assert C.on(None) == NOW
    assert C.on("today") == NOW
    assert C.on("2026-03-04") == NOW
    assert C.on("0 days ago") == NOW
    assert C.on("wednesday") == NOW  # today counts


def test_on_a_date_means_local_noon() -> None:
    assert C.on("2026-03-01") == datetime(2026, 3, 1, 12, tzinfo=PARIS)
    assert C.on("yesterday") == datetime(2026, 3, 3, 12, tzinfo=PARIS)
    assert C.on("tomorrow") == datetime(2026, 3, 5, 12, tzinfo=PARIS)  # caller refuses


def test_on_a_weekday_is_the_latest_such_day() -> None:
    assert C.on("monday") == datetime(2026, 3, 2, 12, tzinfo=PARIS)
    assert C.on("Thu") == datetime(2026, 2, 26, 12, tzinfo=PARIS)
    assert C.on("TUESDAY") == datetime(2026, 3, 3, 12, tzinfo=PARIS)


def test_on_past_refuses_the_future() -> None:
    assert C.on_past(None) == NOW
    assert C.on_past("yesterday") == datetime(2026, 3, 3, 12, tzinfo=PARIS)
    assert C.on_past("2026-03-04T10:00") == NOW
    for text in ("tomorrow", "2026-03-04T10:01", "+1d"):
        with pytest.raises(UserError, match=r"is in the future \(now is 2026-03-04T10:00"):
            C.on_past(text)


# --- --since / --until -----------------------------------------------------------


def test_since_a_date_is_the_start_of_the_readers_day() -> None:
    assert C.since("2026-03-01") == datetime(2026, 3, 1, 4, 0, tzinfo=PARIS)
    assert C.since("today") == datetime(2026, 3, 4, 4, 0, tzinfo=PARIS)
    assert C.since("monday") == datetime(2026, 3, 2, 4, 0, tzinfo=PARIS)  # latest
    assert C.since("wed") == datetime(2026, 3, 4, 4, 0, tzinfo=PARIS)  # today counts


def test_until_a_date_is_the_end_of_the_readers_day() -> None:
    end = datetime(2026, 3, 2, 3, 59, 59, 999999, tzinfo=PARIS)
    assert C.until("2026-03-01") == end
    assert C.until("today") == datetime(2026, 3, 5, 3, 59, 59, 999999, tzinfo=PARIS)
    assert C.until("monday") == datetime(2026, 3, 10, 3, 59, 59, 999999, tzinfo=PARIS)  # next
    assert C.until("wed") == datetime(2026, 3, 5, 3, 59, 59, 999999, tzinfo=PARIS)


def test_day_boundaries_meet() -> None:
    d = date(2026, 3, 1)
    assert C.day_end(d) + timedelta(microseconds=1) == C.day_start(d + timedelta(days=1))
    assert C.reader_date(C.day_start(d)) == d
    assert C.reader_date(C.day_end(d)) == d


# --- --date and friends ----------------------------------------------------------


def test_date_weekday_is_next_by_default_and_today_counts() -> None:
    assert C.date("monday") == date(2026, 3, 9)
    assert C.date("wednesday") == WED
    assert C.date("sun") == date(2026, 3, 8)


def test_date_weekday_latest_for_agenda_from() -> None:
    assert C.date("monday", weekday="latest") == date(2026, 3, 2)
    assert C.date("wednesday", weekday="latest") == WED
    assert C.date("thu", weekday="latest") == date(2026, 2, 26)


def test_date_of_a_datetime_is_its_readers_date() -> None:
    assert C.date("2026-03-01T03:00") == date(2026, 2, 28)
    assert C.date("2026-03-01T05:00") == date(2026, 3, 1)
    assert C.date("2026-03-01T02:30Z") == date(2026, 2, 28)  # 03:30 in Paris


# --- DST in Europe/Paris ---------------------------------------------------------


def hours(a: datetime, b: datetime) -> float:
    """Elapsed hours (in UTC: subtracting two times of one tzinfo ignores DST)."""
    return (b.astimezone(timezone.utc) - a.astimezone(timezone.utc)).total_seconds() / 3600


@pytest.mark.parametrize("zone", [PARIS, dtz.gettz("Europe/Paris")], ids=["zoneinfo", "dateutil"])
def test_spring_forward_day(zone) -> None:
    c = clock(zone=zone)
    start = c.day_start(date(2026, 3, 29))
    assert start.isoformat() == "2026-03-29T04:00:00+02:00"
    assert c.day_end(date(2026, 3, 28)).isoformat() == "2026-03-29T03:59:59.999999+02:00"
    assert c.day_start(date(2026, 3, 28)).utcoffset() == timedelta(hours=1)
    assert hours(start, c.day_start(date(2026, 3, 30))) == 24
    assert hours(c.day_start(date(2026, 3, 28)), start) == 23
    assert c.noon(date(2026, 3, 29)).isoformat() == "2026-03-29T12:00:00+02:00"


@pytest.mark.parametrize("zone", [PARIS, dtz.gettz("Europe/Paris")], ids=["zoneinfo", "dateutil"])
def test_fall_back_day(zone) -> None:
    c = clock(zone=zone)
    start = c.day_start(date(2026, 10, 25))
    assert start.isoformat() == "2026-10-25T04:00:00+01:00"
    assert c.day_end(date(2026, 10, 24)).isoformat() == "2026-10-25T03:59:59.999999+01:00"
    assert hours(c.day_start(date(2026, 10, 24)), start) == 25


def test_day_start_inside_the_dst_gap() -> None:
    c = clock(hour=2)  # 02:00 does not exist on 2026-03-29 in Paris
    start = c.day_start(date(2026, 3, 29))
    assert start == datetime(2026, 3, 29, 1, 0, tzinfo=timezone.utc)
    assert c.reader_date(start) == date(2026, 3, 29)
    before = start.astimezone(timezone.utc) - timedelta(microseconds=1)
    assert c.reader_date(before) == date(2026, 3, 28)
    assert c.day_end(date(2026, 3, 28)) == before


@settings(max_examples=300, deadline=None)
@given(
    st.datetimes(min_value=datetime(1950, 1, 1), max_value=datetime(2150, 1, 1)),
    st.sampled_from(["Europe/Paris", "America/New_York", "Australia/Lord_Howe", "UTC"]),
    st.integers(0, 23),
)
def test_every_instant_lies_in_its_readers_day(naive: datetime, zone: str, hour: int) -> None:
    c = clock(zone=ZoneInfo(zone), hour=hour)
    at = naive.replace(tzinfo=timezone.utc)
    d = c.reader_date(at)
    assert c.day_start(d) <= at <= c.day_end(d)


# --- now() and get_tz() ----------------------------------------------------------


def test_now_from_tracker_now(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRACKER_NOW", "2026-03-04T10:00:00+01:00")
    assert now() == NOW
    monkeypatch.setenv("TRACKER_NOW", "2026-03-04T09:00Z")
    assert now() == NOW


def test_naive_tracker_now_is_system_local(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRACKER_NOW", "2026-03-04T10:00")
    monkeypatch.setenv("TZ", "Europe/Paris")
    systime.tzset()
    try:
        got = now()
        assert got.tzinfo is not None
        assert got == NOW
    finally:
        monkeypatch.undo()
        systime.tzset()


def test_bad_tracker_now(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRACKER_NOW", "yesterday")
    with pytest.raises(UserError, match="TRACKER_NOW is not an ISO 8601 time: 'yesterday'"):
        now()


def test_now_without_tracker_now(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TRACKER_NOW", raising=False)
    got = now()
    assert got.tzinfo is not None
    assert abs(got - datetime.now(timezone.utc)) < timedelta(seconds=5)


def test_get_tz(monkeypatch: pytest.MonkeyPatch) -> None:
    assert get_tz("Europe/Paris") == PARIS
    for bad in ("Mars/Olympus", "", "../etc", "Europe"):
        with pytest.raises(UserError, match="Europe/Paris"):
            get_tz(bad)
    monkeypatch.setenv("TZ", "America/New_York")
    systime.tzset()
    try:
        local = get_tz(None)
        winter = datetime(2026, 1, 15, 12, tzinfo=local)
        assert winter.utcoffset() == timedelta(hours=-5)
    finally:
        monkeypatch.undo()
        systime.tzset()


# --- never anything but a value or UserError --------------------------------------

WHENISH = st.text(alphabet="0123456789-+/:. TZdwamp", max_size=25)
WORDS = st.sampled_from(
    ["today", "monday", "mon", "in", "days", "ago", "week", "march", "12", "2026", "-3d", "pm"]
)


def assert_reads_or_refuses(c: Clock, text: str) -> None:
    for read in (c.on, c.on_past, c.since, c.until):
        try:
            value = read(text)
        except UserError as err:
            assert err.message and "\n" not in err.message
        else:
            assert isinstance(value, datetime) and value.utcoffset() is not None
    for direction in ("next", "latest"):
        try:
            d = c.date(text, weekday=direction)  # type: ignore[arg-type]
        except UserError:
            pass
        else:
            assert type(d) is date


@settings(max_examples=400, deadline=None)
@given(st.text())
def test_any_text_reads_or_refuses(text: str) -> None:
    assert_reads_or_refuses(C, text)


@settings(max_examples=400, deadline=None)
@given(st.one_of(WHENISH, st.lists(WORDS, max_size=4).map(" ".join)))
def test_date_like_text_reads_or_refuses(text: str) -> None:
    assert_reads_or_refuses(clock(zone=dtz.gettz("Europe/Paris"), hour=0), text)


# --- through the command line ----------------------------------------------------------


def test_the_command_line_says_why_a_date_does_not_exist(run, unchanged):
    with unchanged(run.db):
        line = run.error("read", "inference-engineering", "5.1", "--on", "31/02/2027")
    assert line == "Error: '31/02/2027' is not a date: February 2027 has 28 days"
    assert run.error("agenda", "--from", "2027-02-29") == (
        "Error: '2027-02-29' is not a date: February 2027 has 28 days (2027 is not a leap year)")


def test_the_command_line_reads_next_and_last_weekdays(run):
    # DEFAULT_NOW is Monday 2026-03-02 in Paris.
    assert run.json("agenda", "--from", "next friday", "--days", "1")[0]["date"] == "2026-03-06"
    assert run.json("agenda", "--from", "next monday", "--days", "1")[0]["date"] == "2026-03-09"
    run.ok("read", "inference-engineering", "5.1", "--on", "last friday")
    assert run.json("log")[-1]["at"] == "2026-02-27T12:00:00+01:00"
    assert "in the future" in run.error("read", "inference-engineering", "5.1", "--on", "next friday")


def test_now_is_a_time_and_an_empty_when_is_refused(run, unchanged):
    """`--on now` is now (as Taskwarrior readers type it); `--on ""` is no time at all."""
    run.ok("read", "inference-engineering", "5.1", "--on", "now")
    assert run.json("log")[-1]["at"] == "2026-03-02T09:00:00+01:00"
    with unchanged(run.db):
        line = run.error("read", "inference-engineering", "5.1", "--on", "")
    assert line.startswith("Error: cannot read '' as a date or time; try 2026-03-01, 2026-03-01T08:30, now,")
