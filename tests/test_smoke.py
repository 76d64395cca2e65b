def test_first_run_shows_a_plan(fresh):
    result = fresh.ok("today")
    assert "inference-engineering 0" in result.stdout
    assert "Created a new library" in result.stderr
    assert fresh.db.exists()


def test_read_fav_revisit(run):
    run.ok("read", "inference-engineering", "5.1", "--done")
    out = run.ok("fav", "inference-engineering", "5.1").stdout
    assert "2026-03-04" in out
    plan = run.json("today", now="2026-03-04T09:00:00+01:00")
    assert [r["chapter"] for r in plan["revisit"]] == ["5.1"]
