"""A JSON document read a member at a time (SPEC §5.2, §6): a backup's header and
library are checked before its events are read, and the events are read one by one,
so a long log is never held parsed. Syntax errors carry their position."""

from __future__ import annotations

import json
import re
from typing import Any


WS = re.compile(r"[ \t\n\r]*")


class Invalid(Exception):
    """A JSON syntax error at a position of the file."""

    def __init__(self, message: str, pos: int) -> None:
        super().__init__(message)
        self.message = message
        self.pos = pos


def skip(text: str, i: int) -> int:
    return WS.match(text, i).end()  # type: ignore[union-attr]


def decode(text: str, i: int) -> tuple[Any, int]:
    try:
        return raw_decode(text, i)
    except json.JSONDecodeError as exc:
        raise Invalid(exc.msg, exc.pos) from None
    except RecursionError:
        raise too_deep(text, i) from None


def too_deep(text: str, i: int) -> Invalid:
    from tracker.limits import DEPTH_MAX, too_deep_at

    return Invalid(f"nested deeper than {DEPTH_MAX} levels", max(too_deep_at(text, i), i))


raw_decode = json.JSONDecoder().raw_decode


def skip_array(text: str, i: int) -> int:
    """The position just after the JSON array that starts at text[i]."""
    i = skip(text, i + 1)
    if text.startswith("]", i):
        return i + 1
    while True:
        _value, i = decode(text, i)
        i = skip(text, i)
        if text.startswith(",", i):
            i = skip(text, i + 1)
        elif text.startswith("]", i):
            return i + 1
        else:
            raise Invalid("expected ',' or ']'", i)


def members(text: str, i: int, top: dict[str, Any], *, stop_at_events: bool) -> tuple[int | None, int | None]:
    """Read the members of the top-level object from text[i] (just after '{' or after a
    member) into `top`, but for `events`: returns (index of its '[', where reading
    stopped if it stopped there, else None)."""
    events_at = None
    first = True
    while True:
        i = skip(text, i)
        if first and text.startswith("}", i):
            i += 1
            break
        if not first:
            if text.startswith(",", i):
                i = skip(text, i + 1)
            elif text.startswith("}", i):
                i += 1
                break
            else:
                raise Invalid("expected ',' or '}'", i)
        first = False
        if not text.startswith('"', i):
            raise Invalid("expected a key in double quotes", i)
        key, i = decode(text, i)
        i = skip(text, i)
        if not text.startswith(":", i):
            raise Invalid("expected ':'", i)
        i = skip(text, i + 1)
        if key == "events" and text.startswith("[", i):
            events_at = i
            top.pop("events", None)
            if stop_at_events and all(k in top for k in ("format", "version", "settings", "library")):
                return events_at, i  # the common case: events come last, read once, by restore
            i = skip_array(text, i)
        else:
            top[key], i = decode(text, i)
    if skip(text, i) != len(text):
        raise Invalid("extra data after the backup", skip(text, i))
    return events_at, None

