"""Reading a file the user named (SPEC §5, §6): one clear line for each way it can be wrong."""

from __future__ import annotations

from pathlib import Path

from tracker.errors import UserError


def readable(name: str, *, what: str) -> Path:
    """The path of a file that exists, is no folder and is not too large to read; `what`
    names the kind of file ("a library file") for the message about a folder."""
    from tracker.limits import FILE_MAX_BYTES

    path = Path(name)
    try:
        if path.is_dir():
            raise UserError(f"{name}: is a folder, not {what}")
        size = path.stat().st_size
    except FileNotFoundError:
        raise UserError(f"{name}: no such file") from None
    except OSError as exc:
        raise UserError(f"{name}: cannot read it ({exc.strerror})") from None
    if size > FILE_MAX_BYTES:
        raise UserError(f"{name}: the file is {size:,} bytes; tracker reads files of "
                        f"at most {FILE_MAX_BYTES:,} bytes")
    return path


def read_bytes(name: str, *, what: str) -> bytes:
    path = readable(name, what=what)
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise UserError(f"{name}: no such file") from None
    except IsADirectoryError:
        raise UserError(f"{name}: is a folder, not {what}") from None
    except OSError as exc:
        raise UserError(f"{name}: cannot read it ({exc.strerror})") from None


def read_text(name: str, *, what: str, not_text: str) -> str:
    """The file's text (UTF-8, a byte-order mark allowed). `what` names the kind of file
    ("a library file"); `not_text` is the message for bytes that are not UTF-8."""
    data = read_bytes(name, what=what)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise UserError(f"{name}: {not_text}") from None
