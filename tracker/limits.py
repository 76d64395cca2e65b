"""The limits of what a reader can record (SPEC §6): text lengths, numbers, file sizes
and nesting. Past a limit is a user's mistake (exit 2), checked before anything
overflows; every input path (options, library files, backups, imports) uses these."""

from __future__ import annotations

from tracker.errors import UserError

SLUG_MAX = 100
TITLE_MAX = 500
NOTE_MAX = 10_000
TOPIC_NAME_MAX = 200
MAX_MINUTES = 10_000  # one session or revisit: about a week without sleep
MAX_PAGES = 100_000
MAX_ID = 2**63 - 1  # the database's id column

FILE_MAX_BYTES = 512 * 1024 * 1024  # a backup of a long life of reading is well under this
DEPTH_MAX = 64  # tracker's own files nest 4 deep


def check_length(what: str, value: str, limit: int) -> str:
    if len(value) > limit:
        raise UserError(f"{what} is {len(value):,} characters long; at most {limit:,} are kept")
    return value


def too_deep_at(text: str, start: int = 0, limit: int = DEPTH_MAX) -> int:
    """Where brackets first nest deeper than `limit` in JSON or TOML text (strings
    skipped), from `start`; -1 if nowhere. Run only once a parser has given up (its
    RecursionError), to say where: the daily path never pays for the scan."""
    import re

    depth = 0
    for m in re.compile(r'"(?:[^"\\\n]|\\.)*"|\'[^\'\n]*\'|[\[{]|[\]}]').finditer(text, start):
        token = m.group()
        if token in "[{":
            depth += 1
            if depth > limit:
                return m.start()
        elif token in "]}":
            depth = max(0, depth - 1)
    return -1


def line_column(text: str, pos: int) -> str:
    pos = min(max(pos, 0), len(text))
    line = text.count("\n", 0, pos) + 1
    column = pos - (text.rfind("\n", 0, pos) + 1) + 1
    return f"line {line} column {column}"


def check_minutes(minutes: int | None) -> None:
    if minutes is not None and minutes < 0:
        raise UserError(f"--minutes must be 0 or more, got {minutes}")
    if minutes is not None and minutes > MAX_MINUTES:
        raise UserError(f"--minutes must be at most {MAX_MINUTES} for one session, got {minutes}")


def check_pages(pages: int | None) -> None:
    if pages is not None and not 0 <= pages <= MAX_PAGES:
        raise UserError(f"--pages must be from 0 to {MAX_PAGES}, got {pages}")


def check_url(url: str) -> None:
    from urllib.parse import urlparse

    parsed = urlparse(url)
    if parsed.scheme not in ("http", "https") or not parsed.netloc or " " in url:
        raise UserError(f"{url!r} is not a web address; use one like https://example.com/page")

