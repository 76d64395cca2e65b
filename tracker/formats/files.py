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
    """The file's bytes; `-` is standard input, and a gzip file (`backup | gzip`) is read
    through gzip."""
    from tracker.limits import FILE_MAX_BYTES

    if name == "-":
        import sys

        data = sys.stdin.buffer.read(FILE_MAX_BYTES + 1)
        if len(data) > FILE_MAX_BYTES:
            raise UserError(f"-: standard input holds more than {FILE_MAX_BYTES:,} bytes; tracker reads "
                            f"files of at most {FILE_MAX_BYTES:,} bytes")
    else:
        path = readable(name, what=what)
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            raise UserError(f"{name}: no such file") from None
        except IsADirectoryError:
            raise UserError(f"{name}: is a folder, not {what}") from None
        except OSError as exc:
            raise UserError(f"{name}: cannot read it ({exc.strerror})") from None
    return _gunzipped(data, name) if data[:2] == GZIP_MAGIC else data


GZIP_MAGIC = b"\x1f\x8b"


def _gunzipped(data: bytes, name: str) -> bytes:
    import gzip
    import io
    import zlib

    from tracker.limits import FILE_MAX_BYTES

    try:
        with gzip.GzipFile(fileobj=io.BytesIO(data)) as stream:
            out = stream.read(FILE_MAX_BYTES + 1)
    except (OSError, EOFError, zlib.error) as exc:
        raise UserError(f"{name}: a gzip file that cannot be read ({exc})") from None
    if len(out) > FILE_MAX_BYTES:
        raise UserError(f"{name}: unpacks to more than {FILE_MAX_BYTES:,} bytes; tracker reads files of "
                        f"at most {FILE_MAX_BYTES:,} bytes")
    return out


def read_text(name: str, *, what: str, not_text: str) -> str:
    """The file's text (UTF-8, a byte-order mark allowed). `what` names the kind of file
    ("a library file"); `not_text` is the message for bytes that are not UTF-8."""
    data = read_bytes(name, what=what)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise UserError(f"{name}: {not_text}") from None
