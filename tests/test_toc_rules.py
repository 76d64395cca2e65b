"""The table-of-contents rules (SPEC §5.5), on plain values: the number a title carries,
numbering by nesting and position, lengths; and whatever text is given, either one
UserError or a tree of valid, distinct chapter numbers."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tracker import chapter_numbers
from tracker.errors import UserError
from tracker.formats.toc_numbers import Entry, number_entries, split_number
from tracker.formats.toc_text import parse_toc


@pytest.mark.parametrize("label, number, title", [
    ("Chapter 5: Techniques", "5", "Techniques"),
    ("chapter 12 — Scaling", "12", "Scaling"),
    ("5.2 Speculative Decoding", "5.2", "Speculative Decoding"),
    ("5.2.1. Drafts", "5.2.1", "Drafts"),
    ("Appendix B – Tables", "B", "Tables"),
    ("A. Glossary", "A", "Glossary"),
    ("B.1 Symbols", "B.1", "Symbols"),
    ("C: Errata", "C", "Errata"),
    ("Chapter 7", "7", "Chapter 7"),
    ("Introduction", None, "Introduction"),
    ("A Tale of Two Caches", None, "A Tale of Two Caches"),
    ("U.S. Patents", None, "U.S. Patents"),
    ("5G Networks", None, "5G Networks"),
    ("Appendix: Notes", None, "Appendix: Notes"),
])
def test_the_number_a_title_carries(label, number, title):
    assert split_number(label) == (number, title)


def test_unnumbered_entries_by_position_and_by_the_toc_rule():
    entries = [Entry("Preface"), Entry("Chapter 1: One", [Entry("Alpha"), Entry("Beta")]), Entry("Afterword")]
    epub_like = number_entries(entries, "x.epub", by_position=True)
    assert [(c.number, c.title) for c in epub_like.chapters] == [
        ("1", "One"), ("1.1", "Alpha"), ("1.2", "Beta"), ("3", "Afterword")]
    assert epub_like.left_out == ("Preface (no number, and 1 is another entry's)",)
    toc_like = number_entries(entries, "x.txt", by_position=False)
    assert [c.number for c in toc_like.chapters] == ["1", "1.1", "1.2"]
    assert len(toc_like.left_out) == 2


def test_lengths_from_start_pages_end_at_the_next_entry_of_the_same_or_a_higher_level():
    entries = [Entry("1 A", [Entry("1.1 B", start=3), Entry("1.2 C", start=7)], start=1),
               Entry("2 D", start=12), Entry("Index", start=40)]
    pages = {c.number: c.pages for c in number_entries(entries, "x", end_page=50).chapters}
    assert pages == {"1": 11, "1.1": 4, "1.2": 5, "2": 28}
    last = {c.number: c.pages for c in number_entries(entries[:2], "x", end_page=50).chapters}
    assert last["2"] == 39  # the last one runs to the end of the document
    assert {c.number: c.pages for c in number_entries(entries[:2], "x").chapters}["2"] is None


PIECE = st.sampled_from(list("  \t-*+1234567890.:)–—ABCabc#…IVXivx") + ["Chapter ", "Appendix ", "Index", "  12"])
LINE = st.lists(PIECE, max_size=12).map("".join)


@settings(max_examples=300, deadline=None)
@given(st.lists(LINE, max_size=30))
def test_any_text_gives_one_error_or_a_tree_of_valid_distinct_numbers(lines):
    try:
        toc = parse_toc("\n".join(lines), "t.txt")
        numbered = number_entries(toc.entries, "t.txt", by_position=False)
    except UserError as exc:
        assert exc.message.startswith("t.txt: ")
        return
    numbers = [c.number for c in numbered.chapters]
    assert len(numbers) == len(set(numbers))
    for c in numbered.chapters:
        assert chapter_numbers.problem(c.number, set(numbers)) is None
        assert c.title.strip() and len(c.number) <= 50
        assert c.pages is None or c.pages >= 0


LABEL = st.sampled_from(["Intro", "Chapter 1: A", "Chapter 2", "1 One", "2 Two", "2.1 Sub", "5.2 Far", "A. App",
                         "Appendix B", "Part I", "Index", "Cover", "3", "Contents", "B.1 Bee"])
TREE = st.recursive(st.builds(lambda label: [Entry(label)], LABEL),
                    lambda kids: st.lists(st.tuples(LABEL, kids), max_size=5).map(
                        lambda items: [Entry(label, children) for label, children in items]),
                    max_leaves=40)


@settings(max_examples=300, deadline=None)
@given(TREE, st.booleans())
def test_any_tree_of_entries_gives_valid_distinct_numbers(entries, by_position):
    numbered = number_entries(entries, "b.epub", by_position=by_position)
    numbers = [c.number for c in numbered.chapters]
    assert len(numbers) == len(set(numbers))
    assert all(chapter_numbers.problem(n, set(numbers)) is None for n in numbers)
