"""Files written whole or not at all (SPEC §5.2, §5.3, §6): exports and backups go to a
temporary file beside the target, renamed into place when complete; a progress count
for long exports."""

from __future__ import annotations

import io
import os
import stat
import tempfile
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any, BinaryIO, TextIO

from tracker.errors import EnvError, UserError


PROGRESS_EVERY = 1000


Progress = Callable[[int], None]


def is_stream(path: Path) -> bool:
    """A device, a pipe or a socket (`/dev/stdout`, a FIFO): written into as it is, since
    there is no file to replace and nothing of the reader's to overwrite."""
    try:
        mode = os.stat(path).st_mode  # through symbolic links
    except OSError:
        return False
    return not stat.S_ISREG(mode) and not stat.S_ISDIR(mode)


def real_target(path: Path) -> Path:
    """The file a symbolic link points to (the link itself is kept), else the path."""
    return Path(os.path.realpath(path)) if path.is_symlink() else path


def check_target(path: Path, *, force: bool) -> None:
    """Refuse, before any work, a file that exists (without force) or a missing folder."""
    if is_stream(path):
        return
    path = real_target(path)
    if path.is_dir():
        raise UserError(f"{path} is a folder; give a file name, e.g. {path / 'export.csv'}")
    if path.exists() and not force:
        raise UserError(f"{path} exists; add --force to overwrite it, or choose another file")
    parent = path.parent
    if not parent.is_dir():
        raise UserError(f"cannot write {path}: folder {parent} does not exist; create it first")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise EnvError(f"cannot write {path}: folder {parent} is not writable")


@contextmanager
def atomic_file(path: Path, *, force: bool, private: bool = False) -> Iterator[BinaryIO]:
    """A binary file that appears at `path` complete or not at all.

    Written to a temporary file in the same folder, flushed to disk, then renamed over
    `path`: a failure (or a killed process) leaves no half-written file. Without
    `force` an existing file is never replaced, even one created meanwhile. `private`
    keeps the file readable by its owner only (backups hold a whole life's log).
    A symbolic link keeps pointing where it did, at the new file; a device or a pipe
    (`/dev/stdout`, a FIFO) is written into as it is.
    """
    check_target(path, force=force)
    if is_stream(path):
        try:
            with open(path, "wb") as stream:
                yield stream
        except OSError as exc:
            raise EnvError(f"cannot write {path}: {exc.strerror}") from None
        return
    path = real_target(path)
    try:
        fd, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as exc:
        raise EnvError(f"cannot write {path}: {exc.strerror}") from None
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as fh:
            yield fh  # type: ignore[misc]
            fh.flush()
            os.fsync(fh.fileno())
        if not private:
            umask = os.umask(0)
            os.umask(umask)
            os.chmod(tmp, 0o666 & ~umask)
        if force:
            os.replace(tmp, path)
        else:
            try:
                os.link(tmp, path)  # fails if the file appeared meanwhile: never overwritten
            except FileExistsError:
                raise UserError(f"{path} exists; add --force to overwrite it, or choose another file") from None
            except OSError:
                if path.exists():
                    raise UserError(f"{path} exists; add --force to overwrite it, or choose another file") from None
                os.replace(tmp, path)
            tmp.unlink(missing_ok=True)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


@contextmanager
def text_stream(binary: IO[bytes]) -> Iterator[TextIO]:
    """UTF-8 text over a binary stream, without newline translation; left open after."""
    text = io.TextIOWrapper(binary, encoding="utf-8", newline="", write_through=False)  # type: ignore[arg-type]
    try:
        yield text
        text.flush()
    finally:
        text.detach()


def counted(rows: Iterable[dict[str, Any]], progress: Progress | None) -> Iterator[dict[str, Any]]:
    """The rows, reporting every PROGRESS_EVERY of them to `progress`."""
    if progress is None:
        yield from rows
        return
    n = 0
    for row in rows:
        yield row
        n += 1
        if n == PROGRESS_EVERY:
            progress(n)
            n = 0
    if n:
        progress(n)

