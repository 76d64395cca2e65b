"""Where a chapter being read stands (SPEC §3, human output: `read`, `show` and
`today`'s "continue" say `40%` or `15/35 pages`).

`--percent` is the position reached, the latest wins; `--pages` adds to the chapter's
running sum, shown against its length when that is known. Whichever kind the latest
session gave is what is shown, once it is past the start. Plain values in and out.
"""

from __future__ import annotations

from collections.abc import Iterable


def progress(sessions: Iterable[tuple[int | None, int | None]], length: int | None) -> str | None:
    """`sessions`: (percent, pages) of a chapter's first-pass sessions in log order;
    `length`: the chapter's pages, if known. None when no session said how far, or
    when they got nowhere (`0%`, no page): there is nothing to say."""
    percent: int | None = None
    pages = 0
    latest: str | None = None
    for session_percent, session_pages in sessions:
        if session_percent is not None:
            percent, latest = session_percent, "percent"
        if session_pages is not None:
            pages, latest = pages + session_pages, "pages"
    if latest == "percent":
        return f"{percent}%" if percent else None
    if latest == "pages" and pages:
        return f"{pages}/{length} pages" if length else f"{pages} {'page' if pages == 1 else 'pages'}"
    return None
