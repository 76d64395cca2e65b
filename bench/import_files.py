"""The files of the import budgets (SPEC §7, issue 12), built by code (nothing committed):

    python bench/import_files.py DIR [--backup bench/ten-year.json]

- `book.epub`: an EPUB 3 whose navigation document has 1,000 entries: 100 chapters
  (`Chapter N: …`, a few unnumbered), each with 9 sections, some of them nested one
  level deeper, plus a cover and an index (front and back matter), and an NCX too.
- `goodreads_library_export.csv`: 5,000 rows in Goodreads' export layout (ISBNs as
  `="…"`, reviews over several lines, every shelf); with `--backup`, one row in
  twenty names a book of that library (same title and first author), so that the
  import also matches and updates books.

Deterministic for a seed. Standard library only.
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import zipfile
from pathlib import Path
from xml.sax.saxutils import escape

WORDS = ("attention cache kernel tensor batch scheduler memory bandwidth latency throughput quantization "
         "sparsity pipeline parallelism gradient optimizer embedding retrieval compiler graph fusion decoding "
         "sampling tokenizer transformer routing cluster network storage index query planner replication").split()
HEADER = ("Book Id,Title,Author,Author l-f,Additional Authors,ISBN,ISBN13,My Rating,Average Rating,Publisher,"
          "Binding,Number of Pages,Year Published,Original Publication Year,Date Read,Date Added,Bookshelves,"
          "Bookshelves with positions,Exclusive Shelf,My Review,Spoiler,Private Notes,Read Count,Owned Copies")
SHELVES = (("read", 0.55), ("to-read", 0.25), ("currently-reading", 0.1), ("did-not-finish", 0.05),
           ("favorites", 0.05))


def words(rng: random.Random, n: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(n)).capitalize()


def write_epub(path: Path, *, chapters: int = 100, sections: int = 9, seed: int = 12) -> int:
    """An EPUB 3 with `chapters × (1 + sections)` navigation entries; returns how many."""
    rng = random.Random(seed)
    items, points, count = [], [], 0
    for c in range(1, chapters + 1):
        label = f"Chapter {c}: {words(rng, 3)}" if c % 10 else words(rng, 2)  # one in ten unnumbered
        subs = []
        for s in range(1, sections + 1):
            sub_label = f"{c}.{s} {words(rng, 4)}" if s % 3 else words(rng, 3)
            subs.append(f'<li><a href="c{c}.xhtml#s{s}">{escape(sub_label)}</a></li>')
            points.append((sub_label, f"c{c}.xhtml#s{s}"))
        count += 1 + sections
        items.append(f'<li><a href="c{c}.xhtml">{escape(label)}</a><ol>{"".join(subs)}</ol></li>')
    nav = ('<?xml version="1.0" encoding="utf-8"?><html xmlns="http://www.w3.org/1999/xhtml" '
           'xmlns:epub="http://www.idpf.org/2007/ops"><head><title>Contents</title></head><body>'
           '<nav epub:type="toc"><ol><li><a href="cover.xhtml">Cover</a></li>' + "".join(items)
           + '<li><a href="index.xhtml">Index</a></li></ol></nav><nav epub:type="landmarks"><ol>'
           '<li><a epub:type="cover" href="cover.xhtml">Cover</a></li></ol></nav></body></html>')
    docs = ["cover.xhtml", "index.xhtml"] + [f"c{c}.xhtml" for c in range(1, chapters + 1)]
    manifest = "".join(f'<item id="d{i}" href="{d}" media-type="application/xhtml+xml"/>' for i, d in enumerate(docs))
    opf = ('<?xml version="1.0"?><package xmlns="http://www.idpf.org/2007/opf" version="3.0" '
           'unique-identifier="id"><metadata xmlns:dc="http://purl.org/dc/elements/1.1/">'
           '<dc:title>A Thousand Entries</dc:title><dc:creator>Bench Author</dc:creator>'
           '<dc:identifier id="id">urn:isbn:9781449373320</dc:identifier></metadata><manifest>' + manifest
           + '<item id="nav" href="nav.xhtml" media-type="application/xhtml+xml" properties="nav"/>'
           '<item id="ncx" href="toc.ncx" media-type="application/x-dtbncx+xml"/></manifest><spine toc="ncx">'
           + "".join(f'<itemref idref="d{i}"/>' for i in range(len(docs))) + "</spine></package>")
    ncx = ('<?xml version="1.0"?><ncx xmlns="http://www.daisy.org/z3986/2005/ncx/" version="2005-1"><navMap>'
           + "".join(f'<navPoint id="p{i}"><navLabel><text>{escape(label)}</text></navLabel>'
                     f'<content src="{href}"/></navPoint>' for i, (label, href) in enumerate(points))
           + "</navMap></ncx>")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("mimetype", "application/epub+zip", compress_type=zipfile.ZIP_STORED)
        zf.writestr("META-INF/container.xml", '<?xml version="1.0"?><container version="1.0" '
                    'xmlns="urn:oasis:names:tc:opendocument:xmlns:container"><rootfiles>'
                    '<rootfile full-path="OEBPS/content.opf" media-type="application/oebps-package+xml"/>'
                    "</rootfiles></container>")
        zf.writestr("OEBPS/content.opf", opf)
        zf.writestr("OEBPS/nav.xhtml", nav)
        zf.writestr("OEBPS/toc.ncx", ncx)
        for d in docs:
            zf.writestr(f"OEBPS/{d}", f'<html xmlns="http://www.w3.org/1999/xhtml"><body><p>{d}</p></body></html>')
    return count


def isbn13(rng: random.Random) -> str:
    body = "978" + "".join(str(rng.randrange(10)) for _ in range(9))
    total = sum(int(d) * (1 if i % 2 == 0 else 3) for i, d in enumerate(body))
    return body + str((10 - total % 10) % 10)


def write_goodreads(path: Path, *, rows: int = 5000, existing: list[tuple[str, str]] = (), seed: int = 12) -> int:
    """A Goodreads export of `rows` books; one row in twenty names one of `existing`."""
    rng = random.Random(seed)
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\r\n")
        writer.writerow(HEADER.split(","))
        for i in range(rows):
            if existing and i % 20 == 0:
                title, author = existing[(i // 20) % len(existing)]
            else:
                title, author = f"{words(rng, 4)} ({words(rng, 1)}, #{i % 7 + 1})", f"{words(rng, 1)} {words(rng, 1)}"
            x, shelf = rng.random(), "to-read"
            for name, p in SHELVES:
                x -= p
                if x < 0:
                    shelf = name
                    break
            code = isbn13(rng) if rng.random() < 0.8 else ""
            added = f"{rng.randrange(2012, 2026)}/{rng.randrange(1, 13):02d}/{rng.randrange(1, 29):02d}"
            read = f"{added[:4]}/12/{rng.randrange(1, 29):02d}" if shelf == "read" and rng.random() < 0.8 else ""
            review = f"{words(rng, 12)},\n{words(rng, 8)}.<br/>{words(rng, 5)}" if rng.random() < 0.2 else ""
            last, _, first = author.rpartition(" ")
            writer.writerow([
                1000 + i, title, author, f"{first}, {last}", "", '=""', f'="{code}"', rng.choice((0, 0, 1, 2, 3, 4, 5)), "3.9", "Bench Press", "Paperback",
                rng.randrange(90, 900), 2000 + i % 26, 2000 + i % 26, read, added,
                shelf if shelf not in ("read",) else "", "", shelf, review, "", "", int(shelf == "read"), 0,
            ])
    return rows


def library_books(backup: Path) -> list[tuple[str, str]]:
    data = json.loads(backup.read_text(encoding="utf-8"))
    return [(b["title"], (b.get("authors") or [""])[0]) for b in data["library"]["books"]]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--backup", type=Path, help="the ten-year backup: some rows name its books")
    args = parser.parse_args()
    args.folder.mkdir(parents=True, exist_ok=True)
    entries = write_epub(args.folder / "book.epub")
    existing = library_books(args.backup) if args.backup else []
    rows = write_goodreads(args.folder / "goodreads_library_export.csv", existing=existing)
    print(f"{args.folder}: book.epub ({entries} navigation entries), goodreads_library_export.csv ({rows} rows)")


if __name__ == "__main__":
    main()
