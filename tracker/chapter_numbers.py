"""Chapter numbers (SPEC §1 "Chapter number"): digits or an appendix letter, then
dot-separated digits (`5`, `5.2`, `5.2.3`, `0`, `A`, `B.1`); a section's parent must
exist. `chapter add`, hand-written library files and imports are held to it; tracker's
own backups and upgraded databases keep the numbers they have."""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence

PATTERN = re.compile(r"^([0-9]+|[A-Z])(\.[0-9]+)*$")
EXAMPLES = "5, 5.2, 5.2.3, 0, A or B.1"


def problem(number: str, numbers: Collection[str]) -> str | None:
    """Why `number` cannot be a chapter of a book that has chapters `numbers`, or None."""
    if not PATTERN.match(number):
        return f"chapter number {number!r} is not like {EXAMPLES}"
    parent = parent_of(number)
    if parent is not None and parent not in numbers:
        return f"chapter {number} needs its parent chapter {parent} first"
    return None


def place(number: str, order: Sequence[str]) -> int:
    """Where a new chapter goes in a book whose chapters are `order` (reading order):
    a section after its parent's last section, a top-level chapter at the end."""
    parent = parent_of(number)
    if parent is None or parent not in order:
        return len(order)
    return max(i for i, n in enumerate(order) if n == parent or n.startswith(parent + ".")) + 1


def parent_of(number: str) -> str | None:
    """The number of a chapter's parent: "5" for "5.2", None for "5"."""
    head, sep, _ = number.rpartition(".")
    return head if sep else None


def is_top_level(number: str, numbers: set[str] | frozenset[str]) -> bool:
    """A top-level chapter: no parent, or a parent the book does not have (SPEC §1:
    a book's progress counts these)."""
    parent = parent_of(number)
    return parent is None or parent not in numbers

