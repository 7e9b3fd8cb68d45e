"""Adapter manifests: `runners/<name>/adapter.toml` (docs/adapter-protocol.md)."""

from __future__ import annotations

import shlex
import shutil
import tomllib
from dataclasses import dataclass
from pathlib import Path


class AdapterUnavailable(Exception):
    """An adapter cannot be used: unknown name, bad manifest, or executable not built."""


@dataclass(frozen=True)
class Manifest:
    """One adapter's manifest; `command` and `build` run from the repo root."""

    name: str
    description: str
    command: tuple[str, ...]
    build: tuple[str, ...]
    default: bool
    path: Path

    def argv(self, repo_root: Path) -> list[str]:
        """The command with its executable resolved, or AdapterUnavailable naming the fix."""
        exe = self.command[0]
        local = repo_root / exe
        if "/" in exe and local.exists():
            return [str(local), *self.command[1:]]
        if "/" not in exe and shutil.which(exe):
            return list(self.command)
        hint = (f"build it with `bpfconform build-adapters` (runs: {shlex.join(self.build)})"
                if self.build else "it has no build command in its adapter.toml")
        raise AdapterUnavailable(f"adapter {self.name!r}: executable {exe} not found; {hint}")


def _str_tuple(value: object, what: str, path: Path) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise AdapterUnavailable(f"{path}: {what} must be a list of strings")
    return tuple(value)


def load_manifest(path: Path) -> Manifest:
    """Read one adapter.toml; AdapterUnavailable names the file and the problem."""
    try:
        data = tomllib.loads(path.read_text())
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise AdapterUnavailable(f"{path}: cannot read adapter manifest: {exc}") from exc
    name = data.get("name")
    if not isinstance(name, str) or not name:
        raise AdapterUnavailable(f"{path}: manifest has no name")
    command = _str_tuple(data.get("command"), "command", path)
    if not command:
        raise AdapterUnavailable(f"{path}: command is empty")
    return Manifest(
        name=name,
        description=str(data.get("description", "")),
        command=command,
        build=_str_tuple(data.get("build", []), "build", path),
        default=bool(data.get("default", False)),
        path=path,
    )


def load_manifests(repo_root: Path) -> dict[str, Manifest]:
    """Every readable manifest under runners/, by adapter name (unreadable ones are skipped
    here and reported by `bpfconform adapters`)."""
    found: dict[str, Manifest] = {}
    for path in sorted((repo_root / "runners").glob("*/adapter.toml")):
        try:
            manifest = load_manifest(path)
        except AdapterUnavailable:
            continue
        found[manifest.name] = manifest
    return found


def find_manifest(repo_root: Path, name: str) -> Manifest:
    """The manifest of adapter `name`, or AdapterUnavailable listing the known ones."""
    manifests = load_manifests(repo_root)
    if name not in manifests:
        known = ", ".join(sorted(manifests)) or "none"
        raise AdapterUnavailable(
            f"unknown adapter {name!r} (known: {known}; each is runners/<name>/adapter.toml)")
    return manifests[name]
