"""`report` (SPEC §3, §5.4): one self-contained HTML page of your reading, with charts."""

from __future__ import annotations

import click

from tracker.cli.app import INT, App, pass_app

DEFAULT_FILE = "tracker-report.html"


@click.command()
@click.option("-o", "--output", "output", metavar="FILE", default=DEFAULT_FILE, show_default=True,
              help="Write the page to FILE.")
@click.option("--year", type=INT, metavar="Y", help="Only this year's reading (the next 90 days, books and "
              "favourites are shown as they stand now).")
@click.option("--force", is_flag=True, help="Overwrite FILE if it exists.")
@pass_app
def report(app: App, output: str, year: int | None, force: bool) -> None:
    """Write one HTML page of your reading, with charts, to open in any browser.

    Totals and streaks, a calendar of minutes per day, minutes and revisits per
    week, true retention per month, the revisits due in the next 90 days against
    max_revisits_per_day, each book's progress and your favourites' recall. The
    page needs nothing else: it opens offline and loads nothing from anywhere.

    \b
    Example:
      tracker report && xdg-open tracker-report.html
      tracker report --year 2026 -o 2026.html --force
    """
    from pathlib import Path

    from tracker.data import check_year
    from tracker.formats.output import atomic_file, check_target

    check_year(year)  # the arguments first,
    path = Path(output).expanduser()
    check_target(path, force=force)  # then, before any work: an existing file, a missing folder
    from tracker import events
    from tracker.formats.report_html import render
    from tracker.report import report as gather

    with app.lib.read() as session:
        page = render(gather(session, events.clock(session), year=year))
    with atomic_file(path, force=force) as fh:
        fh.write(page.encode("utf-8"))
    click.echo(f"Wrote your reading report to {output}; open it in a browser: {path.resolve().as_uri()}", err=True)


COMMANDS = [report]
