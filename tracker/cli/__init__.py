"""The command line (SPEC §3, §6): the root group, --db, and the one place errors become `Error:` lines.

Command modules import only Click at module level; each command imports the library
modules it needs when it runs, so that `tracker --help` loads no SQLAlchemy.
"""

from __future__ import annotations

import os
import sys
from typing import Any

import click

from tracker import __version__
from tracker.cli.app import App, clean_echo

click.echo = clean_echo  # type: ignore[assignment]  # every line printed: no control characters


# Click 8.2+ raises this for a group given no subcommand; older versions print the help.
NO_ARGS_IS_HELP: type[click.UsageError] = getattr(click.exceptions, "NoArgsIsHelpError", type("_Never", (click.UsageError,), {}))


# A command whose new library was taken back under it (LibraryGone) runs again, anew.
ATTEMPTS = 5


class TrackerGroup(click.Group):
    """A group whose `main` turns every failure into one `Error:` line and an exit code."""

    def main(self, args: Any = None, prog_name: str | None = None, **extra: Any) -> Any:  # type: ignore[override]
        from tracker.errors import LibraryGone

        if args is None:
            args = sys.argv[1:]
        for attempt in range(ATTEMPTS):
            app = App()
            try:
                code = self._main_once(app, list(args), prog_name, dict(extra), retry=attempt < ATTEMPTS - 1)
            except LibraryGone:
                continue  # a library made at the same moment was taken back: once more, anew
            if app.created_message:
                click.echo(app.created_message, err=True)
            sys.exit(code)

    def _main_once(self, app: App, args: list[str], prog_name: str | None, extra: dict[str, Any],
                   *, retry: bool) -> int:
        from tracker.errors import LibraryGone

        extra.setdefault("obj", app)
        code = 0
        try:
            result = super().main(args=args, prog_name=prog_name or "tracker", standalone_mode=False, **extra)
            code = result if isinstance(result, int) else 0
        except click.exceptions.Exit as exc:
            code = exc.exit_code
        except click.exceptions.Abort as exc:
            # Click turns Ctrl-C (at a prompt, or anywhere in a command) into Abort: it stays an
            # interruption, exit 130, like one outside Click; "no" to a question is exit 1.
            interrupted = isinstance(exc.__context__, KeyboardInterrupt)
            click.echo("Interrupted." if interrupted else "Aborted.", err=True)
            code = 130 if interrupted else 1
        except NO_ARGS_IS_HELP as exc:
            click.echo(exc.ctx.get_help() if exc.ctx else "")  # `tracker book` alone: its help
            code = 0
        except click.ClickException as exc:
            _error(exc.format_message(), exc.exit_code)
            code = exc.exit_code
        except KeyboardInterrupt:
            click.echo("Interrupted.", err=True)
            code = 130
        except LibraryGone as exc:
            code = 1
            if retry:
                raise
            _error(exc.message, code)
        except BaseException as exc:  # noqa: BLE001 - the one place errors are turned into lines
            if isinstance(exc, SystemExit):
                code = exc.code if isinstance(exc.code, int) else 1
            else:
                if os.environ.get("TRACKER_DEBUG") == "1":
                    app.close(failed=True)
                    raise
                if retry and app.library_vanished():
                    raise LibraryGone("the library was taken back while this command ran") from None
                message, code = app.describe(exc)
                _error(message, code)
        finally:
            app.close(failed=code != 0)
        return code


def _error(message: str, code: int) -> None:
    line = " ".join(str(message).split("\n")).strip()
    click.echo(f"Error: {line}", err=True)


def _version(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
    if value and not ctx.resilient_parsing:
        click.echo(f"tracker {__version__}")
        ctx.exit(0)


@click.group(cls=TrackerGroup, invoke_without_command=True, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--db",
    metavar="URL_OR_PATH",
    help="Database to use: a file path or an SQLAlchemy URL (default: $TRACKER_DB, else the app folder).",
)
@click.option("--version", is_flag=True, expose_value=False, is_eager=True, callback=_version,
              help="Show the version and exit.")
@click.pass_context
def cli(ctx: click.Context, db: str | None) -> None:
    """Track first-pass reading and spaced revisits of your favourite chapters.

    \b
    Example, a first day:
      tracker today
      tracker read inference-engineering 5.1 --done --minutes 30
      tracker fav inference-engineering 5.1
      tracker revisit inference-engineering 5.1 good
    """
    app = ctx.ensure_object(App)
    app.db_option = db
    if ctx.invoked_subcommand is None:
        click.echo(ctx.get_help())


from tracker.cli import admin, data, library, plan, reading, suggest  # noqa: E402
from tracker.cli import report  # noqa: E402

for module in (library, reading, plan, suggest, data, admin, report):
    for command in module.COMMANDS:
        cli.add_command(command)

from tracker.cli import review  # noqa: E402  (issue 13: review, card)

for command in review.COMMANDS:
    cli.add_command(command)


def main(args: Any = None, prog_name: str = "tracker") -> None:
    # A command lives a fraction of a second and makes most of its objects while it
    # imports: collecting garbage then is wasted work (a tenth of `tracker today`,
    # bench/RESULTS.md). The collector comes back, with everything made so far
    # frozen, once the library is open (App.lib).
    import gc

    gc.disable()
    cli.main(args=args, prog_name=prog_name)
