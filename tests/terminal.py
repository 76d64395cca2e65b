"""Commands on a real pseudo-terminal: what a reader's terminal gets (SPEC §3, human
output), and what Ctrl-C does there."""

from __future__ import annotations

import os
import select
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


def start(run: Any, args: list[str], *, columns: int | None = None, answers: bool = False) -> tuple[Any, int]:
    """`tracker ARGS` with its standard output on a new terminal (and its input too, with
    `answers`); returns the process and the terminal's other end, to read and write."""
    import pty

    main, child = pty.openpty()
    path = os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH", "")) if p)
    env = {**os.environ, "PYTHONPATH": path, "TRACKER_DB": str(run.db), "TRACKER_NOW": run.now, "NO_COLOR": "1"}
    if columns is not None:
        env["COLUMNS"] = str(columns)
    proc = subprocess.Popen([sys.executable, "-m", "tracker", *args], stdin=child if answers else None, stdout=child,
                            stderr=subprocess.PIPE, env=env, cwd=ROOT)
    os.close(child)
    return proc, main


def read_rest(main: int, seconds: float = 30) -> bytes:
    """What the terminal shows until it closes (the command exited) or stays quiet `seconds`."""
    out = b""
    while select.select([main], [], [], seconds)[0]:
        try:
            chunk = os.read(main, 65536)
        except OSError:  # the terminal closes when the command exits
            break
        if not chunk:
            break
        out += chunk
    return out


def text(out: bytes) -> str:
    return out.decode("utf-8").replace("\r\n", "\n")
