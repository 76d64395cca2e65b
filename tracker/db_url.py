"""Which database (SPEC §2): the default file in the app folder, `TRACKER_DB`, `--db`;
a path or an SQLAlchemy URL; and a URL's password never shown, whatever its form."""

from __future__ import annotations

import os
import re
from pathlib import Path

from tracker.errors import EnvError


def default_path() -> Path:
    import click  # only for get_app_dir; cheap and already loaded by the CLI

    return Path(click.get_app_dir("tracker")) / "tracker.db"


def resolve_url(option: str | None) -> tuple[str, Path | None]:
    """The URL in use and, for an SQLite file, its path: --db, TRACKER_DB, default."""
    value = option or os.environ.get("TRACKER_DB") or str(default_path())
    if "://" in value:
        if value.startswith("sqlite:///") and value != "sqlite:///:memory:":
            path = Path(value[len("sqlite:///"):]).expanduser()
            return f"sqlite:///{path}", path
        return value, None
    if _PASSWORD_RE.search(value) or re.match(r"\s*(host|dbname|user|port|service)\s*=", value):
        raise EnvError(f"{redact(value)} looks like a libpq connection string; give PostgreSQL as a URL, "
                       "e.g. postgresql+psycopg://user@host/db (the password in ~/.pgpass or PGPASSWORD)")
    path = Path(value).expanduser().absolute()
    return f"sqlite:///{path}", path


_PASSWORD_RE = re.compile(r"(?i)(password\s*=\s*)('[^']*'|[^\s&;]*)")


_USERINFO_RE = re.compile(r"(://[^/@:\s]*:)[^/@\s]*@")


def redact(url: str) -> str:
    """A URL or libpq string safe to print: every password given in it shown as ***
    (`user:pw@host`, `?password=pw`, `password=pw` in `key=value` form)."""
    return _PASSWORD_RE.sub(r"\1***", _USERINFO_RE.sub(r"\1***@", url))


def passwords_in(url: str) -> list[str]:
    """The passwords a URL or libpq string carries, to be hidden wherever they appear."""
    from urllib.parse import unquote

    found = [m.group(2).strip("'") for m in _PASSWORD_RE.finditer(url)]
    found += [unquote(m.group(0)[len(m.group(1)):-1]) for m in _USERINFO_RE.finditer(url)]
    found += [m.group(0)[len(m.group(1)):-1] for m in _USERINFO_RE.finditer(url)]
    return [p for p in found if p and p != "***"]


def redact_text(url: str, message: str) -> str:
    """A message (a driver's error) with the URL's passwords taken out."""
    for password in sorted(passwords_in(url), key=len, reverse=True):
        message = message.replace(password, "***")
    return _PASSWORD_RE.sub(r"\1***", message)

