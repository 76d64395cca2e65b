"""next, resource …, interest …, and today's "Read next" (SPEC §1, §3, §4.2).

Every scenario runs the real CLI on the bundled library (fixture `run`).
"""

from __future__ import annotations

import re
from typing import Any

import pytest

QUANT = {"quantization-from-the-ground-up", "floating-point-arithmetic"}
MAP_ORDER = ["ultrascale-playbook", "ai-engineering", "gpu-glossary", "cuda-programming", "nano-vllm"]


def slugs(items: list[dict[str, Any]]) -> list[str]:
    return [i["resource"] for i in items]


def favourite_quantization(run: Any, rating: str = "hard") -> None:
    run.ok("read", "inference-engineering", "5.1", "--done", "--on", "4 days ago")
    run.ok("fav", "inference-engineering", "5.1", "--on", "4 days ago")
    run.ok("revisit", "inference-engineering", "5.1", rating, "--on", "2 days ago")


def chapter_labels(run: Any, book: str, *, favourite: bool = False, read: bool = False) -> set[str]:
    shown = run.json("show", book)
    out = set()
    for c in shown["chapters"]:
        if (favourite and c["favourite"]) or (read and c["status"] == "read"):
            out.add(f"{c['number']} {c['title']}")
            out.add(c["title"])  # one-chapter books made from a resource are named by title
    return out


def assert_real_reasons(run: Any, items: list[dict[str, Any]]) -> None:
    """Every `why` is non-empty and names something true of the library and the log."""
    followed = {i["topic"] for i in run.json("interest", "list")}
    statuses = {r["resource"]: r["status"] for r in run.json("resource", "list")}
    books = [b["slug"] for b in run.json("books")]
    favourites = set().union(*(chapter_labels(run, b, favourite=True) for b in books))
    read = set().union(*(chapter_labels(run, b, read=True) for b in books))
    for item in items:
        assert item["why"].strip(), item
        for why in item["why"].split("; "):
            assert_real_reason(item, why, followed, statuses, favourites, read)


def assert_real_reason(item: dict[str, Any], why: str, followed: set[str], statuses: dict[str, str],
                       favourites: set[str], read: set[str]) -> None:
    """One reason of a `why` names something true of the library and the log."""
    if why == "queued by you":
        assert statuses[item["resource"]] == "queued"
    elif m := re.fullmatch(r"you follow (.+)", why):
        named = set(m.group(1).split(" and "))
        assert named <= followed and named <= set(item["topics"]), (why, item)
    elif m := re.fullmatch(r"you revisit (.+?)( \(\d+ times\))?( and rated it .+)?", why):
        assert m.group(1) in favourites, (why, favourites)
    elif m := re.fullmatch(r"(.+) is one of your favourites", why):
        assert m.group(1) in favourites, why
    elif m := re.fullmatch(r"you read (.+)", why):
        assert m.group(1) in read, (why, read)
    elif m := re.fullmatch(r"goes with today's revisit of (.+)", why):
        assert m.group(1) in favourites, why
    else:
        assert re.fullmatch(r"the review's first pick for .+|next in the review's map|on your map.*", why), why


def test_no_signal_gives_the_maps_own_order(run: Any) -> None:
    items = run.json("next")
    assert slugs(items) == MAP_ORDER
    assert [i["score"] for i in items] == [0] * 5
    assert items[0]["why"] == "the review's first pick for Training LLMs"
    assert items[2]["why"] == "the review's first pick for GPUs"
    assert items[3]["why"] == "next in the review's map"
    for item in items:
        assert set(item) >= {"resource", "title", "kind", "url", "topics", "score", "why"}
    assert "barrow-review" not in slugs(run.json("next", "--limit", "20"))  # the review is a source
    assert_real_reasons(run, items)
    human = run.ok("next").stdout
    assert "the review's first pick for Training LLMs" in human


def test_revisited_hard_favourite_leads_with_its_chapter(run: Any) -> None:
    favourite_quantization(run, "hard")
    items = run.json("next")
    assert set(slugs(items)[:2]) == QUANT
    assert slugs(items)[:2] == ["quantization-from-the-ground-up", "floating-point-arithmetic"]  # map rank
    for item in items[:2]:
        assert item["why"] == "you revisit 5.1 Quantization and rated it hard"
        assert item["score"] > items[2]["score"]
    assert_real_reasons(run, items)


def test_more_revisits_and_harder_ratings_weigh_more(run: Any) -> None:
    # 3 Hardware: a favourite, never revisited; 5.1 Quantization: revisited and rated again.
    run.ok("read", "inference-engineering", "3", "--done", "--on", "6 days ago")
    run.ok("fav", "inference-engineering", "3", "--on", "6 days ago")
    favourite_quantization(run, "again")
    items = run.json("next", "--limit", "10")
    order = slugs(items)
    assert order.index("quantization-from-the-ground-up") < order.index("gpu-glossary")
    assert items[0]["why"].startswith("you revisit 5.1 Quantization and rated it 'again'")
    glossary = next(i for i in items if i["resource"] == "gpu-glossary")
    assert glossary["why"] == "3 Hardware is one of your favourites"
    assert_real_reasons(run, items)


def test_chapters_read_steer_when_nothing_else_does(run: Any) -> None:
    run.ok("read", "inference-engineering", "3", "--done", "--on", "yesterday")
    items = run.json("next", "--limit", "3")
    assert slugs(items)[:2] == ["gpu-glossary", "cuda-programming"]
    assert items[0]["why"] == "you read 3 Hardware"
    assert_real_reasons(run, items)


def test_following_gpus_brings_the_gpu_resources_up(run: Any) -> None:
    favourite_quantization(run)
    run.ok("interest", "add", "gpus")
    assert [i["topic"] for i in run.json("interest", "list")] == ["gpus"]
    items = run.json("next")
    assert slugs(items)[:2] == ["gpu-glossary", "cuda-programming"]
    assert items[0]["why"] == items[1]["why"] == "you follow gpus"
    assert_real_reasons(run, items)
    run.ok("interest", "remove", "gpus")
    assert run.json("interest", "list") == []
    assert set(slugs(run.json("next"))[:2]) == QUANT


def test_next_topic_filter_and_limit(run: Any) -> None:
    items = run.json("next", "--topic", "quantization")
    assert slugs(items) == ["quantization-from-the-ground-up", "floating-point-arithmetic"]
    assert slugs(run.json("next", "--limit", "1")) == ["ultrascale-playbook"]
    assert len(run.json("next", "--limit", "20")) == 10


def test_dismissed_or_done_never_comes_back(run: Any) -> None:
    run.ok("resource", "dismiss", "gpu-glossary")
    run.ok("resource", "done", "quantization-from-the-ground-up")
    run.ok("interest", "add", "gpus")
    favourite_quantization(run)
    every = slugs(run.json("next", "--limit", "20"))
    assert "gpu-glossary" not in every and "quantization-from-the-ground-up" not in every
    assert "gpu-glossary" not in slugs(run.json("next", "--topic", "gpus"))
    status = {r["resource"]: r["status"] for r in run.json("resource", "list")}
    assert status["gpu-glossary"] == "dismissed" and status["quantization-from-the-ground-up"] == "done"
    assert slugs(run.json("resource", "list", "--status", "dismissed")) == ["gpu-glossary"]
    plan = run.json("today")
    assert not {"gpu-glossary", "quantization-from-the-ground-up"} & set(slugs(plan["suggestions"]))


def test_a_queued_resource_leads(run: Any) -> None:
    favourite_quantization(run)
    run.ok("interest", "add", "gpus")
    run.ok("resource", "queue", "mini-sglang")
    items = run.json("next")
    assert items[0]["resource"] == "mini-sglang"
    assert items[0]["why"] == "queued by you"
    assert slugs(run.json("resource", "list", "--status", "queued")) == ["mini-sglang"]
    assert_real_reasons(run, items)


def test_undo_of_a_dismiss_brings_it_back(run: Any) -> None:
    run.ok("resource", "dismiss", "ultrascale-playbook")
    assert "ultrascale-playbook" not in slugs(run.json("next"))
    log = run.json("log")
    assert log[-1]["event"] == "dismiss" and log[-1]["resource"] == "ultrascale-playbook"
    run.ok("undo")
    assert slugs(run.json("next"))[0] == "ultrascale-playbook"
    status = {r["resource"]: r["status"] for r in run.json("resource", "list")}
    assert status["ultrascale-playbook"] == "suggested"


def test_any_status_moves_to_any_other(run: Any) -> None:
    for action, status in [("queue", "queued"), ("dismiss", "dismissed"), ("queue", "queued"),
                           ("done", "done"), ("start", "reading"), ("dismiss", "dismissed")]:
        run.ok("resource", action, "nano-vllm")
        assert {r["resource"]: r["status"] for r in run.json("resource", "list")}["nano-vllm"] == status
    run.ok("undo")
    assert {r["resource"]: r["status"] for r in run.json("resource", "list")}["nano-vllm"] == "reading"


def test_starting_a_resource_with_a_book_reads_that_book(run: Any) -> None:
    run.ok("resource", "start", "ultrascale-playbook")
    books = {b["slug"]: b for b in run.json("books")}
    assert books["ultrascale-playbook"]["status"] == "reading"
    assert books["ultrascale-playbook"]["total"] == 13
    assert "ultrascale-playbook" not in slugs(run.json("next", "--limit", "20"))
    log = run.json("log")
    assert log[-1]["event"] == "start"
    assert log[-1]["resource"] == "ultrascale-playbook" and log[-1]["book"] == "ultrascale-playbook"
    assert any(c["book"] == "ultrascale-playbook" for c in run.json("today")["continue"])


def test_a_book_being_read_is_not_suggested_even_without_start(run: Any) -> None:
    run.ok("read", "ai-engineering", "1", "--minutes", "20")
    assert "ai-engineering" not in slugs(run.json("next", "--limit", "20"))


def test_a_started_paper_becomes_a_one_chapter_book(run: Any) -> None:
    run.ok("resource", "start", "pagedattention")
    shown = run.json("show", "pagedattention")
    assert shown["status"] == "reading"
    assert [(c["number"], c["topics"]) for c in shown["chapters"]] == [
        ("1", ["inference-engines", "caching", "attention"])]
    assert shown["chapters"][0]["title"].startswith("Efficient Memory Management")
    run.ok("read", "pagedattention", "1", "--done", "--minutes", "50", "--on", "3 days ago")
    run.ok("fav", "pagedattention", "1", "--on", "3 days ago")
    run.ok("revisit", "pagedattention", "1", "hard", "--on", "yesterday")
    shown = run.json("show", "pagedattention")
    assert shown["chapters"][0]["favourite"] and shown["chapters"][0]["due"]
    items = run.json("next")
    assert "pagedattention" not in slugs(items)
    # Its topics now steer the rest of the map.
    assert items[0]["resource"] == "nano-vllm"
    assert items[0]["why"].startswith("you revisit Efficient Memory Management")
    assert_real_reasons(run, items)


def test_today_suggests_up_to_two_preferring_todays_revisits(run: Any) -> None:
    plan = run.json("today")
    assert 1 <= len(plan["suggestions"]) <= 2
    assert slugs(plan["suggestions"]) == MAP_ORDER[:2]
    for s in plan["suggestions"]:
        assert set(s) >= {"resource", "title", "kind", "url", "why"} and s["why"]

    # gpus are followed, but 5.2 Speculative Decoding falls due today.
    run.ok("interest", "add", "gpus")
    run.ok("read", "inference-engineering", "5.2", "--done", "--on", "2026-02-28")
    run.ok("fav", "inference-engineering", "5.2", "--on", "2026-02-28")
    plan = run.json("today")
    assert [r["chapter"] for r in plan["revisit"]] == ["5.2"]
    assert slugs(plan["suggestions"]) == ["vllm-speculative-decoding", "gpu-glossary"]
    assert "5.2 Speculative Decoding" in plan["suggestions"][0]["why"]
    assert plan["suggestions"][1]["why"] == "you follow gpus"
    assert_real_reasons(run, plan["suggestions"])
    human = run.ok("today").stdout
    assert "Read next" in human and "Speculative Decoding (vLLM documentation)" in human


def test_resource_add_then_suggested_on_its_topic(run: Any) -> None:
    out = run.ok("resource", "add", "FlashAttention", "--kind", "paper", "--url", "https://arxiv.org/abs/2205.14135",
                 "--author", "Tri Dao", "--year", "2022", "--topic", "attention", "--note", "the review wished for it")
    assert "flashattention" in out.stdout
    listed = {r["resource"]: r for r in run.json("resource", "list")}
    assert listed["flashattention"]["topics"] == ["attention"]
    assert listed["flashattention"]["status"] == "suggested"
    run.ok("resource", "add", "FlashAttention", "--kind", "paper")  # a second one gets its own slug
    assert "flashattention-2" in slugs(run.json("resource", "list"))
    run.ok("interest", "add", "attention")
    items = run.json("next")
    assert items[0]["resource"] == "flashattention" and items[0]["why"] == "you follow attention"
    run.ok("resource", "add", "My notes", "--kind", "post", "--slug", "my-notes")
    assert "my-notes" in slugs(run.json("resource", "list"))


@pytest.mark.parametrize("args, needle", [
    (("resource", "done", "nosuch"), "nosuch"),
    (("interest", "add", "nosuchtopic"), "quantization"),
    (("interest", "remove", "gpus"), "do not follow"),
    (("next", "--topic", "nosuch"), "gpus"),
    (("next", "--limit", "0"), "--limit"),
    (("resource", "add", "X", "--kind", "podcast"), "paper"),
    (("resource", "add", "X", "--kind", "post", "--url", "not a url"), "https://"),
    (("resource", "add", "X", "--kind", "post", "--topic", "nosuch"), "quantization"),
    (("resource", "add", "X", "--kind", "post", "--slug", "gpu-glossary"), "exists"),
    (("resource", "start", "gpu-glossary", "--on", "tomorrow"), ""),
    (("resource", "list", "--status", "lost"), "lost"),
])
def test_bad_inputs_exit_2_and_change_nothing(run: Any, unchanged: Any, args: tuple[str, ...], needle: str) -> None:
    with unchanged(run.db):
        line = run.error(*args)
    assert needle in line


def test_the_same_status_twice_is_an_error(run: Any, unchanged: Any) -> None:
    run.ok("resource", "dismiss", "gpu-glossary")
    run.ok("interest", "add", "gpus")
    with unchanged(run.db):
        assert "already" in run.error("resource", "dismiss", "gpu-glossary")
        assert "already" in run.error("interest", "add", "gpus")


def test_topics_lists_counts(run: Any) -> None:
    topics = {t["slug"]: t for t in run.json("topics")}
    assert topics["gpus"]["resources"] == 3
    assert topics["quantization"]["resources"] == 2
