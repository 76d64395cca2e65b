"""Generate the "ten-year reader" library of SPEC §7 as a backup file (format §5.2).

    python bench/generate.py bench/ten-year.json [--seed N]

400 books of 30 chapters (a tenth of them as 10 chapters of 2 sections each), 2,000
favourite chapters, 200,000 log events of which 20,000 revisits, over the ten years
that end on 2026-11-27. The reader reads books a few at a time, every chapter in
order (sessions, then a finish), favourites chapters once started, revisits them
roughly when due with mixed ratings (now and then snoozing one), writes notes, takes
a few breaks, stops a few books, and acts on a few of the bundled map's resources.

The events carry only the `log --json` fields: `restore` rebuilds statuses,
favourites and revisit cards from them. The output is deterministic for a seed.
Run it with the Python of tracker's environment: it uses the fsrs package to place
revisits near their due dates. The bundled library's topics and resources come from
`seed/library.toml`.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import sys
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo

TZ = ZoneInfo("Europe/Paris")
END = dt.datetime(2026, 11, 27, 7, 30, tzinfo=TZ)  # just before the bench's TRACKER_NOW
FIRST_DAY = dt.date(2016, 11, 28)
LAST_DAY = dt.date(2026, 11, 26)
DAYS = (LAST_DAY - FIRST_DAY).days + 1

BOOKS = 400
CHAPTERS = 30
SECTIONED_EVERY = 10  # every tenth book: 10 chapters of 2 sections
FAVOURITES = 2_000  # favourite at the end
UNFAVOURITED = 50  # favourited, later unfavourited
EVENTS = 200_000
REVISITS = 20_000
NOTES = 6_000
SNOOZE_RATE = 0.07
BREAKS = 12
SEED_FILE = Path(__file__).resolve().parent.parent / "seed" / "library.toml"

# The reader's waking hours, 07:00 to 23:30: sessions happen then.
WAKE = dt.timedelta(hours=7)
AWAKE = 16.5 * 3600

WORDS = (
    "attention cache kernel tensor batch scheduler memory bandwidth latency throughput "
    "quantization sparsity pipeline parallelism gradient optimizer embedding retrieval "
    "compiler graph fusion decoding sampling tokenizer transformer mixture routing expert "
    "cluster network storage index query planner replication consensus log stream queue "
    "protocol encryption hashing compression vector matrix probability inference training "
    "evaluation benchmark profiling allocation paging prefetch warp register shader"
).split()
TITLE_FORMS = (
    "{A} {B}", "Designing {A} Systems", "The Art of {A}", "{A} in Practice", "Understanding {A}",
    "{A} and {B}", "Programming {A}", "High-Performance {A}", "A Field Guide to {A}",
    "{A} from First Principles", "Scaling {A}", "The {A} Handbook",
)
CHAPTER_FORMS = (
    "{A}", "{A} and {B}", "Why {A} Matters", "{A} in Depth", "Measuring {A}", "{A}: a First Look",
    "Beyond {A}", "{A} Revisited", "Tuning {A}", "When {A} Fails", "{A} at Scale", "Inside {A}",
)
FIRST_NAMES = ("Ada", "Alan", "Grace", "Edsger", "Barbara", "Donald", "Frances", "Ken", "Leslie",
               "Margaret", "Niklaus", "Radia", "Tony", "Sophie", "Yann", "Fei-Fei", "Jeff", "Sanjay",
               "Chip", "Tri", "Noam", "Ilya", "Andrej", "Joe", "Philip", "Lilian", "Jay", "Sasha")
LAST_NAMES = ("Lovelace", "Turing", "Hopper", "Dijkstra", "Liskov", "Knuth", "Allen", "Thompson",
              "Lamport", "Hamilton", "Wirth", "Perlman", "Hoare", "Wilson", "LeCun", "Li", "Dean",
              "Ghemawat", "Huyen", "Dao", "Shazeer", "Sutskever", "Karpathy", "Barrow", "Kiely",
              "Weng", "Alammar", "Rush")
NOTE_TEXTS = (
    "Worth rereading the worked example.", "The diagram on the second page makes it click.",
    "Compare with the chapter on {A}.", "Try this on the {A} benchmark at work.",
    "Disagree with the claim about {A}; check the paper.", "Key idea: {A} trades {B} for speed.",
    "Summarise for the reading group.", "The exercises at the end are the point.",
    "Connects to {A} and {B}.", "Slow going; come back with fresh eyes.",
    "Good intuition for {A}, weak on {B}.", "Copy the table of numbers into my notes.",
)
# The reader's revisit ratings lie between these two mixes (tuned to give REVISITS).
SHAKY = (("again", 0.08), ("hard", 0.15), ("good", 0.62), ("easy", 0.15))
SURE = (("again", 0.03), ("hard", 0.07), ("good", 0.55), ("easy", 0.35))


def cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def phrase(rng: random.Random, forms: tuple[str, ...]) -> str:
    a, b = rng.sample(WORDS, 2)
    return rng.choice(forms).format(A=cap(a), B=b)


def weighted(rng: random.Random, table: tuple[tuple[str, float], ...]) -> str:
    x = rng.random()
    for value, p in table:
        x -= p
        if x < 0:
            return value
    return table[-1][0]


def awake_time(x: float) -> dt.datetime:
    """Waking seconds since the first day's 07:00 → a local time (monotonic)."""
    day, offset = divmod(x, AWAKE)
    local = dt.datetime.combine(FIRST_DAY + dt.timedelta(days=int(day)), dt.time()) + WAKE
    return (local + dt.timedelta(seconds=int(offset))).replace(tzinfo=TZ)


def day_time(rng: random.Random, day: dt.date, first_hour: int = 7, last_hour: int = 22) -> dt.datetime:
    seconds = rng.randrange(first_hour * 3600, last_hour * 3600)
    return (dt.datetime.combine(day, dt.time()) + dt.timedelta(seconds=seconds)).replace(tzinfo=TZ)


@dataclass
class Ev:
    at: dt.datetime
    event: str
    book: str | None = None
    chapter: str | None = None
    chapter_title: str | None = None
    resource: str | None = None
    minutes: int | None = None
    percent: int | None = None
    pages: int | None = None
    rating: str | None = None
    until: dt.date | None = None
    note: str | None = None
    order: int = 0  # recording order among events at the same second


@dataclass
class Chap:
    number: str
    title: str
    topics: list[str]
    started: dt.datetime | None = None
    finished: dt.datetime | None = None


@dataclass
class Book:
    slug: str
    title: str
    authors: list[str]
    year: int
    url: str | None
    chapters: list[Chap] = field(default_factory=list)
    fate: str = "read"  # read, reading, stopped, to-read


# ---------------------------------------------------------------------------- library


def make_topics(rng: random.Random, seed_topics: list[dict]) -> list[dict]:
    topics = [dict(t) for t in seed_topics]
    have = {t["slug"] for t in topics}
    for word in WORDS:
        if word not in have:
            topics.append({"slug": word, "name": cap(word)})
            have.add(word)
    return topics


def make_books(rng: random.Random, topic_slugs: list[str]) -> list[Book]:
    books = []
    for i in range(BOOKS):
        title = phrase(rng, TITLE_FORMS)
        slug = f"b{i + 1:03d}-" + "-".join(title.lower().replace(":", "").split()[:3])
        authors = [f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}" for _ in range(rng.choice((1, 1, 1, 2, 3)))]
        book = Book(slug=slug, title=title, authors=authors, year=rng.randrange(1995, 2027),
                    url=f"https://books.example.org/{slug}" if rng.random() < 0.6 else None)
        if i % SECTIONED_EVERY == SECTIONED_EVERY - 1:
            numbers = [n for k in range(1, CHAPTERS // 3 + 1) for n in (str(k), f"{k}.1", f"{k}.2")]
        else:
            numbers = [str(k) for k in range(1, CHAPTERS + 1)]
        for number in numbers:
            book.chapters.append(Chap(number, phrase(rng, CHAPTER_FORMS),
                                      rng.sample(topic_slugs, rng.choice((1, 1, 2, 2, 3)))))
        books.append(book)
    return books


def book_dict(book: Book) -> dict:
    out: dict = {"slug": book.slug, "title": book.title, "authors": book.authors, "year": book.year}
    if book.url:
        out["url"] = book.url
    out["chapters"] = [{"number": c.number, "title": c.title, "topics": c.topics} for c in book.chapters]
    return out


# ---------------------------------------------------------------------------- reading


def plan_reading(rng: random.Random, books: list[Book]) -> None:
    """Each book's fate and how far its reading gets (`reached` chapters in order)."""
    fates = ["read"] * BOOKS
    order = list(range(BOOKS))
    rng.shuffle(order)
    for i in order[:12]:
        fates[i] = "to-read"
    for i in order[12:30]:
        fates[i] = "stopped"
    started = [i for i in range(BOOKS) if fates[i] != "to-read"]
    # The last few books started are the ones still being read.
    for i in started[-5:]:
        fates[i] = "reading"
    for i, fate in enumerate(fates):
        books[i].fate = fate
    for book in books:
        if book.fate == "to-read":
            continue
        n = len(book.chapters)
        if book.fate == "read":
            upto = n
        elif book.fate == "stopped":
            upto = rng.randrange(3, n // 2)
        else:
            upto = rng.randrange(4, n - 3)
        book.reached = upto  # type: ignore[attr-defined]


def place_chapters(rng: random.Random, books: list[Book]) -> None:
    """Each started book's span; each touched chapter's span, first session and finish.

    Books start evenly over the decade and take 40–140 days each (the last ones run to
    the end); chapters follow one another within their book. Where a chapter starts and
    ends does not depend on how many sessions it gets, so favourites and revisits can
    be placed before the number of sessions is known."""
    started = [b for b in books if b.fate != "to-read"]
    total_awake = DAYS * AWAKE
    for k, book in enumerate(started):
        begin = (k + rng.random() * 0.8) / len(started) * (total_awake * 0.985)
        length = rng.uniform(40, 140) * AWAKE
        finish_at = min(begin + length, total_awake - AWAKE * 0.2)
        if book.fate == "reading":
            finish_at = total_awake - rng.uniform(0.3, 3) * AWAKE
        chapters = book.chapters[:book.reached]  # type: ignore[attr-defined]
        sizes = [rng.gammavariate(2.0, 1.0) + 0.3 for _ in chapters]
        unit = (finish_at - begin) / sum(sizes)
        x = begin
        for chap, size in zip(chapters, sizes):
            chap.span = (x, x + unit * size)  # type: ignore[attr-defined]
            chap.weight = size  # type: ignore[attr-defined]
            chap.started = awake_time(x + unit * size * 0.01)
            unfinished = book.fate != "read" and chap is chapters[-1] and rng.random() < 0.7
            chap.finished = None if unfinished else awake_time(x + unit * size * 0.99)
            x += unit * size
        book.stop_at = awake_time(x + rng.uniform(1, 10) * AWAKE) if book.fate == "stopped" else None  # type: ignore[attr-defined]


def fixed_reading_events(books: list[Book]) -> int:
    """How many finish and stop events the placed reading has."""
    return sum(1 for b in books for c in b.chapters if c.finished is not None) + sum(
        1 for b in books if getattr(b, "stop_at", None) is not None)


def reading_events(rng: random.Random, books: list[Book], sessions_total: int) -> list[Ev]:
    """Read sessions (the first at the chapter's start), finishes and stops."""
    touched = [c for b in books for c in b.chapters if c.started is not None]
    owner = {id(c): b for b in books for c in b.chapters}
    weights = [c.weight for c in touched]  # type: ignore[attr-defined]
    extra = sessions_total - len(touched)  # every touched chapter has its first session
    assert extra >= 0
    scale = extra / sum(weights)
    counts = [int(w * scale) for w in weights]
    for k in rng.sample(range(len(touched)), extra - sum(counts)):
        counts[k] += 1
    events: list[Ev] = []
    for chap, n in zip(touched, counts):
        book = owner[id(chap)]
        lo, hi = chap.span  # type: ignore[attr-defined]
        first = lo + (hi - lo) * 0.01
        last = lo + (hi - lo) * (0.99 if chap.finished is not None else 1.0)
        stamps = [first] + sorted(first + rng.random() * (last - first) for _ in range(n))
        for s in stamps:
            kind = rng.random()
            ev = Ev(awake_time(s), "read", book.slug, chap.number, chap.title,
                    minutes=rng.randrange(5, 75) if rng.random() < 0.75 else None)
            if kind < 0.3:
                ev.percent = rng.randrange(5, 100)
            elif kind < 0.5:
                ev.pages = rng.randrange(1, 40)
            if rng.random() < 0.04:
                ev.note = phrase(rng, NOTE_TEXTS)
            events.append(ev)
        if chap.finished is not None:
            events.append(Ev(chap.finished, "finish", book.slug, chap.number, chap.title,
                             minutes=rng.randrange(5, 60) if rng.random() < 0.8 else None))
    for book in books:
        if getattr(book, "stop_at", None) is not None:
            events.append(Ev(book.stop_at, "stop", book.slug))  # type: ignore[attr-defined]
    return events


# ---------------------------------------------------------------------------- revisits


def make_breaks(rng: random.Random) -> list[tuple[dt.date, dt.date]]:
    breaks = []
    for k in range(BREAKS):
        first = FIRST_DAY + dt.timedelta(days=int((k + 0.2 + rng.random() * 0.6) * DAYS / BREAKS))
        breaks.append((first, first + dt.timedelta(days=rng.randrange(5, 21))))
    return breaks


def out_of_breaks(day: dt.date, breaks: list[tuple[dt.date, dt.date]]) -> dt.date:
    for first, last in breaks:
        if first <= day <= last:
            return last + dt.timedelta(days=1)
    return day


def scheduler():  # type: ignore[no-untyped-def]
    """FSRS as tracker runs it (SPEC §4.1), so that the reader revisits roughly when due."""
    try:
        from fsrs import Scheduler
    except ImportError:
        sys.exit("generate.py needs the fsrs package: run it with the Python of tracker's environment")
    return Scheduler(desired_retention=0.9, learning_steps=(), relearning_steps=(), maximum_interval=365,
                     enable_fuzzing=False)


def chain(sched, seed: int, fav_at: dt.datetime, stop_at: dt.datetime, sure: float,  # type: ignore[no-untyped-def]
          breaks: list[tuple[dt.date, dt.date]]) -> tuple[str, list[tuple[str, dt.datetime, dt.date | None, str]]]:
    """A favourite's revisits until `stop_at`: (first-pass grade, [(kind, at, until, rating)]).

    The reader comes back when the chapter is due (FSRS), or a few days later, never
    inside a break, now and then snoozing it first; the ratings are a mix of SHAKY and
    SURE (`sure` from 0 to 1)."""
    from fsrs import Card, Rating

    rng = random.Random(seed)
    ratings = tuple((word, (1 - sure) * p + sure * q) for (word, p), (_w, q) in zip(SHAKY, SURE))
    grade = weighted(rng, (("good", 0.8), ("easy", 0.08), ("hard", 0.08), ("again", 0.04)))
    utc = dt.timezone.utc
    at = fav_at
    card, _ = sched.review_card(Card(card_id=1, due=at.astimezone(utc)), Rating[grade.capitalize()],
                                at.astimezone(utc))
    steps: list[tuple[str, dt.datetime, dt.date | None, str]] = []
    while True:
        interval = max(1, round((card.due - at.astimezone(utc)).total_seconds() / 86400))
        late = rng.choice((0, 0, 0, 0, 1, 1, 2, 3, 5)) if interval > 2 else rng.choice((0, 0, 1))
        when = out_of_breaks(at.date() + dt.timedelta(days=interval + late), breaks)
        if rng.random() < SNOOZE_RATE:
            snooze_at = day_time(rng, when, 7, 12)
            if snooze_at >= stop_at:
                break
            until = when + dt.timedelta(days=rng.randrange(2, 8))
            steps.append(("snooze", snooze_at, until, ""))
            when = out_of_breaks(until, breaks)
        at = day_time(rng, when, 12, 22)
        if at >= stop_at:
            break
        rating = weighted(rng, ratings)
        steps.append(("revisit", at, None, rating))
        card, _ = sched.review_card(card, Rating[rating.capitalize()], at.astimezone(utc))
    return grade, steps


def revisit_events(rng: random.Random, books: list[Book], breaks: list[tuple[dt.date, dt.date]]) -> list[Ev]:
    started = [(b, c) for b in books for c in b.chapters if c.started is not None]
    picked = rng.sample(started, FAVOURITES + UNFAVOURITED)
    favs = []
    for k, (book, chap) in enumerate(picked):
        begin = chap.finished or chap.started
        assert begin is not None
        fav_at = begin + dt.timedelta(minutes=rng.randrange(1, 90))
        if fav_at >= END:
            fav_at = begin + dt.timedelta(seconds=30)
        stop_at = END
        if k >= FAVOURITES:  # later unfavourited: somewhere after the favourite
            stop_at = fav_at + (END - fav_at) * rng.uniform(0.2, 0.8)
        favs.append((book, chap, fav_at, stop_at, k >= FAVOURITES))
    sched = scheduler()

    def simulate(sure: float) -> list:
        return [chain(sched, 1_000_003 * k + 17, fav_at, stop_at, sure, breaks)
                for k, (_b, _c, fav_at, stop_at, _u) in enumerate(favs)]

    def revisits(chains: list) -> int:
        return sum(sum(1 for s in steps if s[0] == "revisit") for _g, steps in chains)

    # How sure the reader is, tuned so that at least REVISITS happen: the surest found.
    low, high = 0.0, 1.0
    best = simulate(low)
    assert revisits(best) >= REVISITS, "cannot reach the number of revisits"
    for _ in range(12):
        mid = (low + high) / 2
        chains = simulate(mid)
        if revisits(chains) >= REVISITS:
            low, best = mid, chains
        else:
            high = mid
    chains = best
    # Drop the surplus from the end of randomly chosen chains: revisits the reader let slip.
    surplus = revisits(chains) - REVISITS
    print(f"ratings: {low:.3f} of the way from shaky to sure; {surplus} revisit(s) let slip", file=sys.stderr)
    while surplus:
        _g, steps = chains[rng.randrange(len(chains))]
        while steps and steps[-1][0] != "revisit":
            steps.pop()
        if steps:
            steps.pop()
            surplus -= 1

    events = []
    for (book, chap, fav_at, stop_at, unfav), (grade, steps) in zip(favs, chains):
        events.append(Ev(fav_at, "favourite", book.slug, chap.number, chap.title, rating=grade))
        for kind, at, until, rating in steps:
            if kind == "snooze":
                events.append(Ev(at, "snooze", book.slug, chap.number, chap.title, until=until))
            else:
                note = phrase(rng, NOTE_TEXTS) if rng.random() < 0.05 else None
                minutes = rng.randrange(5, 40) if rng.random() < 0.7 else None
                events.append(Ev(at, "revisit", book.slug, chap.number, chap.title, minutes=minutes,
                                 rating=rating, note=note))
        if unfav:
            events.append(Ev(stop_at, "unfavourite", book.slug, chap.number, chap.title))
    return events


# ---------------------------------------------------------------------------- the rest


def other_events(rng: random.Random, books: list[Book], breaks: list[tuple[dt.date, dt.date]],
                 resources: list[dict]) -> list[Ev]:
    # A break's event is at noon of its first day (SPEC §3).
    events = [Ev(dt.datetime.combine(first, dt.time(12)).replace(tzinfo=TZ), "break", until=last)
              for first, last in breaks]
    started = [(b, c) for b in books for c in b.chapters if c.started is not None]
    for _ in range(NOTES):
        book, chap = rng.choice(started)
        assert chap.started is not None
        at = chap.started + dt.timedelta(minutes=rng.randrange(1, 600))
        if at >= END:
            at = chap.started + dt.timedelta(seconds=10)
        with_chapter = rng.random() < 0.75
        events.append(Ev(at, "note", book.slug, chap.number if with_chapter else None,
                         chap.title if with_chapter else None, note=phrase(rng, NOTE_TEXTS)))
    slugs = [r["slug"] for r in resources if r.get("kind") != "review"]
    for k, (kind, slug) in enumerate((("queue", slugs[0]), ("queue", slugs[4]), ("dismiss", slugs[3]),
                                      ("queue", slugs[6]), ("done", slugs[6]), ("queue", slugs[8]))):
        day = FIRST_DAY + dt.timedelta(days=int(DAYS * (0.3 + 0.1 * k)))
        events.append(Ev(day_time(rng, day), kind, resource=slug))
    return events


def generate(seed: int) -> dict:
    rng = random.Random(seed)
    seed_lib = tomllib.loads(SEED_FILE.read_text(encoding="utf-8"))
    topics = make_topics(rng, seed_lib.get("topics", []))
    books = make_books(rng, [t["slug"] for t in topics])
    plan_reading(rng, books)
    place_chapters(random.Random(seed + 1), books)
    breaks = make_breaks(rng)
    resources = seed_lib.get("resources", [])
    revisits = revisit_events(random.Random(seed + 2), books, breaks)
    others = other_events(random.Random(seed + 3), books, breaks, resources)
    # Read sessions fill the log up to EVENTS.
    sessions = EVENTS - fixed_reading_events(books) - len(revisits) - len(others)
    reading = reading_events(random.Random(seed + 4), books, sessions)
    events = reading + revisits + others
    assert len(events) == EVENTS, (len(events), EVENTS)
    assert all(e.at < END for e in events)

    for k, e in enumerate(events):
        e.order = k
    events.sort(key=lambda e: (e.at.astimezone(dt.timezone.utc), e.order))
    library = {
        "topics": topics,
        "books": [book_dict(b) for b in books],
        "resources": resources,
        "interests": ["gpus", "quantization", "attention"],
    }
    return {"library": library, "events": events}


def event_dict(k: int, e: Ev) -> dict:
    return {
        "id": k, "at": e.at.isoformat(timespec="seconds"), "book": e.book, "chapter": e.chapter,
        "chapter_title": e.chapter_title, "resource": e.resource, "event": e.event, "minutes": e.minutes,
        "percent": e.percent, "pages": e.pages, "rating": e.rating,
        "until": e.until.isoformat() if e.until else None, "note": e.note,
    }


def write(path: Path, data: dict) -> None:
    dumps = json.JSONEncoder(ensure_ascii=False).encode
    tmp = path.with_name(f".{path.stem}.tmp{path.suffix}")  # ignored like the file itself
    with tmp.open("w", encoding="utf-8") as out:
        out.write("{\n")
        out.write('  "format": "tracker-backup",\n  "version": 1,\n')
        out.write(f'  "created_at": {dumps(END.isoformat(timespec="seconds"))},\n')
        out.write('  "settings": {"timezone": "Europe/Paris"},\n')
        out.write('  "library": ' + json.dumps(data["library"], ensure_ascii=False, indent=2).replace("\n", "\n  "))
        out.write(',\n  "events": [')
        for k, e in enumerate(data["events"], start=1):
            out.write(",\n    " if k > 1 else "\n    ")
            out.write(dumps(event_dict(k, e)))
        out.write("\n  ]\n}\n")
    tmp.replace(path)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path, help="the backup file to write, e.g. bench/ten-year.json")
    parser.add_argument("--seed", type=int, default=20261127)
    args = parser.parse_args(argv)
    data = generate(args.seed)
    write(args.out, data)
    counts: dict[str, int] = {}
    for e in data["events"]:
        counts[e.event] = counts.get(e.event, 0) + 1
    favs = counts.get("favourite", 0) - counts.get("unfavourite", 0)
    print(f"{args.out}: {len(data['library']['books'])} books, "
          f"{sum(len(b['chapters']) for b in data['library']['books'])} chapters, {favs} favourite chapters, "
          f"{len(data['events'])} events ({', '.join(f'{k} {v}' for k, v in sorted(counts.items()))})",
          file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
