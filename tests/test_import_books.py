"""`import` of an EPUB, a PDF and a table of contents (SPEC §5.5): one book with its
chapter tree; the toc rules for numbers; front and back matter left out and listed;
`--dry-run`, `--slug`/`--title`/`--author`; importing again; bad files."""

from __future__ import annotations

import json
import textwrap
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.book_files import epub, pdf
from tests.conftest import Runner

NAV = [
    ("Cover", "cover.xhtml", []),
    ("Preface", "preface.xhtml", []),
    ("Chapter 1: Foundations", "c1.xhtml", [
        ("Reliability", "c1.xhtml#r", []),
        ("Scalability", "c1.xhtml#s", [("Load", "c1.xhtml#s1", []), ("Performance", "c1.xhtml#s2", [])]),
    ]),
    ("Chapter 2: Data Models", "c2.xhtml", []),
    ("5.2 Speculative Decoding", "c3.xhtml", []),
    ("Appendix A: Tables", "a.xhtml", []),
    ("Index", "index.xhtml", []),
]


def tree(run: Runner, slug: str) -> list[tuple[str, str]]:
    return [(c["number"], c["title"]) for c in run.json("show", slug)["chapters"]]


def history_ids(run: Runner) -> list[int]:
    return [c["id"] for c in run.json("history")]


# --------------------------------------------------------------------------- EPUB


def test_an_epub3_becomes_a_book_from_its_navigation_document(run, tmp_path):
    path = epub(tmp_path / "ddia.epub", title="Designing Things", authors=("Ann Author", "Bob Writer"),
                nav=NAV[:4] + NAV[5:], isbn="9781449373320")
    out = run.ok("import", path).stdout
    assert "Loaded 1 book, 7 chapters" in out
    shown = run.json("show", "designing-things")
    assert shown["title"] == "Designing Things" and shown["authors"] == ["Ann Author", "Bob Writer"]
    assert tree(run, "designing-things") == [
        ("1", "Foundations"), ("1.1", "Reliability"), ("1.2", "Scalability"), ("1.2.1", "Load"),
        ("1.2.2", "Performance"), ("2", "Data Models"), ("A", "Tables")]
    assert "Cover (front or back matter: cover)" in out and "Index (front or back matter: index)" in out
    assert "Preface" in out  # no number, and its place (1) is chapter 1's: left out and listed
    book = next(b for b in json.loads(run.ok("backup").stdout)["library"]["books"] if b["slug"] == "designing-things")
    assert book["isbn"] == "9781449373320"
    assert run.json("history")[0]["command"] == "import"


def test_an_epub2_with_only_an_ncx_and_one_with_both_prefers_the_nav(run, tmp_path):
    ncx_only = epub(tmp_path / "old.epub", title="Old Book", ncx=[("Start", "a.xhtml", [("Part", "a.xhtml#p", [])]),
                                                                   ("End", "b.xhtml", [])], version="2.0")
    run.ok("import", ncx_only)
    assert tree(run, "old-book") == [("1", "Start"), ("1.1", "Part"), ("2", "End")]
    both = epub(tmp_path / "both.epub", title="Both", nav=[("From the nav", "a.xhtml", [])],
                ncx=[("From the NCX", "a.xhtml", [])])
    run.ok("import", both)
    assert tree(run, "both") == [("1", "From the nav")]


def test_nested_nav_lists_numbered_by_nesting_and_titles_keep_their_numbers(run, tmp_path):
    nav = [("Intro", "i.xhtml", [("Why", "i.xhtml#w", []), ("How", "i.xhtml#h", [("Step", "i.xhtml#s", [])])]),
           ("Chapter 5: Techniques", "c5.xhtml", [("5.2 Speculative Decoding", "c5.xhtml#2", []),
                                                   ("3 Kernels", "c5.xhtml#3", [])]),
           ("Afterword", "z.xhtml", [])]
    run.ok("import", epub(tmp_path / "n.epub", title="Nested", nav=nav))
    assert tree(run, "nested") == [
        ("1", "Intro"), ("1.1", "Why"), ("1.2", "How"), ("1.2.1", "Step"),
        ("5", "Techniques"), ("5.2", "Speculative Decoding"), ("5.3", "Kernels"), ("3", "Afterword")]
    depths = {c["number"]: c["depth"] for c in run.json("show", "nested")["chapters"]}
    assert depths["1.2.1"] == 2 and depths["5.3"] == 1


def test_front_and_back_matter_by_landmarks_and_guide(run, tmp_path):
    nav = [("A picture", "cover.xhtml", []), ("Legal", "legal.xhtml", []), ("One", "1.xhtml", [])]
    run.ok("import", epub(tmp_path / "l.epub", title="Marked", nav=nav,
                          landmarks=[("cover", "cover.xhtml"), ("copyright-page", "legal.xhtml")]))
    assert tree(run, "marked") == [("1", "One")]  # matter takes no place
    ncx = [("Dedicated", "ded.xhtml", []), ("One", "1.xhtml", [])]
    out = run.ok("import", "--dry-run", epub(tmp_path / "g.epub", title="Guided", ncx=ncx,
                                              guide=[("dedication", "ded.xhtml")], version="2.0")).stdout
    assert "Dedicated (front or back matter: dedication)" in out


def test_a_missing_nav_target_keeps_its_entry(run, tmp_path):
    nav = [("One", "1.xhtml", []), ("Two", "gone.xhtml", []), ("Three", "3.xhtml", [])]
    path = epub(tmp_path / "m.epub", title="Missing", nav=nav, missing=["gone.xhtml"])
    with zipfile.ZipFile(path) as zf:
        assert "OEBPS/gone.xhtml" not in zf.namelist()
    run.ok("import", path)
    assert tree(run, "missing") == [("1", "One"), ("2", "Two"), ("3", "Three")]


def test_xhtml_entities_and_a_part_heading(run, tmp_path):
    nav = [("Part I: Basics", None, [("Chapter 1: Caf&eacute;&nbsp;Latte", "1.xhtml", []),
                                     ("Chapter 2: Tea", "2.xhtml", [])]),
           ("Part II", None, [("Chapter 3: Water", "3.xhtml", [])])]
    path = epub(tmp_path / "p.epub", title="Drinks", nav=[])
    # The builder escapes labels; write this nav with XHTML's named entities by hand.
    from tests.book_files import _nav_ol

    nav_xml = _nav_ol(nav).replace("&amp;", "&")
    with zipfile.ZipFile(path, "a") as zf:
        zf.writestr("OEBPS/nav2.xhtml", '<html xmlns="http://www.w3.org/1999/xhtml" '
                    'xmlns:epub="http://www.idpf.org/2007/ops"><body>'
                    f'<nav epub:type="toc">{nav_xml}</nav></body></html>')
    _point_nav_to(path, "nav2.xhtml")
    out = run.ok("import", path).stdout
    assert tree(run, "drinks") == [("1", "Café\u00a0Latte".replace("\u00a0", " ")), ("2", "Tea"), ("3", "Water")]
    assert "Part I: Basics (a part heading; its chapters are kept)" in out


def _rewrite(path: Path, member: str, change: Callable[[bytes], bytes]) -> None:
    """One member of a ZIP file changed, the others kept."""
    with zipfile.ZipFile(path) as zf:
        files = {n: zf.read(n) for n in zf.namelist()}
    files[member] = change(files[member])
    with zipfile.ZipFile(path, "w") as zf:
        for n, data in files.items():
            zf.writestr(n, data)


def _point_nav_to(path: Path, href: str) -> None:
    _rewrite(path, "OEBPS/content.opf", lambda opf: opf.replace(b'href="nav.xhtml"', f'href="{href}"'.encode()))


def test_dry_run_prints_the_tree_and_what_is_left_out_and_changes_nothing(run, tmp_path, unchanged):
    path = epub(tmp_path / "d.epub", title="Dry", nav=NAV)
    with unchanged(run.db):
        out = run.ok("import", "--dry-run", path).stdout
    assert out.startswith("Would load 1 book, 7 chapters from 1 file.")
    lines = out.splitlines()
    assert "    1  Foundations" in lines and "      1.2  Scalability" in lines and "        1.2.1  Load" in lines
    assert "    A  Tables" in lines
    assert "    Cover (front or back matter: cover)" in lines
    assert "    Speculative Decoding (needs its parent chapter 5)" in lines


def test_a_section_without_its_parent_is_left_out_and_listed(run, tmp_path):
    out = run.ok("import", epub(tmp_path / "o.epub", title="Orphan",
                                nav=[("Chapter 1: A", "1.xhtml", []), ("5.2 B", "2.xhtml", [])])).stdout
    assert tree(run, "orphan") == [("1", "A")]
    assert "B (needs its parent chapter 5)" in out


def test_slug_title_and_author_override_the_file(run, tmp_path):
    path = epub(tmp_path / "x.epub", title="File Title", authors=("File Author",), nav=[("One", "1.xhtml", [])])
    run.ok("import", path, "--slug", "mine", "--title", "My Title", "--author", "Me", "--author", "You")
    shown = run.json("show", "mine")
    assert (shown["title"], shown["authors"]) == ("My Title", ["Me", "You"])
    assert "file-title" not in [b["slug"] for b in run.json("books")]


def test_importing_again_adds_and_retitles_never_removes_and_the_same_file_changes_nothing(run, tmp_path):
    first = epub(tmp_path / "v1.epub", title="Versions", nav=[("One", "1.xhtml", []), ("Two", "2.xhtml", []),
                                                              ("Three", "3.xhtml", [])])
    run.ok("import", first)
    run.ok("read", "versions", "2", "--done")
    ids = history_ids(run)
    again = run.ok("import", first).stdout
    assert history_ids(run) == ids and "nothing new" in again
    second = epub(tmp_path / "v2.epub", title="Versions",
                  nav=[("One", "1.xhtml", [("Half", "1.xhtml#h", [])]), ("Two, revised", "2.xhtml", [])])
    out = run.ok("import", second).stdout
    assert tree(run, "versions") == [("1", "One"), ("1.1", "Half"), ("2", "Two, revised"), ("3", "Three")]
    assert "3 Three" in out  # listed: the file no longer has it, the book keeps it
    assert [e["event"] for e in run.json("log")] == ["finish"]
    assert run.json("show", "versions")["chapters"][2]["status"] == "read"
    assert run.ok("db", "check").stdout.strip() == "ok"
    run.ok("undo")
    assert tree(run, "versions") == [("1", "One"), ("2", "Two"), ("3", "Three")]


def test_an_epub_into_a_book_of_the_same_slug_fills_its_chapters(run, tmp_path):
    run.ok("book", "add", "Hand Made", "--author", "Someone")
    run.ok("import", epub(tmp_path / "h.epub", title="Hand Made: the Ebook", authors=("Other",),
                          nav=[("One", "1.xhtml", [])]), "--slug", "hand-made")
    shown = run.json("show", "hand-made")
    assert (shown["title"], shown["authors"], tree(run, "hand-made")) == ("Hand Made", ["Someone"], [("1", "One")])


# --------------------------------------------------------------------------- PDF


def test_a_pdf_outline_becomes_chapters_with_their_lengths(run, tmp_path):
    outline = [("Chapter 1: Basics", 0, [("Setup", 2, []), ("Tools", 5, [])]),
               ("Chapter 2: More", 10, [("2.1 Deep", 12, [])]),
               ("Conclusion", 30, [])]
    path = pdf(tmp_path / "paper.pdf", outline, pages=40, title="A Paper", author="Ann Author; Bob Writer")
    run.ok("import", path)
    shown = run.json("show", "a-paper")
    assert shown["authors"] == ["Ann Author", "Bob Writer"]
    assert [(c["number"], c["title"], c["pages"]) for c in shown["chapters"]] == [
        ("1", "Basics", 10), ("1.1", "Setup", 3), ("1.2", "Tools", 5), ("2", "More", 20), ("2.1", "Deep", 18),
        ("3", "Conclusion", 10)]


def test_a_pdf_without_title_is_named_by_its_file(run, tmp_path):
    run.ok("import", pdf(tmp_path / "my_notes.pdf", [("Only", 0, [])], pages=3))
    assert tree(run, "my-notes") == [("1", "Only")]


@pytest.mark.parametrize("kind, words", [
    ("no-outline", ("no outline", "table of contents")),
    ("encrypted", ("encrypted",)),
    ("broken", ("not a PDF",)),
    ("truncated", ("not a PDF",)),
])
def test_bad_pdfs_are_refused_naming_the_file(run, tmp_path, unchanged, kind, words):
    path = tmp_path / f"{kind}.pdf"
    if kind == "no-outline":
        pdf(path, [], pages=2)
    elif kind == "encrypted":
        pdf(path, [("A", 0, [])], pages=2, password="secret")
    elif kind == "broken":
        path.write_bytes(b"%PDF-1.4\n this is not a PDF at all")
    else:
        good = pdf(tmp_path / "good.pdf", [("A", 0, [])], pages=2).read_bytes()
        path.write_bytes(good[: len(good) // 2])
    with unchanged(run.db):
        line = run.error("import", path)
    assert str(path) in line and all(w in line for w in words), line


# --------------------------------------------------------------------------- table of contents


def test_a_pasted_table_of_contents(run, tmp_path):
    path = tmp_path / "toc.txt"
    path.write_text(textwrap.dedent("""\
        # Systems Performance

        Preface ............ xi
        Chapter 1: Introduction ..... 1
          1.1 Terminology    3
          Models\t9
        Chapter 2 — Methodologies ..... 21
            2.1 Terminology . . . . . 22
        Appendix A: Tunables ..... 90
        Index  100
        """), encoding="utf-8")
    out = run.ok("import", path, "--author", "Brendan Gregg").stdout
    shown = run.json("show", "systems-performance")
    assert (shown["title"], shown["authors"]) == ("Systems Performance", ["Brendan Gregg"])
    assert [(c["number"], c["title"], c["pages"]) for c in shown["chapters"]] == [
        ("1", "Introduction", 20), ("1.1", "Terminology", 6), ("1.2", "Models", 12),
        ("2", "Methodologies", 69), ("2.1", "Terminology", 68), ("A", "Tunables", 10)]
    assert "Preface (no number; the other lines have numbers)" in out and "Index (front or back matter" in out


def test_a_markdown_list_is_numbered_by_nesting(run, tmp_path):
    path = tmp_path / "toc.md"
    path.write_text("- Basics\n  - Types\n  * Values\n- Advanced\n  1. Macros\n  2) Traits\n+ Last\n",
                    encoding="utf-8")
    run.ok("import", path, "--title", "Rust Notes")
    assert tree(run, "rust-notes") == [("1", "Basics"), ("1.1", "Types"), ("1.2", "Values"), ("2", "Advanced"),
                                       ("2.1", "Macros"), ("2.2", "Traits"), ("3", "Last")]


def test_markdown_links_and_emphasis_leave_their_words(run, tmp_path):
    """A list copied from a rendered page keeps its links and emphasis as Markdown: the
    titles keep only the words."""
    path = tmp_path / "toc.md"
    path.write_text("# *Deep Learning*\n- [Numerical Computation](https://www.deeplearningbook.org/contents/numerical.html)\n"
                    "- **Machine Learning Basics**\n  - `snake_case` names ..... 212\n",
                    encoding="utf-8")
    run.ok("import", path)
    assert tree(run, "deep-learning") == [("1", "Numerical Computation"), ("2", "Machine Learning Basics"),
                                          ("2.1", "snake_case names")]


def test_format_option_reads_any_extension(run, tmp_path):
    path = tmp_path / "contents.list"
    path.write_text("One\nTwo\n", encoding="utf-8")
    assert "cannot tell its format" in run.error("import", path)
    run.ok("import", path, "--format", "toc", "--title", "Listed")
    assert tree(run, "listed") == [("1", "One"), ("2", "Two")]


# --------------------------------------------------------------------------- bad inputs


TEXT_FILES = {"not-a-zip": ("text.epub", "plain text"), "empty-toc": ("empty.txt", "\n   \n\n")}


def _bad(tmp_path: Path, kind: str) -> Path:
    if kind in TEXT_FILES:
        name, text = TEXT_FILES[kind]
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        return path
    if kind == "zip-not-epub":
        path = tmp_path / "notes.epub"
        with zipfile.ZipFile(path, "w") as zf:
            zf.writestr("notes.txt", "just a zip")
        return path
    if kind == "epub-without-toc":
        return epub(tmp_path / "bare.epub", title="Bare")
    if kind == "epub-bad-xml":
        path = epub(tmp_path / "badxml.epub", title="Bad", nav=[("One", "1.xhtml", [])])
        _rewrite(path, "OEBPS/nav.xhtml", lambda _: b"<html><body><nav")
        return path
    if kind == "missing":
        return tmp_path / "nowhere.epub"
    if kind == "folder":
        path = tmp_path / "folder.epub"
        path.mkdir()
        return path
    raise AssertionError(kind)


@pytest.mark.parametrize("kind, words", [
    ("zip-not-epub", ("not an EPUB", "container.xml")),
    ("not-a-zip", ("not an EPUB",)),
    ("epub-without-toc", ("no table of contents",)),
    ("epub-bad-xml", ("nav.xhtml", "XML")),
    ("empty-toc", ("empty",)),
    ("missing", ("no such file",)),
    ("folder", ("folder",)),
])
def test_bad_files_are_one_error_naming_the_file_and_nothing_is_loaded(run, tmp_path, unchanged, kind, words):
    path = _bad(tmp_path, kind)
    good = tmp_path / "good.txt"
    good.write_text("One\nTwo\n", encoding="utf-8")
    with unchanged(run.db):
        line = run.error("import", good, path)  # the good file is not loaded either
    assert str(path) in line and all(w in line for w in words), line


def test_overrides_name_one_book(run, tmp_path, unchanged):
    a, b = tmp_path / "a.txt", tmp_path / "b.txt"
    a.write_text("One\n", encoding="utf-8")
    b.write_text("Two\n", encoding="utf-8")
    with unchanged(run.db):
        assert "one book" in run.error("import", a, b, "--slug", "x")
        assert "slug" in run.error("import", a, "--slug", "Not A Slug")


def test_an_epub_nested_too_deep_is_refused(run, tmp_path, unchanged):
    nav: list = [("Deepest", "1.xhtml", [])]
    for level in range(80):
        nav = [(f"Level {level}", "1.xhtml", nav)]
    path = epub(tmp_path / "deep.epub", title="Deep", nav=nav)
    with unchanged(run.db):
        line = run.error("import", path)
    assert str(path) in line and "deeper than 64" in line


@pytest.mark.parametrize("suffix", [".epub", ".pdf", ".txt", ".csv"])
def test_any_bytes_in_any_format_load_or_give_one_error_line(run, tmp_path, suffix):
    """Odd files never end in a traceback: random bytes, and good files cut short."""
    import random

    rng = random.Random(suffix)
    good = {".epub": lambda p: epub(p, nav=NAV), ".pdf": lambda p: pdf(p, [("One", 0, [])], pages=2),
            ".txt": lambda p: p.write_text("Chapter 1: One\n  Two  5\n", encoding="utf-8") and p,
            ".csv": lambda p: p.write_text("Title,Authors,Read Status\nA,B,read\n", encoding="utf-8") and p}
    sample = tmp_path / f"good{suffix}"
    good[suffix](sample)
    whole = sample.read_bytes()
    cases = [whole[:cut] for cut in sorted(rng.sample(range(len(whole)), min(12, len(whole))))]
    cases += [bytes(rng.randrange(256) for _ in range(rng.randrange(1, 300))) for _ in range(8)]
    for i, data in enumerate(cases):
        path = tmp_path / f"case{i}{suffix}"
        path.write_bytes(data)
        result = run("import", path)
        assert "Traceback" not in result.output and result.exit_code in (0, 2), (data[:60], result.output)
        if result.exit_code:
            lines = [line for line in result.stderr.splitlines() if line.strip()]
            assert len(lines) == 1 and lines[0].startswith(f"Error: {path}"), (data[:60], result.stderr)


# --------------------------------------------------------------------------- which book a file names


def test_another_authors_book_of_the_same_title_becomes_a_book_of_its_own(run, tmp_path):
    """A title's slug names a book only when the file is that book: another author's
    "Deep Learning" is added as deep-learning-2, and importing it again updates that one."""
    goodfellow, chollet = tmp_path / "goodfellow.txt", tmp_path / "chollet.txt"
    goodfellow.write_text("1. Introduction\n   - Who Should Read\n2. Linear Algebra\n", encoding="utf-8")
    chollet.write_text("1. What is deep learning?\n2. The mathematical building blocks\n", encoding="utf-8")
    run.ok("import", goodfellow, "--title", "Deep Learning", "--author", "Ian Goodfellow")
    out = run.ok("import", chollet, "--title", "Deep Learning", "--author", "François Chollet").stdout
    assert "deep-learning-2" in out and "a new book" in out
    assert tree(run, "deep-learning") == [("1", "Introduction"), ("1.1", "Who Should Read"), ("2", "Linear Algebra")]
    assert run.json("show", "deep-learning")["authors"] == ["Ian Goodfellow"]
    assert tree(run, "deep-learning-2") == [("1", "What is deep learning?"), ("2", "The mathematical building blocks")]
    changes = history_ids(run)
    run.ok("import", chollet, "--title", "Deep Learning", "--author", "François Chollet")
    run.ok("import", goodfellow, "--title", "Deep Learning")  # no author given: the title alone, this slug
    assert history_ids(run) == changes  # both named the books they made: nothing changed


def test_a_book_file_after_a_shelf_export_fills_the_same_book(run, tmp_path):
    """Goodreads first, then the book's EPUB: one book, matched by ISBN (or, without one,
    by title and first author), which gets the chapters and keeps its rating."""
    from tests.test_goodreads import GOODREADS, write

    run.ok("import", write(tmp_path, "goodreads_library_export.csv", GOODREADS))
    count = len(run.json("books"))
    slug = next(b["slug"] for b in run.json("books") if b["title"] == "Designing Data-Intensive Applications")
    book = epub(tmp_path / "ddia.epub", title="Designing Data-Intensive Applications: The Big Ideas",
                authors=["Martin Kleppmann"], isbn="978-1-4493-7332-0", nav=NAV)
    out = run.ok("import", book).stdout
    assert f"→ {slug}:" in out
    assert len(run.json("books")) == count
    shown = run.json("show", slug)
    assert shown["rating"] == 5 and [c["number"] for c in shown["chapters"]][:2] == ["1", "1.1"]
    dragons = epub(tmp_path / "dragons.epub", title="A Natural History of Dragons (The Memoirs of Lady Trent, #1)",
                   authors=["Marie Brennan"], nav=NAV)
    run.ok("import", dragons)
    assert len(run.json("books")) == count


def test_an_empty_author_is_refused(run, tmp_path, unchanged):
    path = tmp_path / "toc.txt"
    path.write_text("One\nTwo\n", encoding="utf-8")
    with unchanged(run.db):
        result = run("import", path, "--author", " ")
    assert result.exit_code == 2 and result.stderr.startswith("Error: --author needs a name")
