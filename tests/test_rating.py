"""A book's own rating (SPEC §1, §3 `book rate`, `books`/`show --json`, §5.1, §5.2): 1–5
stars, 0 clears, one undoable change; library files and backups carry it."""

from __future__ import annotations

import json
import textwrap

import pytest

from tests.conftest import Runner

IE = "inference-engineering"


def rating_of(run: Runner, slug: str = IE) -> int | None:
    return next(b["rating"] for b in run.json("books") if b["slug"] == slug)


def test_books_and_show_carry_a_null_rating_until_one_is_given(run):
    assert all("rating" in b and b["rating"] is None for b in run.json("books"))
    assert run.json("show", IE)["rating"] is None


def test_book_rate_sets_changes_and_clears_each_one_undoable_change(run):
    assert run.ok("book", "rate", IE, "4").stdout.strip() == f"Rated {IE} 4/5."
    assert rating_of(run) == 4 and run.json("show", IE)["rating"] == 4
    assert "rated 4/5" in run.ok("books").stdout and "rated 4/5" in run.ok("show", IE).stdout
    run.ok("book", "rate", "Inference Eng", "2")  # BOOK resolves as everywhere
    assert rating_of(run) == 2
    run.ok("book", "rate", IE, "0")
    assert rating_of(run) is None
    history = run.json("history")
    assert [c["command"] for c in history[:3]] == ["book rate"] * 3
    run.ok("undo")
    assert rating_of(run) == 2
    run.ok("undo")
    assert rating_of(run) == 4
    run.ok("undo")
    assert rating_of(run) is None


def test_the_same_rating_again_records_no_change(run):
    run.ok("book", "rate", IE, "5")
    before = run.json("history")
    assert "already" in run.ok("book", "rate", IE, "5").stdout
    assert run.json("history") == before


@pytest.mark.parametrize("stars", [("6",), ("--", "-1"), ("four",), ("2.5",)])
def test_stars_out_of_range_are_refused(run, unchanged, stars):
    with unchanged(run.db):
        line = run.error("book", "rate", IE, *stars)
    assert "STARS" in line or "integer" in line or "whole number" in line


def test_rating_an_unknown_book_is_refused(run, unchanged):
    with unchanged(run.db):
        line = run.error("book", "rate", "infrence-enginering", "3")
    assert IE in line  # the closest candidate is named


def test_library_files_carry_a_rating(run, tmp_path):
    path = tmp_path / "mine.toml"
    path.write_text(textwrap.dedent("""\
        [[books]]
        slug = "ddia"
        title = "Designing Data-Intensive Applications"
        rating = 5
        """), encoding="utf-8")
    run.ok("import", path)
    assert rating_of(run, "ddia") == 5
    assert run.json("history")[0]["command"] == "import"
    run.ok("import", path)  # the same file twice changes nothing
    assert len(run.json("history")) == 1


@pytest.mark.parametrize("value, words", [("6", "from 1 to 5"), ("0", "1 or more"), ('"five"', "integer")])
def test_a_bad_rating_in_a_library_file_names_the_file_and_key(run, tmp_path, unchanged, value, words):
    path = tmp_path / "bad.toml"
    path.write_text(f'[[books]]\nslug = "x"\ntitle = "X"\nrating = {value}\n', encoding="utf-8")
    with unchanged(run.db):
        line = run.error("import", path)
    assert "bad.toml" in line and "rating" in line and words in line


def test_a_backup_without_ratings_has_no_rating_key_and_one_with_them_round_trips(run, fresh, tmp_path):
    plain = json.loads(run.ok("backup").stdout)
    assert all("rating" not in b for b in plain["library"]["books"])
    run.ok("book", "rate", IE, "3")
    data = run.ok("backup").stdout
    books = json.loads(data)["library"]["books"]
    assert [b.get("rating") for b in books if b["slug"] == IE] == [3]
    assert sum("rating" in b for b in books) == 1
    path = tmp_path / "backup.json"
    path.write_text(data, encoding="utf-8")
    fresh.ok("init", "--empty")
    fresh.ok("restore", path)
    assert rating_of(fresh) == 3
    assert fresh.ok("backup").stdout.split("\n")[4:] == data.split("\n")[4:]  # all but created_at


def test_a_backup_restores_a_book_s_own_start_done_and_stop(fresh, tmp_path):
    """Events on a book without a resource (a Goodreads import's) restore and set its status."""
    backup = {"format": "tracker-backup", "version": 1, "settings": {}, "library": {"books": [
        {"slug": "a", "title": "A"}, {"slug": "b", "title": "B"}, {"slug": "c", "title": "C"}]},
        "events": [{"at": "2025-01-01T12:00:00+00:00", "event": "done", "book": "a"},
                   {"at": "2025-01-02T12:00:00+00:00", "event": "start", "book": "b"},
                   {"at": "2025-01-03T12:00:00+00:00", "event": "stop", "book": "c"}]}
    path = tmp_path / "b.json"
    path.write_text(json.dumps(backup), encoding="utf-8")
    fresh.ok("init", "--empty")
    fresh.ok("restore", path)
    assert {b["slug"]: b["status"] for b in fresh.json("books")} == {"a": "read", "b": "reading", "c": "stopped"}
    backup["events"].append({"at": "2025-01-04T12:00:00+00:00", "event": "done"})
    path.write_text(json.dumps(backup), encoding="utf-8")
    assert "needs a resource or a book" in fresh.error("restore", path, "--replace")
