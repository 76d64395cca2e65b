"""A library with every kind of event and awkward text, for the data tests
(export, backup, restore, stats): built through the real CLI."""

from __future__ import annotations

from typing import Any

IE = "inference-engineering"
ODD_NOTE = 'multi\nline "quoted", semi; back\\slash\r\nCJK 日本語 emoji 🎉📚 RTL שלום עליכם \u200f end'
LONG_NOTE = ("A long note. " * 800)[:10_000]
FORMULA_NOTES = ("=SUM(A1:A9)", "+1+2", "-3", "@cmd", "\tTabbed", "\rReturn")
EVIL_TITLE = "=Evil; Book, with \\ backslash"


def populate(run: Any) -> None:
    """Every event kind (read, finish, favourite, unfavourite, revisit, snooze, break,
    stop, note, queue, start, done, dismiss), odd notes and a book of the reader's own."""
    run.ok("read", IE, "0", "--minutes", "30", "--percent", "40", "--on", "6 days ago")
    run.ok("read", IE, "0", "--done", "--minutes", "25", "--on", "5 days ago")
    run.ok("read", IE, "1.1", "--pages", "12", "--minutes", "20", "--note", FORMULA_NOTES[0], "--on", "5 days ago")
    run.ok("read", IE, "1", "--done", "--minutes", "45", "--on", "4 days ago")
    run.ok("read", IE, "2", "--done", "--on", "4 days ago")
    run.ok("fav", IE, "0", "--on", "4 days ago")
    run.ok("fav", IE, "1", "--rating", "hard", "--on", "4 days ago")
    run.ok("fav", IE, "2", "--rating", "easy", "--on", "4 days ago")
    run.ok("unfav", IE, "2", "--on", "3 days ago")
    run.ok("revisit", IE, "0", "good", "--minutes", "10", "--note", ODD_NOTE, "--on", "2 days ago")
    run.ok("revisit", IE, "1", "again", "--minutes", "5", "--on", "yesterday")
    run.ok("snooze", IE, "1", "--days", "3")
    run.ok("note", IE, LONG_NOTE, "--chapter", "2")
    for text in FORMULA_NOTES[1:]:
        run.ok("note", IE, "--", text) if text.startswith("-") else run.ok("note", IE, text)
    run.ok("break", "--from", "in 20 days", "--to", "in 22 days")
    run.ok("book", "add", EVIL_TITLE, "--slug", "evil-book", "--author", "Ève Ödd")
    run.ok("chapter", "add", "evil-book", "1", "Δ Über chapter; one, two")
    run.ok("chapter", "add", "evil-book", "2", "Second")
    run.ok("read", "evil-book", "1", "--done", "--minutes", "15", "--on", "yesterday")
    run.ok("fav", "evil-book", "1", "--on", "yesterday")
    run.ok("book", "stop", "evil-book")
    run.ok("resource", "queue", "gpu-glossary", "--on", "3 days ago")
    run.ok("resource", "start", "nano-vllm", "--on", "2 days ago")
    run.ok("resource", "done", "nano-vllm", "--on", "yesterday")
    run.ok("resource", "dismiss", "mini-sglang")
