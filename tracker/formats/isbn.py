"""ISBNs (SPEC §5.5: a book is matched by its ISBN): read from the forms files give them
in (`="9781449373320"`, `978-1-4493-7332-0`, `urn:isbn:…`, an ISBN-10) as one ISBN-13,
so that a book is the same book whichever form named it."""

from __future__ import annotations

import re

_NOT_DIGITS = re.compile(r"[^0-9Xx]")


def _isbn13_check(first12: str) -> str:
    total = sum(int(d) * (1 if i % 2 == 0 else 3) for i, d in enumerate(first12))
    return str((10 - total % 10) % 10)


def _isbn10_valid(code: str) -> bool:
    total = sum((10 - i) * (10 if c in "Xx" else int(c)) for i, c in enumerate(code))
    return total % 11 == 0


def isbn13(text: str | None) -> str | None:
    """The ISBN-13 that `text` gives (an ISBN-10 converted), or None for anything else
    (an empty cell, an ASIN, a mistyped check digit)."""
    if not text:
        return None
    raw = text.strip()
    if raw.startswith("="):  # a spreadsheet formula that keeps the leading zeros: ="…"
        raw = raw[1:]
    raw = raw.strip().strip('"').strip()
    if raw.lower().startswith("urn:isbn:"):
        raw = raw[9:]
    code = _NOT_DIGITS.sub("", raw)
    if len(code) == 13 and code.isdigit() and code[:3] in ("978", "979"):
        return code if _isbn13_check(code[:12]) == code[12] else None
    if len(code) == 10 and code[:9].isdigit() and (code[9].isdigit() or code[9] in "Xx") and _isbn10_valid(code):
        first12 = "978" + code[:9]
        return first12 + _isbn13_check(first12)
    return None


def isbn10(code13: str | None) -> str | None:
    """The ISBN-10 of an ISBN-13 that has one (those that begin with 978)."""
    if not code13 or len(code13) != 13 or not code13.startswith("978"):
        return None
    body = code13[3:12]
    total = sum((10 - i) * int(d) for i, d in enumerate(body))
    check = (11 - total % 11) % 11
    return body + ("X" if check == 10 else str(check))
