"""`python -m tracker` (SPEC §3): the same command line as `tracker`."""

from tracker.cli import main

main(prog_name="tracker")
