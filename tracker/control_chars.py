"""Text printed without terminal control characters (SPEC §2): titles, notes and
arguments are shown with their control characters escaped, so that nothing a
library holds can move the cursor or set the window title.

Stdlib only: the CLI's every line goes through `clean`, and so does the
shell-prompt line, which is printed without Click.
"""

from __future__ import annotations

import re

# The colour codes tracker itself writes (SGR, ESC [ … m) are kept; any other escape
# sequence is broken up.
_CONTROL = re.compile(r"(\x1b\[[0-9;]*m)|([\x00-\x08\x0b-\x1f\x7f-\x9f])")


def clean(text: str) -> str:
    """Text safe to print on a terminal: control characters other than newline and tab
    are written as visible escapes (\\x1b)."""
    return _CONTROL.sub(lambda m: m.group(1) or f"\\x{ord(m.group(2)):02x}", text)
