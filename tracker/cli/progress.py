"""Progress bars for long work (SPEC §3 human output, §7's long commands): a Click bar
on stderr while a use case runs, drawn only when stderr is a terminal, so that pipes,
files and scripts never see one.

Use cases never import Click: they take a plain `progress(n)` callback ("n more units
done", `Callable[[int], None] | None`), and a command makes one here:

    with progress_bar("Restoring", lambda: count_the_work(), at_least=20_000) as progress:
        use_case(..., progress=progress)

`progress` is None when no bar is drawn (not a terminal, or too little work to be worth
one), which the use cases take as "report nothing". Counting the work is done only
when a bar will be drawn.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import click

Progress = Callable[[int], None]


def on_terminal() -> bool:
    """Is stderr a terminal (someone watching), not a pipe, a file or a test's capture?"""
    try:
        return sys.stderr.isatty()
    except (AttributeError, ValueError):  # replaced, or closed
        return False


@contextmanager
def progress_bar(label: str, total: int | Callable[[], int], *, at_least: int = 1) -> Iterator[Progress | None]:
    """A bar of `total` units (or a function counting them) on stderr for the block,
    if stderr is a terminal and there are `at_least` units; yields its `progress(n)`."""
    if not on_terminal():
        yield None
        return
    length = total() if callable(total) else total
    if length < max(at_least, 1):
        yield None
        return
    with click.progressbar(length=length, label=label, file=sys.stderr) as bar:
        yield bar.update
