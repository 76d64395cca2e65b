"""Counted words in human output (SPEC §3, the paragraph after the JSON shapes; §5.4's
report): `1 day`, `3 days`. One rule for the command line, the change journal and the
report, which cannot import each other."""

from __future__ import annotations


def plural(count: float, word: str, many: str | None = None, *, shown: str | None = None) -> str:
    """'1 chapter', '3 chapters' (`many` for irregular plurals; `shown`: the count as
    written, e.g. '1,234')."""
    return f"{count if shown is None else shown} {word if count == 1 else (many or word + 's')}"
