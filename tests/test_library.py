"""The library through the CLI: books, show, status rules, names, add/remove, import (SPEC §1, §3, §5.1, §6)."""

from __future__ import annotations

import re
import textwrap

import pytest
from click.testing import CliRunner

from tracker.cli import cli

IE = "inference-engineering"
SEED_SLUGS = ["inference-engineering", "ultrascale-playbook", "ai-engineering"]
BOOK_KEYS = {"slug", "title", "authors", "status", "read", "total", "favourites", "next_due"}
SHOW_KEYS = {"slug", "title", "authors", "chapters"}
CHAPTER_KEYS = {"number", "title", "status", "favourite", "due", "topics"}
ANSI = re.compile(r"\x1b\[")


def book(run, slug):
    return next(b for b in run.json("books") if b["slug"] == slug)


def statuses(run, slug=IE):
    return {c["number"]: c["status"] for c in run.json("show", slug)["chapters"]}


def numbers(run, slug):
    return [c["number"] for c in run.json("show", slug)["chapters"]]


def log(run):
    return run.json("log")


# --------------------------------------------------------------------------- books / show shapes


def test_books_json_shape_and_the_seed(run):
    items = run.json("books")
    assert [b["slug"] for b in items] == SEED_SLUGS
    for b in items:
        assert BOOK_KEYS <= set(b)
        assert isinstance(b["title"], str) and b["title"]
        assert isinstance(b["authors"], list) and all(isinstance(a, str) for a in b["authors"])
        assert b["status"] == "to-read"
        assert b["read"] == 0 and b["favourites"] == 0 and b["next_due"] is None
        assert isinstance(b["total"], int) and b["total"] > 0
    ie = items[0]
    assert ie["title"] == "Inference Engineering"
    assert ie["authors"] == ["Philip Kiely"]
    assert ie["total"] == 8  # chapters 0-7: progress counts top-level chapters only


def test_show_json_shape_in_reading_order_with_sections(run):
    value = run.json("show", IE)
    assert SHOW_KEYS <= set(value)
    assert value["slug"] == IE and value["title"] == "Inference Engineering" and value["authors"] == ["Philip Kiely"]
    chapters = value["chapters"]
    for c in chapters:
        assert CHAPTER_KEYS <= set(c)
        assert c["status"] == "unread" and c["favourite"] is False and c["due"] is None
        assert isinstance(c["topics"], list) and all(isinstance(t, str) for t in c["topics"])
    nums = [c["number"] for c in chapters]
    top = [n for n in nums if "." not in n]
    assert top == [str(i) for i in range(8)]
    # sections follow their chapter, depth first: 4, 4.1, ..., 4.3, 4.3.1, ..., 4.4, ..., 5
    assert nums.index("4.3") < nums.index("4.3.1") < nums.index("4.3.3") < nums.index("4.4") < nums.index("5")
    assert nums[:2] == ["0", "1"] and "5.2.4" in nums
    quant = next(c for c in chapters if c["number"] == "5.1")
    assert quant["title"] == "Quantization" and "quantization" in quant["topics"]


def test_show_json_after_reading_and_favouriting(run):
    run.ok("read", IE, "5.1", "--done")
    run.ok("fav", IE, "5.1")
    c = next(c for c in run.json("show", IE)["chapters"] if c["number"] == "5.1")
    assert c["status"] == "read" and c["favourite"] is True and c["due"] == "2026-03-04"
    b = book(run, IE)
    assert b["status"] == "reading" and b["favourites"] == 1 and b["next_due"] == "2026-03-04"
    assert b["read"] == 0  # 5.1 is a section; chapter 5 is still being read


def test_human_books_has_progress_bars(run):
    run.ok("read", IE, "0", "--done")
    out = run.ok("books").stdout
    for slug in SEED_SLUGS:
        assert slug in out
    line = next(line for line in out.splitlines() if line.startswith(IE))
    assert "1/8" in line and "█" in line and "░" in line
    assert not ANSI.search(out)


def test_human_show_is_an_indented_tree_with_favourite_marks(run):
    run.ok("read", IE, "5.1", "--done")
    run.ok("fav", IE, "5.1")
    out = run.ok("show", IE).stdout
    assert "Inference Engineering" in out and "Philip Kiely" in out
    lines = out.splitlines()

    def line_of(number, title):
        return next(line for line in lines if re.search(rf"\b{re.escape(number)}  {re.escape(title)}", line))

    top = line_of("5", "Techniques")
    section = line_of("5.1", "Quantization")
    subsection = line_of("5.1.1", "Number Formats")
    indent = lambda line, n: line.index(n + "  ")  # noqa: E731
    assert indent(top, "5") < indent(section, "5.1") < indent(subsection, "5.1.1")
    assert "★" in section and "★" not in top and "★" not in subsection
    assert "2026-03-04" in section
    assert not ANSI.search(out)


def _invoke_with_colour(db, args, env):
    full = {"TRACKER_DB": str(db), "TRACKER_NOW": "2026-03-02T09:00:00+01:00", "TRACKER_DEBUG": "",
            "TRACKER_NO_SEED": "", **env}
    return CliRunner().invoke(cli, args, env=full, color=True)


def test_colour_on_a_terminal_and_never_with_no_color(run):
    run.ok("read", IE, "5.1", "--done")
    run.ok("fav", IE, "5.1")
    for args in (["show", IE], ["books"]):
        coloured = _invoke_with_colour(run.db, args, {"NO_COLOR": None})
        assert coloured.exit_code == 0 and ANSI.search(coloured.stdout), args
        plain = _invoke_with_colour(run.db, args, {"NO_COLOR": "1"})
        assert plain.exit_code == 0 and not ANSI.search(plain.stdout), args
        assert ANSI.sub("", plain.stdout) == plain.stdout


def test_empty_library_output(fresh):
    fresh.ok("init", "--empty")
    assert fresh.json("books") == []
    assert "No books yet" in fresh.ok("books").stdout


# --------------------------------------------------------------------------- status rules (SPEC §1)


def test_finishing_a_chapter_finishes_its_sections(run):
    run.ok("read", IE, "5", "--done")
    s = statuses(run)
    for n in ["5", "5.1", "5.1.1", "5.1.3", "5.2", "5.2.4", "5.3", "5.5"]:
        assert s[n] == "read", n
    assert s["4"] == "unread" and s["6"] == "unread"
    b = book(run, IE)
    assert b["read"] == 1 and b["total"] == 8 and b["status"] == "reading"


def test_all_sections_read_makes_the_chapter_read(run):
    for n in ["4.3.1", "4.3.2"]:
        run.ok("read", IE, n, "--done")
    assert statuses(run)["4.3"] == "reading"
    run.ok("read", IE, "4.3.3", "--done")
    s = statuses(run)
    assert s["4.3"] == "read"
    assert s["4"] == "reading"  # 4.1, 4.2, 4.4, 4.5 are still unread
    for n in ["4.1", "4.2", "4.4", "4.5"]:
        run.ok("read", IE, n, "--done")
    assert statuses(run)["4"] == "read"
    assert book(run, IE)["read"] == 1


def test_a_started_section_makes_its_ancestors_reading(run):
    run.ok("read", IE, "5.2.1", "--minutes", "10")
    s = statuses(run)
    assert s["5.2.1"] == "reading" and s["5.2"] == "reading" and s["5"] == "reading"
    assert s["5.1"] == "unread" and s["5.2.2"] == "unread"
    assert book(run, IE)["status"] == "reading"


def test_every_top_level_chapter_read_makes_the_book_read(run):
    for n in range(8):
        run.ok("read", IE, str(n), "--done")
    b = book(run, IE)
    assert b["read"] == 8 and b["status"] == "read"
    assert set(statuses(run).values()) == {"read"}


def test_stop_and_resume(run):
    run.ok("read", IE, "0", "--done")
    run.ok("book", "stop", IE)
    b = book(run, IE)
    assert b["status"] == "stopped" and b["read"] == 1  # progress kept
    run.ok("read", IE, "1", "--minutes", "5")
    assert book(run, IE)["status"] == "reading"
    assert statuses(run)["0"] == "read"


def test_books_are_independent(run):
    run.ok("read", IE, "0", "--done")
    other = book(run, "ultrascale-playbook")
    assert other["status"] == "to-read" and other["read"] == 0


# --------------------------------------------------------------------------- name resolution (SPEC §3)


@pytest.fixture
def deep(run):
    run.ok("book", "add", "Deep Learning", "--author", "Ian Goodfellow")
    run.ok("book", "add", "Deep Learning Systems")
    return run


def test_book_by_exact_slug_id_title_prefix_substring(deep):
    assert deep.json("show", IE)["slug"] == IE
    assert deep.json("show", "1")["slug"] == IE  # the id
    assert deep.json("show", "INFERENCE ENGINEERING")["slug"] == IE  # exact title, any case
    assert deep.json("show", "Inference Eng")["slug"] == IE  # unique prefix
    assert deep.json("show", "ultra-scale")["slug"] == "ultrascale-playbook"  # unique substring
    assert deep.json("show", "building applications")["slug"] == "ai-engineering"


def test_exact_title_beats_a_longer_title_with_the_same_prefix(deep):
    assert deep.json("show", "deep learning")["slug"] == "deep-learning"
    assert deep.json("show", "Deep Learning Systems")["slug"] == "deep-learning-systems"


def test_ambiguous_book_lists_both_candidates(deep, unchanged):
    with unchanged(deep.db):
        line = deep.error("show", "deep")
        assert "ambiguous" in line and "deep-learning" in line and "deep-learning-systems" in line
        line = deep.error("read", "learn", "1")
        assert "deep-learning" in line and "deep-learning-systems" in line


def test_unknown_book_lists_what_exists(run, unchanged):
    with unchanged(run.db):
        line = run.error("show", "nosuch")
    assert "nosuch" in line
    for slug in SEED_SLUGS:
        assert slug in line


def test_slug_tier_decides_before_title_tiers(run):
    # A book whose slug is another book's title word: the exact slug wins.
    run.ok("book", "add", "Something Else", "--slug", "inference")
    assert run.json("show", "inference")["slug"] == "inference"


def test_chapter_by_number_title_prefix_substring(run):
    run.ok("read", IE, "5.1")
    assert statuses(run)["5.1"] == "reading"
    run.ok("read", IE, "speculative decoding")  # exact title (5.2), not a prefix of another
    assert statuses(run)["5.2"] == "reading"
    run.ok("read", IE, "Draft")  # unique prefix: 5.2.1 Draft-Target
    assert statuses(run)["5.2.1"] == "reading"
    run.ok("read", IE, "lookahead")  # unique substring: 5.2.4
    assert statuses(run)["5.2.4"] == "reading"
    events = [(e["chapter"], e["chapter_title"]) for e in log(run)]
    assert events == [("5.1", "Quantization"), ("5.2", "Speculative Decoding"), ("5.2.1", "Draft-Target"),
                      ("5.2.4", "N-gram Speculation and Lookahead Decoding")]


def test_exact_chapter_title_beats_a_prefix(run):
    run.ok("read", IE, "gpu architecture")  # 3.1, though "GPU Architecture Generations" starts with it
    s = statuses(run)
    assert s["3.1"] == "reading" and s["3.2"] == "unread"
    run.ok("read", IE, "QUANTIZATION")  # 5.1, though 5.1.2 "Quantization Approaches" starts with it
    assert statuses(run)["5.1.2"] == "unread"
    assert [e["chapter"] for e in log(run)] == ["3.1", "5.1"]


@pytest.mark.parametrize("text,expected", [
    ("GPU Arch", ["3.1 GPU Architecture", "3.2 GPU Architecture Generations"]),  # prefix tier
    ("mechanics", ["2.2 LLM Inference Mechanics", "2.3 Image Generation Inference Mechanics"]),  # substring
])
def test_ambiguous_chapter_lists_candidates(run, unchanged, text, expected):
    with unchanged(run.db):
        line = run.error("read", IE, text)
    assert "ambiguous" in line
    for candidate in expected:
        assert candidate in line


def test_unknown_chapter_says_what_exists(run, unchanged):
    with unchanged(run.db):
        line = run.error("read", IE, "nosuch")
    assert "nosuch" in line and "0 Inference" in line


def test_chapter_number_decides_before_titles(run):
    run.ok("book", "add", "Numbers", "--slug", "numbers")
    run.ok("chapter", "add", "numbers", "1", "2")  # chapter 1 is titled "2"
    run.ok("chapter", "add", "numbers", "2", "Two")
    run.ok("read", "numbers", "2")
    assert statuses(run, "numbers") == {"1": "unread", "2": "reading"}


# --------------------------------------------------------------------------- book add / chapter add / remove


def test_book_add_makes_a_slug_from_the_title(run):
    out = run.ok("book", "add", "Designing Data-Intensive Applications", "--author", "Martin Kleppmann",
                 "--year", "2017", "--url", "https://dataintensive.net").stdout
    assert "designing-data-intensive-applications" in out
    b = book(run, "designing-data-intensive-applications")
    assert b["title"] == "Designing Data-Intensive Applications" and b["authors"] == ["Martin Kleppmann"]
    assert b["status"] == "to-read" and b["read"] == 0 and b["total"] == 0
    assert [x["slug"] for x in run.json("books")][-1] == "designing-data-intensive-applications"


def test_book_add_same_title_twice_is_refused_unless_slug(run, unchanged):
    run.ok("book", "add", "Deep Learning")
    with unchanged(run.db):
        line = run.error("book", "add", "deep LEARNING")
        assert "deep-learning" in line and "--slug" in line
        assert "--slug" in run.error("book", "add", "Inference Engineering")
    run.ok("book", "add", "Deep Learning", "--slug", "deep-learning-2nd")
    slugs = [b["slug"] for b in run.json("books")]
    assert slugs[-2:] == ["deep-learning", "deep-learning-2nd"]
    # The two stay reachable by slug; the title alone is ambiguous, and says so.
    assert run.json("show", "deep-learning-2nd")["slug"] == "deep-learning-2nd"


def test_book_add_slug_conflicts_and_bad_values(run, unchanged):
    with unchanged(run.db):
        line = run.error("book", "add", "Another", "--slug", IE)
        assert IE in line and "--slug" in line
        assert "a-z" in run.error("book", "add", "Another", "--slug", "Bad Slug")
        assert "web address" in run.error("book", "add", "Another", "--url", "not a url")
        assert run.error("book", "add", "   ")
        assert run.error("book", "add", "Another", "--year", "nineteen")  # Click's own usage error


def test_chapter_add_with_an_existing_number_writes_nothing(run, unchanged):
    with unchanged(run.db):
        line = run.error("chapter", "add", IE, "5.1", "Something")
    assert "5.1" in line and "Quantization" in line


def test_chapter_add_places_sections_after_their_parents_last_section(run):
    run.ok("chapter", "add", IE, "8", "Epilogue", "--pages", "12")
    run.ok("chapter", "add", IE, "5.6", "Batching", "--topic", "performance")
    run.ok("chapter", "add", IE, "5.2.5", "Tree Speculation")
    run.ok("chapter", "add", IE, "8.1", "Afterword")
    nums = numbers(run, IE)
    assert nums[-2:] == ["8", "8.1"]
    assert nums[nums.index("5.2.4") + 1] == "5.2.5"
    assert nums[nums.index("5.5") + 1] == "5.6"
    assert nums[nums.index("5.6") + 1] == "6"
    chapters = {c["number"]: c for c in run.json("show", IE)["chapters"]}
    assert chapters["5.6"]["topics"] == ["performance"] and chapters["5.6"]["title"] == "Batching"
    assert chapters["8"]["status"] == "unread"
    assert book(run, IE)["total"] == 9


def test_chapter_add_to_a_finished_book(run):
    for n in range(8):
        run.ok("read", IE, str(n), "--done")
    assert book(run, IE)["status"] == "read"
    run.ok("chapter", "add", IE, "5.6", "Batching")
    # 5.6 lies inside finished chapter 5: finishing 5 finished its sections, this one too
    assert statuses(run)["5.6"] == "read"
    run.ok("chapter", "add", IE, "8", "Epilogue")
    b = book(run, IE)
    assert b["total"] == 9 and b["read"] == 8 and b["status"] != "read"


def test_chapter_add_to_a_new_book_in_any_order(run):
    run.ok("book", "add", "Mine", "--slug", "mine")
    for n, t in [("1", "One"), ("2", "Two"), ("1.1", "One One"), ("A", "Appendix"), ("1.2", "One Two"),
                 ("2.1", "Two One")]:
        run.ok("chapter", "add", "mine", n, t)
    assert numbers(run, "mine") == ["1", "1.1", "1.2", "2", "2.1", "A"]
    assert book(run, "mine")["total"] == 3


def test_chapter_add_unknown_topic_lists_topics(run, unchanged):
    with unchanged(run.db):
        line = run.error("chapter", "add", IE, "8", "Epilogue", "--topic", "nosuch")
    assert "nosuch" in line and "known: ai-applications" in line


@pytest.mark.parametrize("args", [
    (IE, "5..1", "Bad number"),
    (IE, "8", "  "),
    (IE, "8", "Epilogue", "--pages", "-3"),
    ("nosuch", "1", "Title"),
])
def test_chapter_add_bad_values(run, unchanged, args):
    with unchanged(run.db):
        run.error("chapter", "add", *args)


def test_book_remove_deletes_chapters_cards_and_events(run):
    run.ok("read", IE, "5.1", "--done")
    run.ok("fav", IE, "5.1")
    run.ok("note", IE, "a note")
    run.ok("read", "ai-engineering", "1")
    assert len(log(run)) == 4
    out = run.ok("book", "remove", IE, "--yes").stdout
    assert re.search(r"\d+ chapters", out) and "1 revisit card," in out and "3 log events" in out
    assert [b["slug"] for b in run.json("books")] == ["ultrascale-playbook", "ai-engineering"]
    assert [e["book"] for e in log(run)] == ["ai-engineering"]
    assert run.error("show", IE)
    assert run.json("today")["revisit"] == []
    assert run.ok("db", "check").stdout.strip() == "ok"


def test_book_remove_without_yes_asks_and_keeps_on_no(run, unchanged):
    with unchanged(run.db):
        result = run("book", "remove", IE, input="n\n")
        assert result.exit_code != 0
    result = run("book", "remove", IE, input="y\n")
    assert result.exit_code == 0, result.output
    assert IE not in [b["slug"] for b in run.json("books")]


def test_chapter_remove_deletes_sections_and_their_events(run):
    run.ok("read", IE, "5.2.1", "--done")
    run.ok("read", IE, "5.1", "--done")
    run.ok("fav", IE, "5.1")
    run.ok("read", IE, "4", "--done")
    out = run.ok("chapter", "remove", IE, "5", "--yes").stdout
    assert "5 Techniques" in out
    nums = numbers(run, IE)
    assert not any(n == "5" or n.startswith("5.") for n in nums)
    assert nums[nums.index("4.5") + 1] == "6"
    assert [e["chapter"] for e in log(run)] == ["4"]
    b = book(run, IE)
    assert b["total"] == 7 and b["read"] == 1 and b["favourites"] == 0 and b["next_due"] is None
    assert run.ok("db", "check").stdout.strip() == "ok"


def test_chapter_remove_of_a_section_keeps_the_rest(run):
    run.ok("read", IE, "5.2.1", "--done")
    run.ok("chapter", "remove", IE, "Draft-Target", "--yes")
    s = statuses(run)
    assert "5.2.1" not in s and s["5.2"] == "unread" and s["5"] == "unread"
    assert log(run) == []


def test_remove_unknown_things(run, unchanged):
    with unchanged(run.db):
        run.error("book", "remove", "nosuch", "--yes")
        run.error("chapter", "remove", IE, "nosuch", "--yes")


# --------------------------------------------------------------------------- import (SPEC §5.1)

LIBRARY = """\
[[topics]]
slug = "storage"
name = "Storage"

[[books]]
slug = "ddia"
title = "Designing Data-Intensive Applications"
authors = ["Martin Kleppmann"]
year = 2017
url = "https://dataintensive.net"

[[books.chapters]]
number = "1"
title = "Reliable, Scalable, and Maintainable Applications"

[[books.chapters]]
number = "3"
title = "Storage and Retrieval"
topics = ["storage"]

[[books.chapters]]
number = "3.1"
title = "Hash Indexes"
topics = ["storage", "caching"]

[[resources]]
slug = "lsm-paper"
title = "The Log-Structured Merge-Tree"
kind = "paper"
year = 1996
topics = ["storage"]
rank = 20
note = "Where LSM trees come from."
"""


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def test_import_adds_books_and_is_idempotent(run, tmp_path):
    path = write(tmp_path, "mine.toml", LIBRARY)
    out = run.ok("import", path).stdout
    assert "Loaded" in out
    slugs = [b["slug"] for b in run.json("books")]
    assert slugs == [*SEED_SLUGS, "ddia"]
    shown = run.json("show", "ddia")
    assert [c["number"] for c in shown["chapters"]] == ["1", "3", "3.1"]
    assert shown["chapters"][2]["topics"] == ["storage", "caching"]
    assert book(run, "ddia")["total"] == 2
    assert any(t["slug"] == "storage" and t["chapters"] == 2 and t["resources"] == 1 for t in run.json("topics"))
    before = (run.json("books"), run.json("show", "ddia"), run.json("topics"), run.json("resource", "list"))
    run.ok("import", path)
    after = (run.json("books"), run.json("show", "ddia"), run.json("topics"), run.json("resource", "list"))
    assert after == before


def test_a_partial_import_places_new_chapters_as_chapter_add_and_a_full_one_reorders(run, tmp_path):
    run.ok("import", write(tmp_path, "mine.toml", LIBRARY))
    run.ok("chapter", "add", "ddia", "2", "Data Models")  # at the end: 1, 3, 3.1, 2
    assert numbers(run, "ddia") == ["1", "3", "3.1", "2"]
    partial = """\
        [[books]]
        slug = "ddia"
        title = "Designing Data-Intensive Applications"

        [[books.chapters]]
        number = "3"
        title = "Storage and Retrieval"

        [[books.chapters]]
        number = "3.2"
        title = "SSTables"

        [[books.chapters]]
        number = "1"
        title = "Reliable, Scalable, and Maintainable Applications"

        [[books.chapters]]
        number = "1.1"
        title = "Reliability"

        [[books.chapters]]
        number = "4"
        title = "Encoding"
        """
    run.ok("import", write(tmp_path, "partial.toml", partial))
    # The book's own order is kept; each new chapter goes where `chapter add` puts it.
    assert numbers(run, "ddia") == ["1", "1.1", "3", "3.1", "3.2", "2", "4"]
    full = "".join(f"""
        [[books.chapters]]
        number = "{n}"
        title = "{t}"
        """ for n, t in [("1", "Reliable, Scalable, and Maintainable Applications"), ("1.1", "Reliability"),
                         ("2", "Data Models"), ("3", "Storage and Retrieval"), ("3.1", "Hash Indexes"),
                         ("3.2", "SSTables"), ("4", "Encoding")])
    run.ok("import", write(tmp_path, "full.toml", partial.split("[[books.chapters]]")[0] + full))
    assert numbers(run, "ddia") == ["1", "1.1", "2", "3", "3.1", "3.2", "4"]
    run.ok("undo")
    assert numbers(run, "ddia") == ["1", "1.1", "3", "3.1", "3.2", "2", "4"]


def test_import_keeps_reading_state_and_never_touches_the_log(run, tmp_path):
    path = write(tmp_path, "mine.toml", LIBRARY)
    run.ok("import", path)
    run.ok("read", "ddia", "3", "--done")
    run.ok("fav", "ddia", "3.1")
    events = log(run)
    shown = run.json("show", "ddia")
    run.ok("import", path)
    assert log(run) == events
    assert run.json("show", "ddia") == shown
    # The bundled file itself can be imported again without changing anything.
    from tracker.formats.library_store import seed_path

    books = run.json("books")
    run.ok("import", seed_path())
    assert run.json("books") == books and log(run) == events


def test_import_dry_run_writes_nothing(run, tmp_path, unchanged):
    path = write(tmp_path, "mine.toml", LIBRARY)
    with unchanged(run.db):
        out = run.ok("import", "--dry-run", path).stdout
    assert "Would load" in out
    assert "ddia" not in [b["slug"] for b in run.json("books")]


def test_import_several_files_in_one_go(run, tmp_path):
    first = write(tmp_path, "a.toml", LIBRARY)
    second = write(tmp_path, "b.toml", """\
        [[books]]
        slug = "more"
        title = "More"

        [[books.chapters]]
        number = "1"
        title = "Also storage"
        topics = ["storage"]
        """)
    run.ok("import", first, second)  # b.toml may use a topic a.toml defines
    assert [b["slug"] for b in run.json("books")][-2:] == ["ddia", "more"]


BAD_FILES = {
    "unknown-key": ("""\
        [[books]]
        slug = "x"
        title = "X"
        colour = "red"
        """, ["colour"]),
    "unknown-chapter-key": ("""\
        [[books]]
        slug = "x"
        title = "X"

        [[books.chapters]]
        number = "1"
        title = "One"
        pgs = 3
        """, ["pgs"]),
    "duplicated-chapter": ("""\
        [[books]]
        slug = "x"
        title = "X"

        [[books.chapters]]
        number = "1"
        title = "One"

        [[books.chapters]]
        number = "1"
        title = "One again"
        """, ["1"]),
    "unknown-topic": ("""\
        [[books]]
        slug = "x"
        title = "X"

        [[books.chapters]]
        number = "1"
        title = "One"
        topics = ["nosuch-topic"]
        """, ["nosuch-topic"]),
    "unknown-recommender": ("""\
        [[resources]]
        slug = "r"
        title = "R"
        kind = "post"
        recommended_by = "nobody"
        """, ["nobody", "recommended_by"]),
    "invalid-toml": ("""\
        [[books]]
        slug = "x
        """, ["TOML"]),
    "bad-kind": ("""\
        [[resources]]
        slug = "r"
        title = "R"
        kind = "podcast"
        """, ["kind"]),
}


@pytest.mark.parametrize("name", sorted(BAD_FILES))
def test_import_of_a_bad_file_loads_nothing(run, tmp_path, unchanged, name):
    text, expected = BAD_FILES[name]
    good = write(tmp_path, "good.toml", LIBRARY)
    bad = write(tmp_path, f"{name}.toml", text)
    with unchanged(run.db):
        line = run.error("import", good, bad)  # the good file is not loaded either
        assert f"{name}.toml" in line
        for word in expected:
            assert word in line
        run.error("import", "--dry-run", bad)


def test_import_of_a_missing_file(run, tmp_path, unchanged):
    with unchanged(run.db):
        line = run.error("import", tmp_path / "nope.toml")
    assert "nope.toml" in line


def test_import_of_a_folder_or_binary_file(run, tmp_path, unchanged):
    binary = tmp_path / "bin.toml"
    binary.write_bytes(b"\xff\xfe\x00garbage\x80")
    with unchanged(run.db):
        assert "bin.toml" in run.error("import", binary)
        run.error("import", tmp_path)


def test_import_into_a_new_library_that_fails_leaves_no_database(fresh, tmp_path):
    bad = write(tmp_path, "bad.toml", BAD_FILES["unknown-key"][0])
    fresh.error("import", bad)
    assert not fresh.db.exists()


# --------------------------------------------------------------------------- any script, long text

TITLES = ["推理工程", "📚 Reading", "هندسة الاستدلال"]


@pytest.mark.parametrize("title", TITLES)
def test_titles_in_any_script(run, title):
    run.ok("book", "add", title, "--author", title)
    added = run.json("books")[-1]
    assert added["title"] == title and added["authors"] == [title]
    slug = added["slug"]
    assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", slug)
    assert run.json("show", title)["slug"] == slug  # exact title
    assert run.json("show", title[:2])["slug"] == slug  # prefix
    run.ok("chapter", "add", slug, "1", title)
    run.ok("chapter", "add", slug, "2", f"{title} — 2")
    chapters = run.json("show", slug)["chapters"]
    assert [c["title"] for c in chapters] == [title, f"{title} — 2"]
    run.ok("read", title, title, "--done")  # book and chapter by exact title
    assert statuses(run, slug) == {"1": "read", "2": "unread"}
    assert title in run.ok("show", slug).stdout
    assert title[:2] in run.ok("books").stdout
    assert log(run)[-1]["chapter_title"] == title


def test_titles_in_all_scripts_side_by_side(run):
    for title in TITLES:
        run.ok("book", "add", title)
    assert [b["title"] for b in run.json("books")][-3:] == TITLES
    out = run.ok("books").stdout
    for title in TITLES:
        assert title in out


def test_a_ten_thousand_character_note(run):
    text = ("Long note, ünïcödé, 推理, 📚, عربي. " * 400)[:10_000]
    assert len(text) == 10_000
    run.ok("note", IE, text)
    run.ok("note", IE, text, "--chapter", "5.1")
    events = log(run)
    assert [e["note"] for e in events] == [text, text]
    assert events[1]["chapter"] == "5.1"
    assert all(e["event"] == "note" for e in events)
    assert run.json("show", IE)["chapters"][0]["status"] == "unread"  # a note reads nothing
    out = run.ok("show", IE).stdout
    assert "Long note" in out
