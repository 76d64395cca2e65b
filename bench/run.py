"""Measure every budget of SPEC §7 against its floor, side by side in one run.

    python bench/run.py bench/ten-year.json [--reps 9] [--no-fail] [--keep DIR]

Restores the backup (bench/generate.py writes it) into a fresh SQLite database with
the `tracker` installed next to this Python (`sys.executable`), then times each
command and its floor in interleaved repetitions and compares medians. Every child
runs with TRACKER_NOW fixed, so `today` has revisits due, and without PYTHONPATH, so
that what is measured is the installed package. Prints a table and exits 1 when a
budget fails (0 with --no-fail). Needs the `sqlite3` command-line shell.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

NOW = "2026-11-27T08:00:00+01:00"
HEAVY = ("sqlalchemy", "alembic", "fsrs")
LOG_QUERY = (
    "SELECT e.id, e.at, b.slug, b.title, c.number, c.title, r.slug, e.kind, e.minutes, e.percent, "
    "e.pages, e.rating, e.until, e.note FROM events e "
    "LEFT JOIN books b ON b.id = e.book_id LEFT JOIN chapters c ON c.id = e.chapter_id "
    "LEFT JOIN resources r ON r.id = e.resource_id ORDER BY e.at, e.id"
)


@dataclass
class Run:
    seconds: float
    max_rss_kb: int


@dataclass
class Probe:
    """One command line, timed over the repetitions."""

    name: str
    argv: list[str]
    db: Path | None = None
    runs: list[Run] = field(default_factory=list)

    @property
    def median(self) -> float:
        return statistics.median(r.seconds for r in self.runs)

    @property
    def peak_mb(self) -> float:
        return max(r.max_rss_kb for r in self.runs) / 1024


def child_env(db: Path | None, extra: dict[str, str] | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TRACKER_", "PYTHON"))}
    env["TRACKER_NOW"] = NOW
    if db is not None:
        env["TRACKER_DB"] = str(db)
    env.update(extra or {})
    return env


def run(argv: list[str], db: Path | None, *, extra_env: dict[str, str] | None = None,
        stderr_to: Path | None = None) -> tuple[Run, int, str]:
    """Run one child to completion: wall time, its own peak RSS, exit code, stderr."""
    with tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=err,
                                env=child_env(db, extra_env))
        _pid, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        err.seek(0)
        text = err.read().decode("utf-8", "replace")
    return Run(seconds, usage.ru_maxrss), proc.returncode, text


def checked(probe: Probe) -> Run:
    result, code, err = run(probe.argv, probe.db)
    if code != 0:
        sys.exit(f"bench: {probe.name} failed (exit {code}): {' '.join(probe.argv)}\n{err}")
    return result


def find_tracker() -> str:
    beside = Path(sys.executable).with_name("tracker")
    if beside.exists():
        return str(beside)
    sys.exit(f"bench: no `tracker` next to {sys.executable}; install it there "
             f"({sys.executable} -m pip install .) or run this with the Python of its environment")


def heavy_imports(tracker: str, args: list[str]) -> tuple[list[str], int]:
    """Which of SQLAlchemy, Alembic, fsrs `tracker ARGS` imports (PYTHONPROFILEIMPORTTIME)."""
    _run, code, err = run([tracker, *args], None, extra_env={"PYTHONPROFILEIMPORTTIME": "1"})
    if code != 0:
        sys.exit(f"bench: tracker {' '.join(args)} failed (exit {code})\n{err}")
    found = set()
    modules = 0
    for line in err.splitlines():
        if not line.startswith("import time:") or "|" not in line:
            continue
        name = line.rsplit("|", 1)[1].strip()
        if name == "package":
            continue
        modules += 1
        top = name.split(".")[0]
        if top in HEAVY:
            found.add(top)
    return sorted(found), modules


# --- issue 16: export, backup and restore at the speed of the database (SPEC §7) ----------
# The floor of each is `sqlite3 -csv` running the same work (LOG_QUERY: the log joined to
# its books, chapters and resources, in log order); restore is timed whole, start to exit.
EXPORT_BUDGETS = (("csv", 3), ("json", 4), ("jsonl", 4))  # × sqlite3 -csv
BACKUP_BUDGET = 5  # × sqlite3 -csv
RESTORE_BUDGET = 40_000  # events a second, at least
EXPORT_RSS_MB = 100  # peak RSS of each export, at most


def issue_16_probes(tracker: str, ten: Path) -> list[Probe]:
    return [*(Probe(f"export {fmt}", [tracker, "export", "--format", fmt], ten) for fmt, _ in EXPORT_BUDGETS),
            Probe("backup", [tracker, "backup"], ten)]


def issue_16_rows(by: dict[str, Probe], restore: Probe, events: int, ratio: Callable[..., None],
                  rows: list[tuple[str, str, str, str, str, bool]]) -> None:
    for fmt, budget in EXPORT_BUDGETS:
        ratio(f"`tracker export --format {fmt}` ({events} events)", f"export {fmt}", "sqlite3", budget,
              "sqlite3 -csv")
        peak = by[f"export {fmt}"].peak_mb
        rows.append((f"`tracker export --format {fmt}` peak RSS", f"{peak:.0f} MB", "–", "–",
                     f"≤ {EXPORT_RSS_MB} MB", peak <= EXPORT_RSS_MB))
    ratio(f"`tracker backup` ({events} events)", "backup", "sqlite3", BACKUP_BUDGET, "sqlite3 -csv")
    rate = events / restore.median
    rows.append((f"`tracker restore` ({events} events)", f"{rate:,.0f} events/s",
                 f"{restore.median:.1f} s (median of {len(restore.runs)})", "–", f"≥ {RESTORE_BUDGET:,} events/s",
                 rate >= RESTORE_BUDGET))


# --- end of issue 16 ---------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Measure tracker's budgets (SPEC §7).")
    parser.add_argument("backup", type=Path, help="the ten-year backup (python bench/generate.py FILE)")
    parser.add_argument("--reps", type=int, default=9, help="timed repetitions of each command (default 9)")
    parser.add_argument("--restores", type=int, default=3,
                        help="restores into fresh libraries, the median counts (default 3)")
    parser.add_argument("--no-fail", action="store_true", help="only report: exit 0 even if a budget fails")
    parser.add_argument("--keep", type=Path, metavar="DIR", help="put the databases in DIR and keep them")
    parser.add_argument("--skip-load", action="store_true",
                        help="leave out the simulated reader (bench/load.py: a few minutes)")
    args = parser.parse_args(argv)
    if not args.backup.is_file():
        sys.exit(f"bench: {args.backup} does not exist; write it first: python bench/generate.py {args.backup}")
    sqlite_cli = shutil.which("sqlite3")
    if sqlite_cli is None:
        sys.exit("bench: needs the sqlite3 command-line shell (Debian/Ubuntu: apt-get install sqlite3)")
    tracker = find_tracker()
    work = Path(tempfile.mkdtemp(prefix="tracker-bench-")) if args.keep is None else args.keep
    work.mkdir(parents=True, exist_ok=True)
    ten, empty = work / "ten-year.db", work / "empty.db"
    for db in (ten, empty):
        for suffix in ("", "-wal", "-shm"):
            Path(f"{db}{suffix}").unlink(missing_ok=True)
    started = time.perf_counter()
    try:
        return measure(args, tracker, sqlite_cli, ten, empty, started)
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)


def measure(args: argparse.Namespace, tracker: str, sqlite_cli: str, ten: Path, empty: Path,
            started: float) -> int:
    say = lambda text: print(text, file=sys.stderr, flush=True)  # noqa: E731
    version = subprocess.run([tracker, "--version"], capture_output=True, text=True, env=child_env(None)).stdout.strip()
    say(f"{version}: {tracker}")

    # Restore into fresh, empty libraries: the whole command, from start to exit.
    checked(Probe("init --empty", [tracker, "init", "--empty"], empty))
    restore = Probe("restore", [tracker, "restore", str(args.backup.resolve())], ten)
    for k in range(max(1, args.restores)):
        for suffix in ("", "-wal", "-shm"):
            Path(f"{ten}{suffix}").unlink(missing_ok=True)
        checked(Probe("init --empty", [tracker, "init", "--empty"], ten))
        say(f"restoring {args.backup} ({k + 1}/{max(1, args.restores)}) …")
        restore.runs.append(checked(restore))
    with sqlite3.connect(ten) as con:
        events = con.execute("SELECT count(*) FROM events").fetchone()[0]
        show_book = con.execute(
            "SELECT b.slug FROM books b JOIN events e ON e.book_id = b.id "
            "GROUP BY b.id ORDER BY count(*) DESC, b.slug LIMIT 1").fetchone()[0]
        favourites = con.execute("SELECT count(*) FROM chapters WHERE favourite").fetchone()[0]
        books = con.execute("SELECT count(*) FROM books").fetchone()[0]
    say(f"restored {events} events ({books} books, {favourites} favourites) in "
        f"{', '.join(f'{r.seconds:.1f}' for r in restore.runs)} s")
    plan = subprocess.run([tracker, "today", "--json"], capture_output=True, text=True, env=child_env(ten))
    if plan.returncode == 0:
        import json

        value = json.loads(plan.stdout)
        say(f"today ({value['date']}): {len(value['revisit']) + value['more_due']} revisits due, "
            f"{len(value['continue'])} books to continue, {len(value['suggestions'])} suggestions")

    floor = Probe("floor", [sys.executable, "-c", "import sqlalchemy.orm, click"])
    probes = [
        floor,
        Probe("today", [tracker, "today"], ten),
        Probe("today (empty)", [tracker, "today"], empty),
        Probe("agenda", [tracker, "agenda", "--days", "365"], ten),
        Probe("next", [tracker, "next"], ten),
        Probe("books", [tracker, "books"], ten),
        Probe("show", [tracker, "show", show_book], ten),
        *issue_16_probes(tracker, ten),
        Probe("sqlite3", [sqlite_cli, "-csv", "-header", str(ten), LOG_QUERY]),
    ]
    probes += issue_15_probes(tracker, ten)
    probes += issue_13_probes(tracker, ten)  # issue 13: the shell-prompt line
    for probe in probes:  # one untimed run each: caches warm, every command checked
        checked(probe)
    say(f"timing {len(probes)} commands × {args.reps}, interleaved …")
    for rep in range(args.reps):
        order = probes[rep % len(probes):] + probes[:rep % len(probes)]
        for probe in order:
            probe.runs.append(checked(probe))
    by = {p.name: p for p in probes}

    help_heavy, help_modules = heavy_imports(tracker, ["--help"])
    version_heavy, version_modules = heavy_imports(tracker, ["--version"])

    rows: list[tuple[str, str, str, str, str, bool]] = []

    def ratio(what: str, name: str, base: str, budget: float, base_label: str) -> None:
        m, f = by[name].median, by[base].median
        rows.append((what, f"{m * 1000:.0f} ms", f"{f * 1000:.0f} ms ({base_label})", f"{m / f:.2f}×",
                     f"≤ {budget}×", m / f <= budget))

    ratio("`tracker today` (ten-year)", "today", "floor", 1.5, "import floor")
    ratio("`tracker today` (ten-year vs empty)", "today", "today (empty)", 1.15, "today, empty library")
    for args_, heavy, modules in ((["--help"], help_heavy, help_modules), (["--version"], version_heavy, version_modules)):
        rows.append((f"`tracker {args_[0]}` heavy imports", ", ".join(heavy) or "none",
                     f"{modules} modules imported", "–", "none of " + ", ".join(HEAVY), not heavy))
    issue_16_rows(by, restore, events, ratio, rows)
    ratio("`tracker agenda --days 365`", "agenda", "floor", 2, "import floor")
    ratio("`tracker next`", "next", "floor", 2, "import floor")
    ratio("`tracker books`", "books", "floor", 2, "import floor")
    ratio(f"`tracker show {show_book}`", "show", "floor", 2, "import floor")
    issue_15_rows(ratio)

    rows += issue_12_imports(args, tracker, ten, say)
    rows += issue_13_rows(tracker, ten, by)

    issue_14(args, tracker, ten, by["floor"], rows, say)

    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"tracker bench: {version}, Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}, "
          f"{os.cpu_count()} CPUs, load {load:.1f}; TRACKER_NOW={NOW}; medians of {args.reps} interleaved runs; "
          f"{time.perf_counter() - started:.0f} s in all")
    print()
    header = ("what", "measured", "floor", "ratio", "budget", "holds")
    table = [header] + [(w, m, f, r, b, "yes" if ok else "NO") for w, m, f, r, b, ok in rows]
    widths = [max(len(row[i]) for row in table) for i in range(len(header))]
    for k, row in enumerate(table):
        print("| " + " | ".join(cell.ljust(widths[i]) for i, cell in enumerate(row)) + " |")
        if k == 0:
            print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    print()
    print("medians (ms): " + ", ".join(f"{p.name} {p.median * 1000:.0f}" for p in probes))
    failed = [row[0] for row in rows if not row[5]]
    if failed:
        print(f"{len(failed)} budget(s) fail: {'; '.join(failed)}")
        return 0 if args.no_fail else 1
    print("every budget holds")
    return 0


# --- issue 12: imports of an EPUB of 1,000 navigation entries and a 5,000-row Goodreads CSV -----


def issue_12_imports(args: argparse.Namespace, tracker: str, ten: Path,
                     say: object) -> list[tuple[str, str, str, str, str, bool]]:
    """SPEC §7: each import into the ten-year library ≤ 3 × the import floor. Every timed
    import starts from its own copy of the library (made untimed, with SQLite's backup
    API), so that each one really loads; the floor runs interleaved with them."""
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from import_files import library_books, write_epub, write_goodreads

    work = ten.parent / "imports"
    work.mkdir(exist_ok=True)
    book, shelf = work / "book.epub", work / "goodreads_library_export.csv"
    entries = write_epub(book)
    count = write_goodreads(shelf, existing=library_books(args.backup))
    copy = work / "copy.db"

    def fresh_copy() -> None:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{copy}{suffix}").unlink(missing_ok=True)
        source, target = sqlite3.connect(ten), sqlite3.connect(copy)
        try:
            source.backup(target)
        finally:
            source.close()
            target.close()

    floor = Probe("floor", [sys.executable, "-c", "import sqlalchemy.orm, click"])
    imports = [Probe(f"import epub ({entries} entries)", [tracker, "import", str(book)], copy),
               Probe(f"import goodreads ({count} rows)", [tracker, "import", str(shelf)], copy)]
    say(f"timing imports of {book.name} and {shelf.name} × {args.reps}, each into a fresh copy …")  # type: ignore[operator]
    for probe in imports:  # one untimed run each: every import checked
        fresh_copy()
        checked(probe)
    for rep in range(args.reps):
        for probe in imports if rep % 2 == 0 else imports[::-1]:
            fresh_copy()
            floor.runs.append(checked(floor))
            probe.runs.append(checked(probe))
    out = []
    for probe in imports:
        m, f = probe.median, floor.median
        out.append((f"`tracker {' '.join(Path(a).name for a in probe.argv[1:])}` ({probe.name.split('(')[1][:-1]})",
                    f"{m * 1000:.0f} ms", f"{f * 1000:.0f} ms (import floor)", f"{m / f:.2f}×", "≤ 3×", m / f <= 3))
    return out
# --- issue 15: `tracker report` (SPEC §7: on the ten-year library, ≤ 3 × the import floor) ---


def issue_15_probes(tracker: str, ten: Path) -> list[Probe]:
    """The whole command, writing its page beside the library (--force: again each run)."""
    return [Probe("report", [tracker, "report", "-o", str(ten.with_name("report.html")), "--force"], ten)]


def issue_15_rows(ratio: Callable[[str, str, str, float, str], None]) -> None:
    ratio("`tracker report` (ten-year)", "report", "floor", 3, "import floor")
# --- issue 13: `today --short`, the shell-prompt line (SPEC §7) -------------------------


def issue_13_probes(tracker: str, ten: Path) -> list[Probe]:
    """`today --short` on the ten-year library, and its floor: starting Python and
    importing sqlite3 (the budget is 2× that)."""
    return [Probe("today --short", [tracker, "today", "--short"], ten),
            Probe("import sqlite3", [sys.executable, "-c", "import sqlite3"])]


def issue_13_rows(tracker: str, ten: Path, by: dict[str, Probe]) -> list[tuple[str, str, str, str, str, bool]]:
    """The budget, the line checked against `today --json` (never stale: the same
    answer), and the modules the line imported (none of Click, SQLAlchemy)."""
    import json

    m, f = by["today --short"].median, by["import sqlite3"].median
    rows = [("`tracker today --short` (ten-year)", f"{m * 1000:.0f} ms", f"{f * 1000:.0f} ms (import sqlite3)",
             f"{m / f:.2f}×", "≤ 2×", m / f <= 2)]
    env = child_env(ten)
    line = subprocess.run([tracker, "today", "--short"], capture_output=True, text=True, env=env).stdout.strip()
    plan = json.loads(subprocess.run([tracker, "today", "--json"], capture_output=True, text=True, env=env).stdout)
    due = len(plan["revisit"]) + plan["more_due"]
    parts = [f"{due} revisit{'' if due == 1 else 's'} due"] if due else []
    parts += [f"next: {plan['continue'][0]['book']} {plan['continue'][0]['chapter']}"] if plan["continue"] else []
    want = " · ".join(parts) or "nothing due"
    rows.append(("`tracker today --short` says what `today` says", repr(line), repr(want), "–", "equal", line == want))
    _run, _code, err = run([tracker, "today", "--short"], ten, extra_env={"PYTHONPROFILEIMPORTTIME": "1"})
    names = [ln.rsplit("|", 1)[1].strip() for ln in err.splitlines() if ln.startswith("import time:") and "|" in ln]
    heavy = sorted({n.split(".")[0] for n in names} & {"click", "sqlalchemy", "alembic", "fsrs", "dateutil"})
    rows.append(("`tracker today --short` heavy imports", ", ".join(heavy) or "none", f"{len(names) - 1} modules imported",
                 "–", "none of click, sqlalchemy, …", not heavy))
    return rows
# --- issue 14: catch-up and its undo on 2,000 overdue; the simulated reader's load ---------


CATCH_UP_NOW = "2028-12-01T08:00:00+01:00"  # two years on: every favourite of the ten-year library is overdue


def issue_14(args: argparse.Namespace, tracker: str, ten: Path, floor: Probe,
             rows: list[tuple[str, str, str, str, str, bool]], say: Any) -> None:
    """`tracker catch-up` of the whole backlog and `tracker undo` of it, each on a fresh
    copy of the restored library, interleaved with the import floor; then the
    simulated reader of SPEC §7 (bench/load.py, seeds 0-9), unless --skip-load."""
    import json

    work = ten.with_name("catch-up.db")
    extra = {"TRACKER_NOW": CATCH_UP_NOW}
    with sqlite3.connect(ten) as con:
        favourites = con.execute("SELECT count(*) FROM cards WHERE active").fetchone()[0]
    catch_up, undo, floor14 = (Probe("catch-up", [tracker, "catch-up"], work), Probe("undo", [tracker, "undo"], work),
                               Probe("floor", floor.argv))
    say(f"timing catch-up of {favourites} overdue and its undo × {args.reps} …")
    for rep in range(args.reps + 1):
        for suffix in ("", "-wal", "-shm"):
            Path(f"{work}{suffix}").unlink(missing_ok=True)
        shutil.copy(ten, work)
        timed = []
        for probe in (catch_up, undo):
            result, code, err = run(probe.argv, work, extra_env=extra)
            if code != 0:
                sys.exit(f"bench: {probe.name} failed (exit {code})\n{err}")
            timed.append((probe, result))
        floor_run = checked(floor14)
        if rep:  # the first round warms the caches
            for probe, result in timed:
                probe.runs.append(result)
            floor14.runs.append(floor_run)
    for probe in (catch_up, undo):
        m, f = probe.median, floor14.median
        rows.append((f"`tracker {probe.name}` ({favourites} overdue, ten-year)", f"{m * 1000:.0f} ms",
                     f"{f * 1000:.0f} ms (import floor)", f"{m / f:.2f}×", "≤ 3×", m / f <= 3))
    if getattr(args, "skip_load", False):
        return
    say("the simulated reader of SPEC §7, seeds 0-9 (bench/load.py) …")
    sim = subprocess.run([sys.executable, str(Path(__file__).with_name("load.py")), "--seeds", "0-9", "--json"],
                         capture_output=True, text=True, env=child_env(None))
    if sim.returncode != 0:
        sys.exit(f"bench: bench/load.py failed\n{sim.stderr}")
    sys.path.insert(0, str(Path(__file__).parent))
    from load import BUDGET, Seed

    seeds = [Seed(r["seed"], r["loads"], r["unbalanced"], r["over_cap_with_room"]) for r in json.loads(sim.stdout)]
    median = statistics.median(r.ratio for r in seeds)
    even = statistics.median(r.even for r in seeds)
    rows.append(("revisit load: median busiest ÷ mean, last 90 days (simulated reader, seeds 0–9)",
                 f"{median:.2f}", f"{even:.2f} were the balanced part even", "–", f"≤ {BUDGET}", median <= BUDGET))
    overs = sum(len(r.over_cap_with_room) for r in seeds)
    rows.append(("revisit load: days over the cap (10) while one within reach had room", str(overs or "none"),
                 "–", "–", "none", not overs))


if __name__ == "__main__":
    raise SystemExit(main())
