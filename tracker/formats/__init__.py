"""File formats of tracker: the library file (SPEC §5.1)."""
