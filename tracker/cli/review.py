"""`review` (SPEC §4.4) and `card` (SPEC §3): the daily session over today's due
revisits, and one favourite's memory."""

from __future__ import annotations

import sys
from typing import Any

import click

from tracker.cli.app import COUNT, App, book_argument, chapter_argument, echo_json, json_option, pass_app


def _days(n: int) -> str:
    from tracker.words import plural

    return plural(n, "day")


def _intervals(nxt: dict[str, int | None]) -> str:
    return " · ".join(f"{rating} → {_days(days)}" for rating, days in nxt.items() if days is not None)


def _ask() -> str | None:
    """One answer: a line from the terminal or, scripted, from standard input (None at its end)."""
    click.echo("  answer (again/hard/good/easy, s, n TEXT, q): ", nl=False)
    if sys.stdin is None:  # started without any standard input
        click.echo()
        return None
    line = sys.stdin.readline()
    if not sys.stdin.isatty():
        click.echo()  # what was read is not shown: end the prompt's line
    return line if line else None


@click.command()
@click.option("--limit", type=COUNT, metavar="N",
              help="At most N revisits (default: config max_revisits_per_day, as `today` shows).")
@pass_app
def review(app: App, limit: int | None) -> None:
    """Revisit today's due chapters one by one: rate each (again, hard, good, easy).

    Each answer is recorded at once (`tracker undo` takes back the last one). Without
    a terminal, answers are read line by line from standard input.

    \b
    Answers: again, hard, good, easy (a, h, g, e or 1-4), optionally with minutes
    (g 15); s skips; n TEXT adds a note to the chapter; q stops.

    \b
    Example:
      tracker review
      printf 'g 15\\ns\\nq\\n' | tracker review
    """
    from tracker import events
    from tracker import review as session_
    from tracker.cli import render
    from tracker.errors import UserError

    with app.lib.read() as session:
        chapters, due = session_.queue(session, events.clock(session), limit)
        if not chapters:
            click.echo(render.wrap(_nothing_due(session_.next_due(session))))
            return
    more = due - len(chapters)
    click.echo(render.wrap(f"{_plural(due, 'revisit')} due today" + (f"; here are the first {len(chapters)}" if more else "")
                    + f". Answer with {session_.ANSWER_HELP}."))
    revisited = skipped = 0
    stopped = interrupted = False
    for n, chapter_id in enumerate(chapters, 1):
        with app.lib.read() as session:
            shown = session_.prompt(session, chapter_id)
        click.echo("")
        click.echo(_card_head(shown, f"[{n}/{len(chapters)}] "))
        while True:
            try:
                line = _ask()
            except KeyboardInterrupt:  # Ctrl-C at the prompt ends the session as q does
                click.echo("")
                line, interrupted = None, True
            answer = session_.parse_answer(line) if line is not None else session_.Answer("quit")
            try:
                if answer.kind == "rate":
                    with app.change("review") as session:
                        assert answer.rating is not None
                        due_on = session_.revisit(session, chapter_id, answer.rating, answer.minutes)
                    revisited += 1
                    click.echo(f"  {answer.rating}: " + (f"next revisit {due_on}." if due_on else "recorded."))
                    break
                if answer.kind == "note":
                    with app.change("review") as session:
                        session_.note(session, chapter_id, answer.text or "")
                    click.echo("  Noted.")
                    continue
            except UserError as exc:  # e.g. a note over its length: nothing recorded, ask again
                click.echo(f"  {exc.message}", err=True)
                continue
            if answer.kind == "skip":
                skipped += 1
                break
            if answer.kind == "quit":
                stopped = True
                break
            click.echo(f"  {answer.problem}")
        if stopped:
            break
    with app.lib.read() as session:
        nxt = session_.next_due(session)
    click.echo("")
    click.echo(render.wrap(_summary(revisited, skipped, nxt)))
    if interrupted:
        click.get_current_context().exit(130)  # what was answered is kept; the exit says Ctrl-C


def _plural(n: int, word: str) -> str:
    from tracker.words import plural

    return plural(n, word)


def _nothing_due(nxt: dict[str, Any] | None) -> str:
    if nxt is None:
        return "Nothing to revisit: no chapter is a favourite yet (tracker fav BOOK CHAPTER makes one)."
    return (f"Nothing to revisit today; the next revisit is {nxt['book']} {nxt['chapter']} {nxt['title']}, "
            f"due {nxt['date']} ({_when(nxt['days'])}).")


def _when(days: int) -> str:
    if days < 0:
        return f"{_days(-days)} overdue"
    return "today" if days == 0 else "tomorrow" if days == 1 else f"in {days} days"


def _due(date: str, days: int) -> str:
    """'due 2027-03-01 (in 5 days)', 'due today', 'due now (3 days overdue)': a date on or
    before the reader's is never shown as if it lay ahead."""
    from tracker.cli.render import due

    return due(date, days) + (f" ({_when(days)})" if days > 0 else "")


def _summary(revisited: int, skipped: int, nxt: dict[str, Any] | None) -> str:
    done = f"Revisited {revisited}, skipped {skipped}."
    if nxt is None:
        return f"{done} No revisit is scheduled."
    return f"{done} Next revisit {_due(nxt['date'], nxt['days'])}: {nxt['book']} {nxt['chapter']} {nxt['title']}."


def _card_head(shown: dict[str, Any], prefix: str = "") -> str:
    from tracker.cli import render

    overdue = shown["overdue_days"]
    lines = [render.wrap(render.style(f"{prefix}{shown['book']} {shown['chapter']} {shown['title']}", bold=True)
                         + f"  ({'due today' if not overdue else f'due now, {_days(overdue)} overdue'})")]
    for item in shown["notes"]:  # free text: cut to fit, the date never
        lines.append(render.line(("", render.style(f"  ✎ {item['date']}  ", dim=True)),
                                 ("", render.Cut(render.style(item["note"].replace("\n", " "), dim=True)))))
    lines.append(render.wrap(f"  recall now {round(shown['recall'] * 100)}% · {_intervals(shown['next'])}", indent=4,
                             sep=" · "))
    return "\n".join(lines)


@click.command()
@book_argument
@chapter_argument
@json_option
@pass_app
def card(app: App, book: str, chapter: str, as_json: bool) -> None:
    """A favourite's memory: stability, difficulty, recall now, due date, its reviews,
    and the next interval each rating would give.

    \b
    Example:
      tracker card inference-engineering 5.1
      tracker card inference-engineering Quantization --json
    """
    from tracker import review as session_

    with app.lib.read() as session:
        value = session_.card(session, book, chapter)
    if as_json:
        value.pop("days", None)
        echo_json(value)
        return
    click.echo(_card(value))


def _card(value: dict[str, Any]) -> str:
    from tracker.cli import render

    state = "★ a favourite" if value["favourite"] else "not a favourite: its card is suspended (fav resumes it)"
    lines = [render.style(f"{value['book']} {value['chapter']} {value['title']}", bold=True) + f"  {state}",
             f"  stability {value['stability']:.1f} days · difficulty {value['difficulty']:.1f} of 10 · "
             f"recall now {round(value['recall'] * 100)}%",
             f"  {_due(value['due'], value['days'])} · {_plural(value['reviews'], 'review')}, "
             f"{_plural(value['lapses'], 'lapse')}"]
    if value["favourite"]:
        lines.append(f"  a revisit now: {_intervals(value['next'])}")
    lines = [render.wrap(text, indent=4, sep=" · ") for text in lines]  # prose: wrapped between its items, never cut
    if value["history"]:
        lines.append(render.style("History", bold=True))
        lines.append(render.table([[f"  {h['at'][:16].replace('T', ' ')}", h["rating"],
                                    f"→ {_days(h['interval_days'])}", h["due"]] for h in value["history"]], cut=()))
    return "\n".join(lines)


COMMANDS = [review, card]
