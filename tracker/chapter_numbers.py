"""Chapter numbers (SPEC §1 "Chapter number"): digits or an appendix letter, then
dot-separated digits (`5`, `5.2`, `5.2.3`, `0`, `A`, `B.1`); a section's parent must
exist. `chapter add`, hand-written library files and imports are held to it; tracker's
own backups and upgraded databases keep the numbers they have."""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence

from tracker.model import parent_of

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
