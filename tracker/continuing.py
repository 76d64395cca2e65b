"""Where to continue a book being read (SPEC §3, `today --json`'s "continue"): the
first chapter in reading order that is not read, or, where that chapter has started
sections, its first section that is not read (and so on down).

Plain values in and out, stdlib only: `tracker.plan` (`today`) and the shell-prompt
line (`tracker.prompt_line`) both ask it, so that they cannot disagree.
"""

from __future__ import annotations

from collections.abc import Sequence

from tracker.chapter_numbers import is_top_level, parent_of


def where_to_continue(chapters: Sequence[tuple[str, str, str]]) -> tuple[str, str, int, int] | None:
    """A book's chapters as (number, title, status) in reading order → (number, title,
    top-level chapters read, top-level chapters) of where to continue, or None when
    every top-level chapter is read."""
    numbers = {n for n, _, _ in chapters}
    top = [(n, t, s) for n, t, s in chapters if is_top_level(n, numbers)]
    read = sum(1 for _, _, s in top if s == "read")
    nxt = next(((n, t, s) for n, t, s in top if s != "read"), None)
    if nxt is None:
        return None
    number, title, status = nxt
    # Into its sections while some of them are started: the first one not read.
    while status == "reading":
        sections = [(n, t, st) for n, t, st in chapters if parent_of(n) == number]
        if not any(st != "unread" for _, _, st in sections):
            break
        deeper = next(((n, t, st) for n, t, st in sections if st != "read"), None)
        if deeper is None:
            break
        number, title, status = deeper
    return number, title, read, len(top)
