"""The one exception type of the library layer (SPEC §6).

`UserError` is a user's mistake (exit 2); `EnvError` a failure of the environment
(exit 1). The CLI turns either into one `Error: …` line in exactly one place.
"""

from __future__ import annotations

from collections.abc import Iterable


class TrackerError(Exception):
    exit_code = 2

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class UserError(TrackerError):
    exit_code = 2


class EnvError(TrackerError):
    exit_code = 1


class LibraryGone(EnvError):
    """The library file was taken back (by the failed command that had just created it)
    while this command waited for the write lock; nothing was written. The CLI runs the
    command again, on a library made anew."""


def candidates(names: Iterable[str], limit: int = 8) -> str:
    """'a, b, c' (and 'and N more') for an error line."""
    items = list(names)
    shown = ", ".join(items[:limit])
    if len(items) > limit:
        shown += f" and {len(items) - limit} more"
    return shown
