"""The fast CSV and JSON writers (SPEC §5.3) give, for any text, exactly the bytes of
`csv.writer` and `json.dumps` over the whole row, the way the exports were written
before issue 16 (one dict per event)."""

from __future__ import annotations

import csv
import io
import json

from hypothesis import given, settings
from hypothesis import strategies as st

from tracker.formats.csv_log import CSV_HEADER, csv_cell, write_csv
from tracker.formats.json_log import write_json, write_jsonl
from tracker.formats.log_source import LogSource

FORMULA = ["=", "+", "-", "@", "\t", "\r"]
# Text that csv and JSON treat specially, and some that they do not.
text = st.one_of(
    st.text(alphabet=st.sampled_from(['"', ",", "\n", "\r", "\t", " ", "'", "\\", "é", "日", "🎉", "\u2028",
                                      "\x7f", "\x1b", "a", "1", *FORMULA]), max_size=8),
    st.text(max_size=12).filter(lambda s: "\x00" not in s),
)
maybe_int = st.one_of(st.none(), st.integers(min_value=0, max_value=2**31 - 1))
KINDS = ["read", "finish", "favourite", "unfavourite", "revisit", "snooze", "break", "stop", "note", "queue",
         "start", "done", "dismiss"]


@st.composite
def logs(draw):
    books = {i: (draw(text.filter(bool)), draw(text)) for i in range(1, draw(st.integers(1, 3)) + 1)}
    chapters = {i: (draw(text.filter(bool)), draw(text)) for i in range(10, draw(st.integers(10, 13)) + 1)}
    resources = {i: draw(text.filter(bool)) for i in range(20, draw(st.integers(20, 22)) + 1)}
    rows = []
    for eid in range(1, draw(st.integers(0, 12)) + 1):
        rows.append((
            eid, draw(st.sampled_from(["2026-03-01T08:30:00+01:00", "1905-06-01T12:09:21+00:09:21"])),
            draw(st.sampled_from([None, *books])), draw(st.sampled_from([None, *chapters])),
            draw(st.sampled_from([None, *resources])), draw(st.sampled_from(KINDS)),
            draw(maybe_int), draw(maybe_int), draw(maybe_int),
            draw(st.sampled_from([None, "again", "hard", "good", "easy"])),
            draw(st.sampled_from([None, "2026-05-20"])), draw(st.one_of(st.none(), text)),
        ))
    return books, chapters, resources, rows


def source(books, chapters, resources, rows, batch=5):
    batches = iter([rows[i:i + batch] for i in range(0, len(rows), batch)])
    return LogSource(books, chapters, resources, lambda at: at, batches)


def dicts(books, chapters, resources, rows, *, book_title):
    for eid, at, bid, cid, rid, kind, minutes, percent, pages, rating, until, note in rows:
        row = {"id": eid, "at": at, "book": books[bid][0] if bid else None}
        if book_title:
            row["book_title"] = books[bid][1] if bid else None
        row.update({"chapter": chapters[cid][0] if cid else None, "chapter_title": chapters[cid][1] if cid else None,
                    "resource": resources[rid] if rid else None, "event": kind, "minutes": minutes,
                    "percent": percent, "pages": pages, "rating": rating, "until": until, "note": note})
        yield row


@settings(max_examples=200, deadline=None)
@given(logs())
def test_csv_is_what_csv_writer_writes_for_the_guarded_row(log):
    out = io.StringIO(newline="")
    count = write_csv(source(*log), out)
    expected = io.StringIO(newline="")
    writer = csv.writer(expected, lineterminator="\r\n")
    writer.writerow(CSV_HEADER)
    guarded = ("book", "book_title", "chapter", "chapter_title", "resource", "note")
    for row in dicts(*log, book_title=True):
        writer.writerow([csv_cell(row[k]) if k in guarded else row[k] for k in CSV_HEADER])
    assert out.getvalue() == expected.getvalue()
    assert count == len(log[3])


@settings(max_examples=200, deadline=None)
@given(logs())
def test_json_and_jsonl_are_what_json_dumps_writes(log):
    dumps = json.JSONEncoder(ensure_ascii=False).encode
    rows = list(dicts(*log, book_title=False))
    out = io.StringIO(newline="")
    assert write_json(source(*log), out) == len(rows)
    expected = "[" + "".join((",\n" if i else "\n") + dumps(r) for i, r in enumerate(rows))
    assert out.getvalue() == expected + ("\n]\n" if rows else "]\n")
    out = io.StringIO(newline="")
    assert write_jsonl(source(*log), out) == len(rows)
    assert out.getvalue() == "".join(dumps(r) + "\n" for r in rows)
