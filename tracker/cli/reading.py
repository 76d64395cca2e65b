"""`read`, `note`, `fav`, `unfav`, `revisit`, `undo`, `edit`, `history`, `snooze`, `break`, `log` (SPEC §3)."""

from __future__ import annotations

import click

from tracker.cli.app import (
    COUNT, INT, App, book_argument, book_option, chapter_argument, echo_json, json_option, on_option,
    confirm, pass_app,
)

RATING_HELP = "again, hard, good, easy (or 1–4)"


@click.command()
@book_argument
@chapter_argument
@click.option("--done", is_flag=True, help="You finished the chapter's first pass.")
@click.option("--percent", type=INT, metavar="P", help="How far you got, 0–100 (100 finishes it).")
@click.option("--pages", type=INT, metavar="N", help="Pages read in this session.")
@click.option("--minutes", type=INT, metavar="M", help="Minutes spent.")
@click.option("--note", metavar="TEXT", help="A note kept with the session.")
@on_option
@pass_app
def read(app: App, book: str, chapter: str, done: bool, percent: int | None, pages: int | None,
         minutes: int | None, note: str | None, on: str | None) -> None:
    """Log a first-pass reading session of a chapter.

    \b
    Example:
      tracker read inference-engineering 5.1 --minutes 40 --percent 60
      tracker read inference-engineering 5.1 --done --on yesterday
    """
    from tracker import reading

    with app.change("read") as session:
        rec = reading.read(session, book, chapter, on=on, done=done, percent=percent, pages=pages,
                           minutes=minutes, note=note)
    from tracker.cli.render import plural

    verb = "Finished" if rec.kind == "finish" else "Logged reading of"
    stands = f"; {rec.progress} read" if rec.progress else ""
    unread, sections = rec.sections
    with_it = "" if not unread else f" and its {plural(sections, 'section')}" if unread == sections \
        else f" and the {unread} of its {plural(sections, 'section')} not read yet"
    click.echo(f"{verb} {rec.book} {rec.chapter} {rec.title}{with_it}{stands}.")
    if rec.kind == "finish":
        click.echo(f"Worth coming back to? tracker fav {rec.book} {rec.chapter}")


@click.command(context_settings={"ignore_unknown_options": True})  # a note may start with "-"
@book_argument
@click.argument("text")
@click.option("--chapter", metavar="CHAPTER", help="The chapter the note is about.")
@on_option
@pass_app
def note(app: App, book: str, text: str, chapter: str | None, on: str | None) -> None:
    """Add a note to the log (shown by `show` and in exports).

    \b
    Example:
      tracker note inference-engineering "EAGLE explained better than the paper" --chapter 5.2.3
    """
    from tracker import reading

    with app.change("note") as session:
        rec = reading.note(session, book, text, chapter_text=chapter, on=on)
    click.echo(f"Noted on {rec.book}{' ' + rec.chapter if rec.chapter else ''}.")


@click.command()
@book_argument
@chapter_argument
@click.option("--rating", default="good", show_default=True, metavar="R",
              help=f"How well the first pass went: {RATING_HELP}.")
@on_option
@pass_app
def fav(app: App, book: str, chapter: str, rating: str, on: str | None) -> None:
    """Make a chapter a favourite: schedule spaced revisits of it.

    \b
    Example:
      tracker fav inference-engineering 5.1
      tracker fav inference-engineering Quantization --rating hard
    """
    from tracker import reading

    from tracker import events
    from tracker.cli.render import days_until, due

    with app.change("fav") as session:
        rec = reading.fav(session, book, chapter, rating=rating, on=on)
        today = events.clock(session).today()
    assert rec.due is not None
    click.echo(f"★ {rec.book} {rec.chapter} {rec.title} is a favourite; "
               f"next revisit {due(rec.due.isoformat(), days_until(rec.due.isoformat(), today), '')}.")


@click.command()
@book_argument
@chapter_argument
@on_option
@pass_app
def unfav(app: App, book: str, chapter: str, on: str | None) -> None:
    """Stop revisiting a chapter (its card is kept; `fav` resumes it).

    \b
    Example:
      tracker unfav inference-engineering 5.1
    """
    from tracker import reading

    with app.change("unfav") as session:
        rec = reading.unfav(session, book, chapter, on=on)
    click.echo(f"{rec.book} {rec.chapter} {rec.title} is no longer a favourite.")


@click.command()
@book_argument
@chapter_argument
@click.argument("rating")
@click.option("--minutes", type=INT, metavar="M", help="Minutes spent.")
@click.option("--note", metavar="TEXT", help="A note kept with the revisit.")
@on_option
@pass_app
def revisit(app: App, book: str, chapter: str, rating: str, minutes: int | None, note: str | None,
            on: str | None) -> None:
    """Log a revisit with how well you remembered it: again, hard, good, easy (1–4).

    \b
    Example:
      tracker revisit inference-engineering 5.1 good --minutes 15
    """
    from tracker import reading

    from tracker import events
    from tracker.cli.render import days_until, due

    with app.change("revisit") as session:
        rec = reading.revisit(session, book, chapter, rating, minutes=minutes, note=note, on=on)
        today = events.clock(session).today()
    if rec.favourite and rec.due is not None:  # a revisit logged long ago may fall due before today
        when = due(rec.due.isoformat(), days_until(rec.due.isoformat(), today), "")
        click.echo(f"Revisited {rec.book} {rec.chapter} {rec.title}; next revisit {when}.")
    else:
        click.echo(f"Logged a revisit of {rec.book} {rec.chapter} {rec.title}. It is not a favourite, so "
                   f"nothing is scheduled; to revisit it regularly: tracker fav {rec.book} {rec.chapter}")


@click.command()
@click.argument("event_id", metavar="[ID]", required=False, type=COUNT)
@click.option("--yes", is_flag=True, help="Do not ask for confirmation when an ID is given.")
@pass_app
def undo(app: App, event_id: int | None, yes: bool) -> None:
    """Take back the most recent change, whole (or only the logged event with ID).

    Plain `undo` prints what it takes back and does it; `undo ID` asks first.
    `tracker history` lists the changes.

    \b
    Example:
      tracker undo
      tracker undo 42 --yes
    """
    from tracker import events, reading
    from tracker import undo as undoing
    from tracker.cli import render

    if event_id is None:
        with app.lib.write() as session:
            planned = undoing.plan_undo(session)
            plan = planned[2]
            click.echo(f"Undoing change {plan.change_id} ({plan.command}): {render.clean(plan.summary)}")
            for line in plan.lines:
                click.echo(f"  {render.clean(line)}")
            if plan.more:
                click.echo(f"  … and {plan.more} more")
            undoing.undo_last(session, planned)
        return
    with app.lib.write() as session:
        if not yes:
            rows = list(events.log_rows(session, events.clock(session), ids=[event_id]))
            if rows:
                confirm(f"Remove {render.log(rows).strip()}?", yes)
        removed = reading.undo(session, event_id)
    click.echo("Removed " + render.log([removed]).strip())


@click.command()
@click.argument("event_id", metavar="ID", type=COUNT)
@click.option("--on", "on", metavar="WHEN",
              help="Its new time, e.g. yesterday, '2 days ago', 2026-03-01T08:30 (default: its time is left "
                   "as it is); a break's first day.")
@click.option("--minutes", type=INT, metavar="M", help="Minutes spent.")
@click.option("--percent", type=INT, metavar="P", help="How far the session got, 0–99.")
@click.option("--pages", type=INT, metavar="N", help="Pages read in the session.")
@click.option("--rating", metavar="R", help=f"The rating of a revisit or a favourite: {RATING_HELP}.")
@click.option("--until", metavar="WHEN", help="A snooze's date, or a break's last day.")
@click.option("--note", metavar="TEXT", help="The note kept with it.")
@pass_app
def edit(app: App, event_id: int, on: str | None, minutes: int | None, percent: int | None, pages: int | None,
         rating: str | None, until: str | None, note: str | None) -> None:
    """Amend one logged event (an id from `tracker log`); everything that follows from
    the log is recomputed. The kind, book and chapter never change: to move an event,
    `tracker undo ID` and log it again.

    \b
    Example:
      tracker edit 42 --minutes 35
      tracker edit 43 --rating hard --on yesterday
    """
    from tracker.cli import render
    from tracker.reading import Amendment, edit as amend

    change = Amendment(on=on, minutes=minutes, percent=percent, pages=pages, rating=rating, until=until, note=note)
    with app.change("edit") as session:
        row = amend(session, event_id, change)
    click.echo("Edited " + render.log([row]).strip())


@click.command()
@click.option("--limit", type=INT, default=20, show_default=True, metavar="N", help="How many changes.")
@json_option
@pass_app
def history(app: App, limit: int, as_json: bool) -> None:
    """Recent changes, newest first: what each command did, and whether it was undone.

    \b
    Example:
      tracker history
      tracker history --limit 5 --json
    """
    from tracker import changes
    from tracker.cli import render

    with app.lib.read() as session:
        rows = changes.history(session, limit)
    if as_json:
        echo_json(rows)
        return
    if not rows:
        click.echo("No changes yet.")
        return
    marks = {False: "", True: " (undone)", "partly": " (partly undone)"}
    for row in rows:  # a summary is prose: wrapped on a terminal, never cut
        click.echo(render.wrap(f"change {row['id']}  {row['at'][:16].replace('T', ' ')}  {row['command']}: "
                               f"{render.clean(row['summary'])}{marks[row['undone']]}", indent=4))


@click.command()
@book_argument
@chapter_argument
@click.option("--days", type=INT, metavar="N", help="N days after the later of its due date and today.")
@click.option("--until", metavar="WHEN", help="To this date.")
@on_option
@pass_app
def snooze(app: App, book: str, chapter: str, days: int | None, until: str | None, on: str | None) -> None:
    """Move a revisit later without touching what FSRS knows of it.

    \b
    Example:
      tracker snooze inference-engineering 5.1 --days 3
      tracker snooze inference-engineering 5.1 --until monday
    """
    from tracker import reading

    with app.change("snooze") as session:
        rec = reading.snooze(session, book, chapter, days=days, until=until, on=on)
    click.echo(f"Snoozed {rec.book} {rec.chapter} {rec.title} to {rec.due}.")


@click.command("break")
@click.option("--from", "first", required=True, metavar="WHEN", help="First day of the break.")
@click.option("--to", "last", required=True, metavar="WHEN", help="Last day of the break (included).")
@pass_app
def break_(app: App, first: str, last: str) -> None:
    """A holiday: nothing falls due from --from to --to, both included (at most 366
    days). The revisits due in it are spread over the days after it, at most
    max_revisits_per_day a day while those days have room.

    \b
    Example:
      tracker break --from 2026-12-24 --to 2027-01-02
    """
    from tracker import reading

    with app.change("break") as session:
        _id, start, end, landed = reading.take_break(session, first, last)
    from tracker.cli.render import plural

    moved = plural(sum(landed.values()), "revisit")
    if not landed:
        click.echo(f"Break from {start} to {end}; no revisit was due in it.")
    elif len(landed) <= 6:
        where = ", ".join(f"{count} to {day}" for day, count in landed.items())
        click.echo(f"Break from {start} to {end}; {moved} moved after it: {where}.")
    else:
        days = list(landed)
        click.echo(f"Break from {start} to {end}; {moved} spread over {len(days)} days after it ({days[0]} to "
                   f"{days[-1]}), at most {max(landed.values())} a day.")


@click.command()
@click.option("--since", metavar="WHEN", help="From this time (a date: its start).")
@click.option("--until", metavar="WHEN", help="Up to this time (a date: its end).")
@book_option
@click.option("--limit", type=COUNT, metavar="N", help="Only the newest N events.")
@json_option
@pass_app
def log(app: App, since: str | None, until: str | None, book: str | None, limit: int | None, as_json: bool) -> None:
    """The reading log, newest last.

    \b
    Example:
      tracker log --since "7 days ago"
      tracker log --book inference-engineering --json
    """
    from tracker import events
    from tracker.cli import render
    from tracker.names import find_book

    with app.lib.read() as session:
        c = events.clock(session)
        book_id = find_book(session, book).id if book else None
        start, end = c.span(since, until)
        rows = list(events.log_rows(session, c, since=start, until=end, book_id=book_id, limit=limit))
    echo_json(rows) if as_json else click.echo(render.log(rows))


COMMANDS = [read, note, fav, unfav, revisit, undo, history, edit, snooze, break_, log]
