"""`today`, `agenda`, `catch-up` (SPEC §3, §4.1)."""

from __future__ import annotations

import click

from tracker.cli.app import (
    COUNT, App, echo_json, json_option, pass_app,
)


@click.command()
@click.option("--date", "date_text", metavar="WHEN", help="The plan for another day (e.g. tomorrow, friday).")
@click.option("--limit", type=COUNT, metavar="N",
              help="Show at most N revisits (default: config max_revisits_per_day).")
@click.option("--short", is_flag=True, help="One line, for a shell prompt.")
@json_option
@pass_app
def today(app: App, date_text: str | None, limit: int | None, short: bool, as_json: bool) -> None:
    """What to revisit today, where to continue reading, what to read next.

    \b
    Example:
      tracker today
      tracker today --short
      tracker today --date tomorrow --json
    """
    from tracker import events, plan
    from tracker.cli import render_plan as render

    if short and not as_json:
        with app.lib.read() as session:
            click.echo(render.today_short(plan.short(session, events.clock(session), date_text=date_text)))
        return
    with app.lib.read() as session:
        c = events.clock(session)
        value = plan.today(session, c, date_text=date_text, limit=limit)
        if not value["revisit"] and not value["continue"] and value["next_due"] is None:
            value["start_hint"] = plan.start_hint(session)
    if as_json:
        value.pop("start_hint", None)
        echo_json(value)
    else:
        click.echo(render.today(value))


@click.command()
@click.option("--days", type=click.IntRange(1, 3660), default=14, show_default=True, metavar="N",
              help="How many days, 1 to 3660.")
@click.option("--from", "from_text", metavar="WHEN", help="First day (default: today).")
@json_option
@pass_app
def agenda(app: App, days: int, from_text: str | None, as_json: bool) -> None:
    """Upcoming revisits, day by day, with each day's load.

    \b
    Example:
      tracker agenda --days 30
    """
    from tracker import events, plan
    from tracker.cli import render_plan as render

    with app.lib.read() as session:
        value = plan.agenda(session, events.clock(session), days=days, from_text=from_text)
    echo_json(value) if as_json else click.echo(render.agenda(value))


CATCH_UP_PROGRESS_FROM = 1_000  # revisits moved: fewer are done before a bar helps


@click.command("catch-up")
@click.option("--days", type=COUNT, metavar="N",
              help="Spread the backlog over N days, today included: at most ceil(backlog / N) a day.")
@click.option("--dry-run", is_flag=True, help="Print each day's load and change nothing.")
@pass_app
def catch_up(app: App, days: int | None, dry_run: bool) -> None:
    """Back after a while? Spread the overdue revisits over the coming days.

    Lowest recall first: they fill today's room (max_revisits_per_day minus what is
    due today), then each later day's room, each moved with a snooze. Nothing FSRS
    knows of them changes, and `tracker undo` takes the whole catch-up back.

    \b
    Example:
      tracker catch-up --dry-run
      tracker catch-up --days 7
    """
    from tracker import events, plan
    from tracker.cli import render_plan as render
    from tracker.cli.progress import progress_bar

    with app.lib.read() as session:
        result = plan.catch_up(session, events.clock(session), days=days, dry_run=True)
    if result.moved and not dry_run:  # a catch-up that moves nothing opens no change
        with app.change("catch-up") as session, \
                progress_bar("Catching up", result.moved, at_least=CATCH_UP_PROGRESS_FROM) as progress:
            result = plan.catch_up(session, events.clock(session), days=days, progress=progress)
    click.echo(render.catch_up({
        "backlog": result.backlog, "moved": result.moved, "cap": result.cap, "dry_run": dry_run, "spread": days,
        "days": [{"date": d.date.isoformat(), "load": d.load, "placed": len(d.cards), "today": d.date == result.today}
                 for d in result.days],
    }))


COMMANDS = [today, agenda, catch_up]
