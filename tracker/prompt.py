"""The `tracker` command's entry point (SPEC §3, §7 `today --short`): the shell-prompt
line answered without Click when it can be (`tracker.prompt_line`), every other command
line by the Click application (`tracker.cli`).

Stdlib only until it hands over: a prompt pays for Python and SQLite, not for Click.
"""

from __future__ import annotations

import sys


def main() -> None:
    args = sys.argv[1:]
    if "--short" in args:
        from tracker.prompt_line import answer

        line = answer(args)
        if line is not None and _printed(line):
            return
    # A command makes most of its objects while it imports: collecting garbage then is
    # wasted work (tracker.cli.main says more; App.lib turns the collector back on).
    import gc

    gc.disable()
    from tracker.cli import main as cli_main

    cli_main(args)


def _printed(line: str) -> bool:
    try:
        sys.stdout.write(line + "\n")
        sys.stdout.flush()
    except UnicodeEncodeError:
        return False  # nothing was written: Click prints it its own way
    except BrokenPipeError:
        import os

        # The reader of the line went away: say nothing more (as a shell tool does).
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        sys.exit(1)
    return True
