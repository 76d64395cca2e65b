"""`init`, `import`, `books`, `show`, `book …`, `chapter …`, `topics` (SPEC §3, §5.1)."""

from __future__ import annotations

import click

from tracker.cli.app import (
    INT, App, book_argument, chapter_argument, confirm, echo_json, json_option, pass_app,
)
from tracker.cli.render import plural


@click.command()
@click.option("--empty", is_flag=True, help="Do not load the bundled reading map.")
@pass_app
def init(app: App, empty: bool) -> None:
    """Create or upgrade the database; load the bundled library unless --empty.

    \b
    Example:
      tracker init
      tracker --db ~/notes/reading.db init --empty
    """
    app.seed = not empty
    app.verify = True
    lib = app.lib
    from tracker.db import lib_name

    if lib.created:
        return  # the root prints the one line about the new library
    if lib.upgraded_from:
        click.echo(f"Upgraded {lib_name(lib)} from schema {lib.upgraded_from}.")
    else:
        click.echo(f"The library at {lib_name(lib)} is ready (schema up to date).")


@click.command("import")
@click.argument("files", nargs=-1, required=True, type=click.Path())
@click.option("--dry-run", is_flag=True, help="Check the files and show what would change (the chapter tree "
              "included); write nothing.")
@click.option("--format", "fmt", type=click.Choice(("toml", "epub", "pdf", "toc", "csv")),
              help="The files' format (default: from the extension; .txt and .md are toc).")
@click.option("--slug", help="The book's slug (EPUB, PDF, toc; default: from its title).")
@click.option("--title", help="The book's title (default: the file's own, else its name).")
@click.option("--author", "authors", multiple=True, help="An author (repeat for several; default: the file's).")
@pass_app
def import_(app: App, files: tuple[str, ...], dry_run: bool, fmt: str | None, slug: str | None,
            title: str | None, authors: tuple[str, ...]) -> None:
    """Load books: library files (TOML), EPUB, PDF, a table of contents, Goodreads or StoryGraph CSV.

    An EPUB, a PDF (its outline) or a table of contents (.txt, .md: one entry a
    line) becomes one book with its chapters; a Goodreads or StoryGraph export
    adds its books with their ratings and shelves. Idempotent: importing a file
    again adds and retitles, never removes; the same file twice changes nothing.
    All the files load, or none.

    \b
    Example:
      tracker import my-books.toml
      tracker import --dry-run designing-data-intensive-applications.epub
      tracker import paper.pdf --slug attention --title "Attention Is All You Need"
      tracker import toc.md --title "Deep Learning" --author "Ian Goodfellow"
      tracker import goodreads_library_export.csv
    """
    from tracker.cli.progress import progress_bar
    from tracker.library import import_files, read_files

    read = read_files(list(files), fmt=fmt, slug=slug, title=title, authors=authors)
    with progress_bar("Importing", read.units, at_least=IMPORT_PROGRESS_FROM) as progress:
        result = import_files(app.lib, read, dry_run=dry_run, progress=progress)
    summary = ", ".join(plural(n, k.rstrip("s")) for k, n in result.counts.items() if n) or "nothing new"
    click.echo(("Would load " if dry_run else "Loaded ") + summary + f" from {plural(len(files), 'file')}.")
    for line in _import_details(result, dry_run):
        click.echo(line)


IMPORT_PROGRESS_FROM = 1_000  # chapters or rows; a shorter import is done before a bar helps
LISTED = 20  # lines of a list shown after an import (a dry run shows them all)


def _import_details(result: object, dry_run: bool) -> list[str]:
    """What each book file and CSV export gave: the tree on a dry run, what was left out."""
    from tracker.formats.toc_numbers import tree_lines

    def listing(head: str, items: list[str]) -> list[str]:
        if not items:
            return []
        shown = items if dry_run else items[:LISTED]
        more = [f"    … and {len(items) - len(shown)} more (--dry-run lists them all)"] if len(shown) < len(items) else []
        return [f"  {head}:"] + [f"    {item}" for item in shown] + more

    lines: list[str] = []
    for book in getattr(result, "books", []):
        state = "a new book" if book.new else f"{plural(book.added, 'new chapter')}"
        lines.append(f"{book.name} → {book.slug}: {book.title} ({plural(len(book.numbered.chapters), 'chapter')}, "
                     f"{state})")
        if dry_run:
            lines += ["    " + line for line in tree_lines(book.numbered.chapters)]
        lines += listing("left out", list(book.numbered.left_out))
        lines += listing("kept, though the file no longer has them", book.missing)
    for shelf in getattr(result, "shelves", []):
        lines.append(f"{shelf.name} ({shelf.source}, {plural(shelf.rows, 'row')}): {plural(shelf.added, 'book')} "
                     f"added, {shelf.updated} updated, {plural(shelf.events, 'status event')}")
        lines += listing("listed", shelf.listed)
    return lines


@click.command("books")
@json_option
@pass_app
def books_(app: App, as_json: bool) -> None:
    """Books with status, chapters read, favourites and next revisit.

    \b
    Example:
      tracker books --json
    """
    from tracker.library import books
    from tracker.cli import render

    from tracker import events

    with app.lib.read() as session:
        items = books(session)
        today = events.clock(session).today()
    click.echo(render.books(items, today)) if not as_json else echo_json(items)


@click.command("show")
@book_argument
@json_option
@pass_app
def show_(app: App, book: str, as_json: bool) -> None:
    """A book's chapter tree: status, favourites (★), next revisit, topics.

    \b
    Example:
      tracker show inference-engineering
      tracker show "Inference Eng" --json
    """
    from tracker.library import show
    from tracker.cli import render

    from tracker import events

    with app.lib.read() as session:
        value = show(session, book)
        today = events.clock(session).today()
    if as_json:
        echo_json(value)
    else:
        click.echo(render.show(value, today))


@click.group("book")
def book_group() -> None:
    """Add, rate, stop or remove books.

    \b
    Example:
      tracker book add "Deep Learning" --author "Ian Goodfellow" --year 2016
      tracker book stop deep-learning
    """


@book_group.command("add")
@click.argument("title")
@click.option("--author", "authors", multiple=True, help="An author (repeat for several).")
@click.option("--slug", help="Short name used on the command line (default: from the title).")
@click.option("--year", type=INT)
@click.option("--url")
@pass_app
def book_add(app: App, title: str, authors: tuple[str, ...], slug: str | None, year: int | None,
             url: str | None) -> None:
    """Add a book (then its chapters with `tracker chapter add`).

    \b
    Example:
      tracker book add "Designing Data-Intensive Applications" --author "Martin Kleppmann" --year 2017
    """
    from tracker.library import add_book

    with app.change("book add") as session:
        new = add_book(session, title, authors=authors, slug=slug, year=year, url=url)
        click.echo(f"Added {new.slug}: {new.title}. Add chapters: tracker chapter add {new.slug} 1 TITLE")


@book_group.command("stop")
@book_argument
@click.option("--on", metavar="WHEN", help="When you stopped (default: now).")
@pass_app
def book_stop(app: App, book: str, on: str | None) -> None:
    """Stop reading a book without finishing it (progress is kept; reading resumes it).

    \b
    Example:
      tracker book stop cuda-programming
    """
    from tracker import reading

    with app.change("book stop") as session:
        done = reading.stop(session, book, on=on)
    click.echo(f"Stopped {done.book}; `tracker read` resumes it.")


@book_group.command("rate")
@book_argument
@click.argument("stars", type=INT)
@pass_app
def book_rate(app: App, book: str, stars: int) -> None:
    """Your own rating of a book: 1 to 5 stars; 0 clears it.

    \b
    Example:
      tracker book rate inference-engineering 5
      tracker book rate inference-engineering 0
    """
    from tracker.library import rate_book

    with app.change("book rate") as session:
        slug, before, after = rate_book(session, book, stars)
    if before == after:
        click.echo(f"{slug} is rated {after}/5 already." if after else f"{slug} has no rating to clear.")
    else:
        click.echo(f"Rated {slug} {after}/5." if after else f"Cleared the rating of {slug}.")


@book_group.command("remove")
@book_argument
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@pass_app
def book_remove(app: App, book: str, yes: bool) -> None:
    """Delete a book with its chapters, revisit cards and log events.

    \b
    Example:
      tracker book remove my-book --yes
    """
    from tracker.library import remove_book, remove_book_counts
    from tracker.names import find_book

    with app.change("book remove") as session:
        found = find_book(session, book)
        counts = remove_book_counts(session, found)
        summary = (f"{found.slug}: {plural(counts['chapters'], 'chapter')}, "
                   f"{plural(counts['cards'], 'revisit card')}, {plural(counts['events'], 'log event')}")
        confirm(f"Remove {summary}?", yes)
        remove_book(session, found)
    click.echo(f"Removed {summary}.")


@click.group("chapter")
def chapter_group() -> None:
    """Add or remove chapters.

    \b
    Example:
      tracker chapter add deep-learning 6 "Deep Feedforward Networks"
      tracker chapter remove deep-learning 6 --yes
    """


@chapter_group.command("add")
@book_argument
@click.argument("number")
@click.argument("title")
@click.option("--topic", "topics", multiple=True, help="A topic slug (repeat for several).")
@click.option("--pages", type=INT, help="The chapter's length in pages.")
@pass_app
def chapter_add(app: App, book: str, number: str, title: str, topics: tuple[str, ...], pages: int | None) -> None:
    """Add a chapter; a section (5.2) goes after its parent's last section.

    \b
    Example:
      tracker chapter add my-book 3 "Storage and Retrieval" --pages 42
      tracker chapter add my-book 3.1 "Hash Indexes"
    """
    from tracker.library import add_chapter

    with app.change("chapter add") as session:
        found, chapter = add_chapter(session, book, number, title, topics=topics, pages=pages)
        click.echo(f"Added {found.slug} {chapter.number} {chapter.title}.")


@chapter_group.command("remove")
@book_argument
@chapter_argument
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@pass_app
def chapter_remove(app: App, book: str, chapter: str, yes: bool) -> None:
    """Delete a chapter with its sections, revisit card and log events.

    \b
    Example:
      tracker chapter remove my-book 3.1 --yes
    """
    from tracker.library import remove_chapter

    def ask(summary: dict[str, object]) -> bool:
        confirm(f"Remove {summary['book']} {summary['chapter']} {summary['title']} with "
                f"{plural(summary['sections'], 'section')} and {plural(summary['events'], 'log event')}?", yes)
        return True

    with app.change("chapter remove") as session:
        result = remove_chapter(session, book, chapter, confirm=ask)
        if not result["removed"]:
            raise click.Abort()
    click.echo(f"Removed {result['book']} {result['chapter']} {result['title']} "
               f"({result['sections']} sections, {result['events']} log events).")


@click.command("topics")
@json_option
@pass_app
def topics_(app: App, as_json: bool) -> None:
    """Topics with their chapters and resources.

    \b
    Example:
      tracker topics --json
    """
    from tracker.library import topics
    from tracker.cli import render

    with app.lib.read() as session:
        items = topics(session)
    if as_json:
        echo_json(items)
    else:
        click.echo(render.topics(items))


COMMANDS = [init, import_, books_, show_, book_group, chapter_group, topics_]
