"""Did-you-mean (SPEC §3): when a BOOK, CHAPTER, resource or topic names nothing, the
error names the closest candidates first, in every command that takes one; exit 2,
nothing written."""

from __future__ import annotations

import pytest

from tracker.names import closest

IE = "inference-engineering"


def test_show_quantisation_names_the_chapter_first(run):
    line = run.error("show", "Quantisation")
    assert line.startswith("Error: no book matches 'Quantisation'; did you mean the chapter "
                           f"{IE} 5.1 Quantization")
    assert "`tracker books` lists them all" in line


def test_a_typo_in_a_slug_names_the_book(run):
    line = run.error("show", "infrence-engineering")
    assert line == (f"Error: no book matches 'infrence-engineering'; did you mean {IE}? "
                    "(`tracker books` lists them all)")


def test_a_typo_in_a_title_names_the_book(run):
    assert "did you mean ultrascale-playbook?" in run.error("show", "The Ultra-Scale Playbok")


# Every command that takes a BOOK, a CHAPTER, a resource or a topic: (args, the candidate named first).
BOOK_COMMANDS = [
    ["show", "infrence-engineering"],
    ["read", "infrence-engineering", "5.1"],
    ["note", "infrence-engineering", "a note"],
    ["fav", "infrence-engineering", "5.1"],
    ["unfav", "infrence-engineering", "5.1"],
    ["revisit", "infrence-engineering", "5.1", "good"],
    ["snooze", "infrence-engineering", "5.1", "--days", "2"],
    ["card", "infrence-engineering", "5.1"],
    ["book", "stop", "infrence-engineering"],
    ["book", "remove", "infrence-engineering", "--yes"],
    ["chapter", "add", "infrence-engineering", "8", "Epilogue"],
    ["chapter", "remove", "infrence-engineering", "5.1", "--yes"],
    ["log", "--book", "infrence-engineering"],
    ["export", "--book", "infrence-engineering"],
]
CHAPTER_COMMANDS = [
    ["read", IE, "Quantisation"],
    ["note", IE, "a note", "--chapter", "Quantisation"],
    ["fav", IE, "Quantisation"],
    ["unfav", IE, "Quantisation"],
    ["revisit", IE, "Quantisation", "good"],
    ["snooze", IE, "Quantisation", "--days", "2"],
    ["card", IE, "Quantisation"],
    ["chapter", "remove", IE, "Quantisation", "--yes"],
]
RESOURCE_COMMANDS = [["resource", verb, "nano-vlm"] for verb in ("queue", "start", "done", "dismiss")]
TOPIC_COMMANDS = [
    ["interest", "add", "quantisaton"],
    ["interest", "remove", "quantisaton"],
    ["next", "--topic", "quantisaton"],
    ["chapter", "add", IE, "8", "Epilogue", "--topic", "quantisaton"],
    ["resource", "add", "A post", "--kind", "post", "--topic", "quantisaton"],
]
CASES = ([(args, f"did you mean {IE}?") for args in BOOK_COMMANDS]
         + [(args, "did you mean 5.1 Quantization or 5.1.2 Quantization Approaches?") for args in CHAPTER_COMMANDS]
         + [(args, "did you mean nano-vllm?") for args in RESOURCE_COMMANDS]
         + [(args, "did you mean quantization?") for args in TOPIC_COMMANDS])


@pytest.mark.parametrize("args, meant", CASES, ids=[" ".join(a) for a, _ in CASES])
def test_every_command_names_the_closest_first(run, unchanged, args, meant):
    with unchanged(run.db):
        line = run.error(*args)
    assert meant in line, line


def test_nothing_close_lists_what_exists(run):
    assert run.error("show", "xyz") == ("Error: no book matches 'xyz'; known: inference-engineering, "
                                        "ultrascale-playbook, ai-engineering")
    line = run.error("read", IE, "zzz")
    assert line.startswith(f"Error: no chapter of {IE} matches 'zzz'; known: 0 Inference, ") and "more" in line


def test_the_topics_are_all_listed_after_the_guess(run):
    line = run.error("interest", "add", "gpu")
    assert line.startswith("Error: no topic matches 'gpu'; did you mean gpus? Known: ai-applications, ")
    assert "training-llms" in line


def test_exact_names_still_win_over_near_ones(run):
    run.ok("book", "add", "Quantisation", "--slug", "quantisation")
    assert run.json("show", "Quantisation")["slug"] == "quantisation"


# --- the ranking itself ---------------------------------------------------------------


def test_the_nearest_comes_first_and_far_ones_are_left_out():
    named = [("a", ["Inference"]), ("b", ["Quantization Approaches"]), ("c", ["Quantization"]),
             ("d", ["Attention"])]
    assert closest("Quantisation", named) == ["c", "b"]
    assert closest("quantization approches", named) == ["b"]
    assert closest("xyz", named) == []
    assert closest("   ", named) == []


def test_ties_go_to_the_earlier_candidate():
    assert closest("chaptr", [("first", ["Chapter"]), ("second", ["Chapter"])]) == ["first", "second"]


def test_at_most_three_are_named():
    named = [(str(n), [f"Section {n}"]) for n in range(1, 9)]
    assert closest("Sectoin", named) == ["1", "2", "3"]
