"""tracker: a personal reading tracker with spaced revisits of favourite chapters."""

__version__ = "0.1.0"
