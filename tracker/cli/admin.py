"""`db …`, `config`, `completion` (SPEC §2, §3)."""

from __future__ import annotations

import click

from tracker.cli.app import App, pass_app


@click.group("db")
def db_group() -> None:
    """The database itself: where it is, its schema, its health.

    \b
    Example:
      tracker db path
      tracker db check
    """


@db_group.command("path")
@pass_app
def db_path(app: App) -> None:
    """Print the database in use (--db, else $TRACKER_DB, else the app folder).

    \b
    Example:
      tracker db path
      tracker --db ~/notes/reading.db db path
    """
    from tracker.db_url import redact, resolve_url

    url, path = resolve_url(app.db_option)
    click.echo(str(path) if path is not None else redact(url))


@db_group.command("upgrade")
@pass_app
def db_upgrade(app: App) -> None:
    """Create or upgrade the database to this version's schema.

    An SQLite file is copied aside (FILE.before-REVISION) before it is upgraded.

    \b
    Example:
      tracker db upgrade
    """
    app.verify = True
    lib = app.lib
    from tracker.db import SCHEMA_HEAD, lib_name

    if lib.upgraded_from:
        click.echo(f"Upgraded {lib_name(lib)} from {lib.upgraded_from} to {SCHEMA_HEAD}.")
    elif not lib.created:
        click.echo(f"{lib_name(lib)} is at {SCHEMA_HEAD}, the newest schema.")


@db_group.command("current")
@pass_app
def db_current(app: App) -> None:
    """Print the schema revision of the database.

    \b
    Example:
      tracker db current
    """
    from tracker.db import stored_revision

    app.verify = True
    click.echo(stored_revision(app.lib))


@db_group.command("check")
@pass_app
def db_check(app: App) -> None:
    """Check the database: integrity, foreign keys, and that the caches agree with the log.

    \b
    Example:
      tracker db check
    """
    from tracker.admin import check

    problems = check(app.lib)
    if problems:
        for p in problems:
            click.echo(f"problem: {p}", err=True)
        from tracker.errors import EnvError

        raise EnvError(f"the database has {len(problems)} problem(s); see above")
    click.echo("ok")


@click.command(context_settings={"ignore_unknown_options": True})  # `config KEY -1` is a value
@click.argument("key", required=False)
@click.argument("value", required=False)
@pass_app
def config(app: App, key: str | None, value: str | None) -> None:
    """Show or change settings.

    \b
    Settings: timezone, day_start_hour (4), max_revisits_per_day (5),
    desired_retention (0.9), maximum_interval_days (365).
    Changing timezone, day_start_hour, desired_retention or
    maximum_interval_days reschedules every favourite from the log.

    \b
    Example:
      tracker config
      tracker config timezone Europe/Paris
    """
    from tracker import settings
    from tracker.admin import change_setting

    if key is None:
        with app.lib.read() as session:
            for k, v in settings.all_values(session).items():
                click.echo(f"{k} = {v}" if v != "" else f"{k} = (system)")
        return
    settings.check_key(key)
    if value is None:
        with app.lib.read() as session:
            click.echo(settings.all_values(session)[key])
        return
    with app.change("config") as session:
        stored, moved = change_setting(session, key, value)
    click.echo(f"{key} = {stored if stored != '' else '(system)'}")
    if moved:
        from tracker.cli.render import plural

        click.echo(f"Rescheduled from the log with the new setting: {plural(moved, 'revisit')} moved "
                   "(tracker agenda).")


SHELLS = ("bash", "zsh", "fish")


def _complete_shells(_ctx: click.Context, _param: click.Parameter, incomplete: str) -> list[str]:
    return [shell for shell in SHELLS if shell.startswith(incomplete)]


@click.command()
@click.argument("shell", metavar="SHELL", shell_complete=_complete_shells)
@click.pass_context
def completion(ctx: click.Context, shell: str) -> None:
    """Print the shell completion script for bash, zsh or fish (commands, options,
    BOOK and CHAPTER complete). Turn it on once, in your shell's startup file.

    \b
    Example:
      echo 'eval "$(tracker completion bash)"' >> ~/.bashrc
      echo 'eval "$(tracker completion zsh)"' >> ~/.zshrc
      tracker completion fish > ~/.config/fish/completions/tracker.fish
    """
    from click.shell_completion import get_completion_class

    from tracker.errors import UserError

    name = shell.strip().lower()
    complete = get_completion_class(name) if name in SHELLS else None
    if complete is None:
        raise UserError(f"tracker has no completion for {shell!r}; the shells it completes in are "
                        f"{', '.join(SHELLS[:-1])} and {SHELLS[-1]}")
    # For the installed command, `tracker`, whatever name this one was called by.
    click.echo(complete(ctx.find_root().command, {}, "tracker", "_TRACKER_COMPLETE").source())


COMMANDS = [db_group, config, completion]
