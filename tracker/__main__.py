"""`python -m tracker` (SPEC §3): the same command line as `tracker`."""

from tracker.prompt import main

main()
