"""suite/catalogue.toml, read in one place: a TOML table per behaviour id (title, ref,
mutation, evidence, and the sensitivity fields). Discovery takes its ids, sensitivity its
`kernel_enforced` and `sensitivity = "refusal"` rules, lint its entries (with line numbers
from the text), scaffold whether an id exists, `check` the docs generator's input. It
imports nothing of the harness."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any


class CatalogueError(Exception):
    """The catalogue cannot be read or is not TOML (the message names the file)."""


def parse(text: str, where: str) -> dict[str, Any]:
    """The entries of a catalogue text: id -> its table (a value that is not a table is
    kept as it is, for lint to report)."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise CatalogueError(f"{where}: cannot read the behaviour catalogue: {exc}") from exc
    return data


def read(path: Path) -> dict[str, Any]:
    """The entries of the catalogue file at `path`."""
    try:
        text = path.read_text()
    except OSError as exc:
        raise CatalogueError(f"{path}: cannot read the behaviour catalogue: {exc}") from exc
    return parse(text, str(path))
