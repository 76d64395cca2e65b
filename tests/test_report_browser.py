"""The report in a real browser (SPEC §5.4): headless Chromium opens the file, draws
every chart (a screenshot with the charts' own colours where the DOM puts them), and
requests nothing but the file itself. A variant with an external image and style sheet
proves that the watch sees both a request and a refused one.

Without Chromium the test skips, unless TRACKER_TEST_BROWSER=required (CI sets it, and
installs Debian's chromium): then it fails, so that it never passes silently there.
"""

from __future__ import annotations

import os

import pytest

from tests.browser import Visit, colours, find_chromium, open_page, read_png
from tests.data_scenario import IE, populate
from tests.test_report import CHARTS, Page

pytestmark = pytest.mark.sqlite_only  # the page is under test here, not the database

# Colours the page's CSS gives each chart's marks: drawn, they prove the style applied.
MARKS = {
    "heatmap": ["#9be9a8", "#40c463", "#30a14e", "#216e39"],
    "weeks": ["#2da44e", "#8250df"],
    "retention": ["#0969da"],
    "ahead": ["#0969da", "#cf222e"],
    "books": ["#1a7f37", "#8c959f"],
    "favourites": ["#bf8700"],
}


@pytest.fixture(scope="module")
def chromium() -> str:
    exe = find_chromium()
    if exe is None:
        if os.environ.get("TRACKER_TEST_BROWSER") == "required":
            pytest.fail("TRACKER_TEST_BROWSER=required but no Chromium is installed (apt-get install chromium)")
        pytest.skip("no Chromium here (Debian: apt-get install chromium)")
    return exe


@pytest.fixture
def report(run, tmp_path):
    populate(run)
    run.ok("read", IE, "3", "--minutes", "40", "--on", "10 days ago")  # a book being read, more history
    run.ok("read", IE, "4", "--done", "--minutes", "35", "--on", "40 days ago")
    run.ok("book", "add", "Short", "--slug", "short")  # a book read through
    run.ok("chapter", "add", "short", "1", "All of it")
    run.ok("read", "short", "1", "--done", "--minutes", "25", "--on", "20 days ago")
    run.ok("config", "max_revisits_per_day", "1")  # so that a day goes over the cap
    out = tmp_path / "report.html"
    run.ok("report", "-o", out)
    return out


def problems(visit: Visit) -> list[str]:
    """Anything the page asked the network for besides itself, and any message the
    browser gave (a Content-Security-Policy refusal, an error)."""
    return [f"request {url}" for url in visit.requests if url != visit.url] + visit.messages


def rgb(colour: str) -> tuple[int, int, int]:
    return int(colour[1:3], 16), int(colour[3:5], 16), int(colour[5:7], 16)


def drawn(seen: dict[tuple[int, ...], int], colour: tuple[int, int, int]) -> int:
    """Pixels of about that colour (each channel within 3)."""
    return sum(n for c, n in seen.items() if all(abs(a - b) <= 3 for a, b in zip(c, colour)))


def test_the_report_renders_in_chromium_and_requests_nothing_else(chromium, report, tmp_path):
    visit = open_page(chromium, report, tmp_path / "profile")
    assert visit.requests == [visit.url]
    assert problems(visit) == []

    dom = Page(visit.dom)  # as the browser built it
    assert set(dom.figures) == set(CHARTS)
    for key in CHARTS:
        figure = dom.figures[key]
        assert figure["titles"] and figure["svg"][0]["aria-label"], key  # type: ignore[index]
        assert all(len(table) > 1 for table in figure["tables"]), key  # type: ignore[union-attr]

    png = read_png(visit.png)
    assert png[0] == 1200 and png[1] > 2000
    assert set(visit.boxes) == {f"{key}-chart" for key in CHARTS}
    for key, wanted in MARKS.items():
        box = visit.boxes[f"{key}-chart"]
        assert box["width"] > 500 and box["height"] > 40, (key, box)
        seen = colours(png, box)
        inked = sum(n for c, n in seen.items() if c != (255, 255, 255))
        assert len(seen) >= 8 and inked > 0.02 * box["width"] * box["height"], (key, len(seen), inked)
        for colour in wanted:  # (give or take the rounding of colour management)
            assert drawn(seen, rgb(colour)) >= 4, f"{key}: no {colour} drawn"


EXTERNAL = '<img src="http://127.0.0.1:9/x.png" alt=""><link rel="stylesheet" href="http://127.0.0.1:9/x.css">'


def test_the_watch_sees_what_an_external_resource_would_do(chromium, report, tmp_path):
    page = report.read_text(encoding="utf-8")
    assert "http://127.0.0.1:9" not in page
    refused = tmp_path / "refused.html"  # the page's own policy refuses the loads: said so
    refused.write_text(page.replace("</main>", EXTERNAL + "</main>"), encoding="utf-8")
    found = problems(open_page(chromium, refused, tmp_path / "one"))
    assert any("Content Security Policy" in p and "127.0.0.1:9/x.png" in p for p in found), found
    assert any("Content Security Policy" in p and "127.0.0.1:9/x.css" in p for p in found), found

    start = page.index('<meta http-equiv="Content-Security-Policy"')
    open_ = tmp_path / "open.html"  # without the policy: the browser asks for both
    open_.write_text((page[:start] + page[page.index(">", start) + 1:]).replace("</main>", EXTERNAL + "</main>"),
                     encoding="utf-8")
    found = problems(open_page(chromium, open_, tmp_path / "two"))
    assert "request http://127.0.0.1:9/x.png" in found and "request http://127.0.0.1:9/x.css" in found, found
