"""next, resource …, interest … (the review's map as suggestions)."""

from __future__ import annotations

import click

COMMANDS: list[click.Command] = []
