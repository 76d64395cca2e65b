"""What every command shares (SPEC §2, §3): the library in use (opened lazily), the clock, options."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, TypeVar

import click

from tracker.control_chars import clean

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from tracker.db import Library

F = TypeVar("F", bound=Callable[..., Any])

_click_echo = click.echo


def clean_echo(message: Any = None, file: Any = None, nl: bool = True, err: bool = False,
               color: bool | None = None) -> None:
    """click.echo, with control characters escaped (installed for every command)."""
    if isinstance(message, str):
        message = clean(message)
    _click_echo(message, file, nl, err, color)

class WholeNumber(click.ParamType):
    """A whole number that fits the database (64 bits), optionally with a least value.

    Anything else is a usage error with a plain message, not an overflow deep inside a
    query; ranges that mean something (percent, minutes) are checked by the library.
    """

    name = "integer"

    def __init__(self, least: int | None = None) -> None:
        self.least = least

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> int:
        if isinstance(value, int):
            number = value
        else:
            try:
                number = int(str(value).strip())
            except ValueError:
                self.fail(f"{value!r} is not a whole number", param, ctx)
        if not -(2**63) <= number < 2**63:
            self.fail(f"{value} is too large", param, ctx)
        if self.least is not None and number < self.least:
            self.fail(f"must be {self.least} or more, got {number}", param, ctx)
        return number


INT = WholeNumber()
COUNT = WholeNumber(least=1)


def confirm(question: str, yes: bool) -> None:
    """Ask before a destructive change; without a terminal to ask on, require --yes."""
    import sys

    if yes:
        return
    try:
        answer = click.confirm(question, default=False, err=True)
    except click.Abort:
        if sys.stdin.isatty():
            raise
        # No answer could be read (stdin closed or empty): say how to confirm instead.
        click.echo("", err=True)
        from tracker.errors import UserError

        raise UserError(f"{question.rstrip('?')}: nothing was changed; confirm with --yes") from None
    if not answer:
        raise click.Abort()


class App:
    def __init__(self) -> None:
        self.db_option: str | None = None
        self._lib: Library | None = None
        self.seed: bool | None = None
        self.created_message: str | None = None
        self.verify = False  # run quick_check on opening (init, db upgrade, db current)

    @property
    def lib(self) -> Library:
        if self._lib is None:
            from tracker.admin import open_library

            self._lib = open_library(self.db_option, seed=self.seed, verify=self.verify)
            import gc

            if not gc.isenabled():  # disabled while importing by tracker.cli.main
                gc.freeze()
                gc.enable()
            if self._lib.created:
                from tracker.db import lib_name

                seeded = "with the bundled reading map" if self._lib.seeded else "empty"
                self.created_message = f"Created a new library at {lib_name(self._lib)} ({seeded})."
        return self._lib

    @contextmanager
    def change(self, command: str) -> Iterator[Session]:
        """One transaction that is one change (SPEC §1): journaled, so that `undo` takes it back."""
        from tracker.changes import recording

        with self.lib.write() as session, recording(session, command):
            yield session

    def library_vanished(self) -> bool:
        return self._lib is not None and self._lib.vanished()

    def describe(self, exc: BaseException) -> tuple[str, int]:
        """One line and an exit code for any failure."""
        from tracker.errors import TrackerError

        if isinstance(exc, TrackerError):
            return exc.message, exc.exit_code
        module = type(exc).__module__
        if module.startswith("sqlalchemy") or module.startswith(("sqlite3", "psycopg")):
            from tracker.db import describe_db_error

            if self._lib is not None:
                return describe_db_error(self._lib, exc), 1
            return f"database error: {str(getattr(exc, 'orig', exc)).splitlines()[0]}", 1
        if isinstance(exc, OSError):
            where = f" {exc.filename}" if exc.filename else ""
            return f"cannot access{where}: {exc.strerror or exc}", 1
        return f"unexpected {type(exc).__name__}: {exc} (run with TRACKER_DEBUG=1 for details)", 1

    def close(self, *, failed: bool) -> None:
        if self._lib is None:
            return
        lib, self._lib = self._lib, None
        if failed:
            # A failed command prints only its error: the library it made is taken back, or
            # (another command has the file open meanwhile) kept for that command to use.
            self.created_message = None
            if not (lib.created and lib.discard()):
                lib.dispose()
        else:
            lib.finish()


pass_app = click.make_pass_decorator(App, ensure=True)


def echo_json(value: Any) -> None:
    text = json.dumps(value, ensure_ascii=False, indent=2)
    # json escapes C0 controls itself; C1 controls and DEL are escaped the JSON way too.
    click.echo(re.sub(r"[\x7f-\x9f]", lambda m: f"\\u{ord(m.group()):04x}", text))


def json_option(f: F) -> F:
    return click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts.")(f)


def on_option(f: F) -> F:
    return click.option(
        "--on", "on", metavar="WHEN",
        help="When it happened (default: now), e.g. yesterday, '2 days ago', 2026-03-01T08:30.",
    )(f)


def _completing_app(ctx: click.Context) -> App | None:
    """The library to complete names from, if there is one: completing never creates a
    library (a missing or empty SQLite file completes nothing)."""
    app = ctx.find_object(App) or App()
    if app.db_option is None:
        app.db_option = (ctx.find_root().params or {}).get("db")
    from tracker.db_url import resolve_url

    _url, path = resolve_url(app.db_option)
    if path is not None and (not path.is_file() or path.stat().st_size == 0):
        return None
    return app


def _complete_books(ctx: click.Context, _param: click.Parameter, incomplete: str) -> list[Any]:
    from click.shell_completion import CompletionItem

    try:
        app = _completing_app(ctx)
        if app is None:
            return []
        from tracker.names import complete_books

        with app.lib.read() as session:
            return [CompletionItem(slug, help=title) for slug, title in complete_books(session, incomplete)]
    except Exception:  # noqa: BLE001 - completion must never fail loudly
        return []


def _complete_chapters(ctx: click.Context, _param: click.Parameter, incomplete: str) -> list[Any]:
    from click.shell_completion import CompletionItem

    try:
        app = _completing_app(ctx)
        if app is None:
            return []
        from tracker.names import complete_chapters

        book = ctx.params.get("book") or ""
        with app.lib.read() as session:
            return [CompletionItem(n, help=t) for n, t in complete_chapters(session, book, incomplete)]
    except Exception:  # noqa: BLE001
        return []


def book_argument(f: F) -> F:
    return click.argument("book", shell_complete=_complete_books)(f)


def chapter_argument(f: F) -> F:
    return click.argument("chapter", shell_complete=_complete_chapters)(f)


def book_option(f: F) -> F:
    return click.option("--book", "book", metavar="BOOK", shell_complete=_complete_books,
                        help="Only this book.")(f)
