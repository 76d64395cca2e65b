"""`next`, `resource …`, `interest …` (SPEC §3, §4.2: the review's map as suggestions)."""

from __future__ import annotations

from typing import Any

import click

from tracker.cli.app import (
    COUNT, INT, App, echo_json, json_option, on_option, pass_app,
)

STATUSES = ("suggested", "queued", "reading", "done", "dismissed")


def _complete(ctx: click.Context, incomplete: str, what: str) -> list[Any]:
    from click.shell_completion import CompletionItem

    try:
        app = ctx.find_object(App) or App()
        if app.db_option is None:
            app.db_option = (ctx.find_root().params or {}).get("db")
        from sqlalchemy import select

        from tracker.model import Resource, Topic

        with app.lib.read() as session:
            if what == "resource":
                rows = session.execute(select(Resource.slug, Resource.title).order_by(Resource.slug)).all()
            else:
                rows = session.execute(select(Topic.slug, Topic.name).order_by(Topic.slug)).all()
        return [CompletionItem(s, help=t) for s, t in rows if s.startswith(incomplete)]
    except Exception:  # noqa: BLE001 - completion must never fail loudly
        return []


def _complete_resources(ctx: click.Context, _param: click.Parameter, incomplete: str) -> list[Any]:
    return _complete(ctx, incomplete, "resource")


def _complete_topics(ctx: click.Context, _param: click.Parameter, incomplete: str) -> list[Any]:
    return _complete(ctx, incomplete, "topic")


def _render_next(items: list[dict[str, Any]]) -> str:
    from tracker.cli import render

    if not items:
        return "Nothing to suggest: every resource is read, being read or dismissed (tracker resource list)."
    lines = []
    for n, s in enumerate(items, 1):
        lines.append(render.line(("", f"{n}."), (" ", render.Cut(render.style(s["title"], bold=True))),
                                 (" ", f"({s['kind']})"), ("  ", s["resource"]), indent=3))
        lines.append(render.wrap("   " + render.style(s["why"], fg="cyan"), indent=3))
        if s["url"]:
            lines.append("   " + render.style(s["url"], dim=True))  # a URL cut is no URL
    first = items[0]["resource"]
    lines.append(render.wrap(render.style(f"Queue one: tracker resource queue {first} · start it: tracker resource "
                                          f"start {first}", dim=True)))
    return "\n".join(lines)


def _render_resources(items: list[dict[str, Any]]) -> str:
    from tracker.cli import render

    if not items:
        return "No resources with that status."
    rows = [[r["resource"], r["title"], r["kind"], r["status"], " ".join(r["topics"])]
            for r in items]
    return render.table(rows, header=["resource", "title", "kind", "status", "topics"])


@click.command("next")
@click.option("--topic", metavar="T", shell_complete=_complete_topics, help="Only resources on this topic.")
@click.option("--limit", type=COUNT, default=5, show_default=True, metavar="N",
              help="How many to show.")
@json_option
@pass_app
def next_(app: App, topic: str | None, limit: int, as_json: bool) -> None:
    """What to read next from the review's map, best first, each with its reason.

    Ranked by what you queued, the topics you follow, the favourite chapters you
    revisit (more when they are hard), then the chapters you read.

    \b
    Example:
      tracker next
      tracker next --topic quantization --limit 3 --json
    """
    from tracker import suggest

    with app.lib.read() as session:
        items = suggest.suggest(session, topic=topic, limit=limit)
    echo_json(items) if as_json else click.echo(_render_next(items))


@click.group("resource")
def resource_group() -> None:
    """The map's resources: list, add, queue, start, done, dismiss.

    \b
    Example:
      tracker resource list --status queued
      tracker resource start gpu-glossary
    """


@resource_group.command("list")
@click.option("--status", type=click.Choice(STATUSES), help="Only resources with this status.")
@json_option
@pass_app
def resource_list(app: App, status: str | None, as_json: bool) -> None:
    """The resources in the map's order, with their status.

    \b
    Example:
      tracker resource list
      tracker resource list --status queued --json
    """
    from tracker import suggest

    with app.lib.read() as session:
        items = suggest.list_resources(session, status)
    echo_json(items) if as_json else click.echo(_render_resources(items))


@resource_group.command("add")
@click.argument("title")
@click.option("--kind", required=True, metavar="K",
              help="book, paper, post, docs, code, reference, course, video or review.")
@click.option("--url", metavar="U", help="Where to read it (http or https).")
@click.option("--author", "authors", multiple=True, metavar="A", help="An author (repeat for more).")
@click.option("--year", type=INT, metavar="Y", help="Year of publication.")
@click.option("--topic", "topics", multiple=True, metavar="T", shell_complete=_complete_topics,
              help="A topic slug (repeat for more).")
@click.option("--slug", metavar="S", help="Its short name (default: from the title).")
@click.option("--note", metavar="TEXT", help="Why it is on your map.")
@pass_app
def resource_add(app: App, title: str, kind: str, url: str | None, authors: tuple[str, ...], year: int | None,
                 topics: tuple[str, ...], slug: str | None, note: str | None) -> None:
    """Add a resource to your map.

    \b
    Example:
      tracker resource add "FlashAttention" --kind paper --url https://arxiv.org/abs/2205.14135 \\
        --author "Tri Dao" --year 2022 --topic attention
    """
    from tracker import suggest

    with app.change("resource add") as session:
        res = suggest.add_resource(session, title, kind=kind, url=url, authors=authors, year=year,
                                     topics=topics, slug=slug, note=note)
        slug_out = res.slug
    click.echo(f"Added {slug_out} ({kind.strip().lower()}). Queue it: tracker resource queue {slug_out}")


def _lifecycle(kind: str, help_text: str, example: str) -> click.Command:
    @click.command(kind, help=f"{help_text}\n\n\b\nExample:\n  {example}")
    @click.argument("resource", metavar="R", shell_complete=_complete_resources)
    @on_option
    @pass_app
    def command(app: App, resource: str, on: str | None) -> None:
        from tracker import suggest

        with app.change(f"resource {kind}") as session:
            out = suggest.change(session, kind, resource, on=on)
        click.echo(_said(kind, out))

    return command


def _said(kind: str, out: dict[str, Any]) -> str:
    slug = out["resource"]
    if kind == "queue":
        return f"Queued {slug}: it leads `tracker next`."
    if kind == "dismiss":
        return f"Dismissed {slug}: it will not be suggested again (undo: tracker undo)."
    if kind == "done":
        return f"Done with {slug}." + (f" Book {out['book']} is {out['book_status']}." if out["book"] else "")
    made = "a new book of one chapter" if out["created_book"] else f"a book of {out['chapters']} chapters"
    hint = f"tracker read {out['book']} 1 --minutes 30" if out["created_book"] else f"tracker show {out['book']}"
    return f"Started {slug}: reading it as {made}.\n  {hint}"


resource_group.add_command(_lifecycle("queue", "Queue a resource: it leads the suggestions.",
                                      "tracker resource queue gpu-glossary"))
resource_group.add_command(_lifecycle("start", "Start reading a resource: it becomes a book being read.",
                                      "tracker resource start ultrascale-playbook"))
resource_group.add_command(_lifecycle("done", "Mark a resource as read: it is never suggested again.",
                                      "tracker resource done pagedattention --on yesterday"))
resource_group.add_command(_lifecycle("dismiss", "Dismiss a resource: it is never suggested again.",
                                      "tracker resource dismiss cuda-programming"))


@click.group("interest")
def interest_group() -> None:
    """The topics you follow: they lead the suggestions.

    \b
    Example:
      tracker interest add gpus
      tracker interest list
    """


@interest_group.command("list")
@json_option
@pass_app
def interest_list(app: App, as_json: bool) -> None:
    """The topics you follow.

    \b
    Example:
      tracker interest list --json
    """
    from tracker import suggest

    with app.lib.read() as session:
        items = suggest.list_interests(session)
    if as_json:
        echo_json(items)
    elif not items:
        click.echo("You follow no topic yet. Follow one: tracker interest add TOPIC (see tracker topics).")
    else:
        from tracker.cli import render

        click.echo(render.table([[i["topic"], i["name"], render.plural(i["resources"], "resource")]
                                 for i in items]))


@interest_group.command("add")
@click.argument("topic", shell_complete=_complete_topics)
@pass_app
def interest_add(app: App, topic: str) -> None:
    """Follow a topic: resources on it come first in `next`.

    \b
    Example:
      tracker interest add gpus
    """
    from tracker import suggest

    with app.change("interest add") as session:
        slug = suggest.add_interest(session, topic).slug
    click.echo(f"You follow {slug}. See: tracker next")


@interest_group.command("remove")
@click.argument("topic", shell_complete=_complete_topics)
@pass_app
def interest_remove(app: App, topic: str) -> None:
    """Stop following a topic.

    \b
    Example:
      tracker interest remove gpus
    """
    from tracker import suggest

    with app.change("interest remove") as session:
        slug = suggest.remove_interest(session, topic).slug
    click.echo(f"You no longer follow {slug}.")


COMMANDS: list[click.Command] = [next_, resource_group, interest_group]
