"""Checked entries of tracker's own files (SPEC §5.1, §5.2, §6): every mistake one line
naming the file, the entry and the key. The library file's tables are checked with them."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from tracker.errors import UserError
from tracker.limits import SLUG_MAX

SLUG_RE = re.compile(r"[a-z0-9-]+")


def type_name(value: Any) -> str:
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int):
        return "an integer"
    if isinstance(value, float):
        return "a float"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, Mapping):
        return "a table"
    if isinstance(value, (list, tuple)):
        return "a list"
    return f"a {type(value).__name__}"


class Entry:
    """Validates the keys of one table; errors name the file, the entry and the key."""

    TOP_KEYS: tuple[str, ...] = ()  # keys that belong at the top of the file, for a hint

    def __init__(self, filename: str, label: str, table: Any, known: Sequence[str]) -> None:
        self.filename = filename
        self.label = label
        if not isinstance(table, Mapping):
            self.fail(f"must be a table, not {type_name(table)}")
        self.table = table
        for key in table:
            if key not in known:
                hint = ""
                if key in self.TOP_KEYS:
                    # TOML puts a key written after a [[table]] inside that table.
                    hint = f"; a top-level {key!r} must come before the first [[...]] table"
                self.fail(f"unknown key {key!r} (known: {', '.join(known)}){hint}")

    def fail(self, message: str, key: str | None = None) -> None:
        where = f"{self.label}: {key}" if key else self.label
        raise UserError(f"{self.filename}: {where}: {message}")

    def present(self, key: str) -> bool:
        return self.table.get(key) is not None

    def str(self, key: str, *, required: bool = False, max_len: int | None = None) -> str | None:
        value = self.table.get(key)
        if value is None:
            if required:
                self.fail(f"missing required key {key!r}")
            return None
        if not isinstance(value, str):
            self.fail(f"must be a string, not {type_name(value)}", key)
        check_text(self, key, value)
        if required and not value.strip():
            self.fail("must not be empty", key)
        if max_len is not None and len(value) > max_len:
            self.fail(f"is longer than {max_len} characters", key)
        return value

    def slug(self, key: str = "slug", *, required: bool = True) -> str | None:
        value = self.str(key, required=required)
        if value is not None:
            check_slug(self, key, value)
        return value

    def choice(self, key: str, choices: Sequence[str], *, required: bool = False) -> str | None:
        value = self.str(key, required=required)
        if value is not None and value not in choices:
            self.fail(f"{value!r} is not one of {', '.join(choices)}", key)
        return value

    def int(self, key: str, *, minimum: int | None = None) -> int | None:
        value = self.table.get(key)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            self.fail(f"must be an integer, not {type_name(value)}", key)
        if minimum is not None and value < minimum:
            self.fail(f"must be {minimum} or more, not {value}", key)
        if not -(2**31) <= value < 2**31:
            self.fail(f"{value} is out of range", key)
        return value

    def str_list(self, key: str) -> tuple[str, ...] | None:
        value = self.table.get(key)
        if value is None:
            return None
        if not isinstance(value, (list, tuple)):
            self.fail(f"must be a list of strings, not {type_name(value)}", key)
        for item in value:
            if not isinstance(item, str):
                self.fail(f"must be a list of strings, not contain {type_name(item)}", key)
            check_text(self, key, item)
            if not item.strip():
                self.fail("must not contain an empty string", key)
        return tuple(value)

    def slug_list(self, key: str) -> tuple[str, ...] | None:
        items = self.str_list(key)
        if items is None:
            return None
        seen: set[str] = set()
        for item in items:
            check_slug(self, key, item)
            if item in seen:
                self.fail(f"{item!r} is listed twice", key)
            seen.add(item)
        return items


def tables(filename: str, obj: Mapping[str, Any], key: str) -> Sequence[Any]:
    value = obj.get(key)
    if value is None:
        return ()
    if not isinstance(value, (list, tuple)):
        raise UserError(f"{filename}: {key}: must be a list of tables, not {type_name(value)}")
    return value


def check_text(entry: Entry, key: str, value: str) -> None:
    if "\x00" in value:
        entry.fail("must not contain a NUL character", key)


def check_slug(entry: Entry, key: str, value: str) -> None:
    if not SLUG_RE.fullmatch(value):
        entry.fail(f"{value!r} is not a slug (lowercase letters, digits and '-')", key)
    if len(value) > SLUG_MAX:
        entry.fail(f"is longer than {SLUG_MAX} characters", key)

