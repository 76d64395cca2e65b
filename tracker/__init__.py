"""tracker: a personal reading tracker with spaced revisits of favourite chapters (SPEC §1)."""

__version__ = "0.1.0"
