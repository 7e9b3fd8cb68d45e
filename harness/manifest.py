"""Adapter manifests: `runners/<name>/adapter.toml` (docs/adapter-protocol.md).

An adapter may also live outside the repository (a loader project's own CI): `--adapter-manifest
PATH` reads an `adapter.toml` anywhere, whose `command` (and optional `expectations` table) are
relative to the manifest's directory, and `--adapter-command NAME=CMD` makes a manifest of a
command line. `AdapterSet` is what one run may pick from: the in-tree manifests plus those.
"""

from __future__ import annotations

import shlex
import shutil
import tomllib
from collections.abc import Sequence
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
    #: out-of-tree: the directory `command` is relative to and the adapter runs in (the
    #: manifest's own); None for runners/<name>/ (relative to the repo root)
    root: Path | None = None
    #: the adapter's known-failure table, when the manifest names one (`expectations`)
    expectations: Path | None = None

    def cwd(self, repo_root: Path) -> Path:
        """The directory the adapter process runs in."""
        return self.root or repo_root

    def argv(self, repo_root: Path) -> list[str]:
        """The command with its executable resolved, or AdapterUnavailable naming the fix."""
        exe = self.command[0]
        local = self.cwd(repo_root) / exe
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


def load_manifest(path: Path, out_of_tree: bool = False) -> Manifest:
    """Read one adapter.toml; AdapterUnavailable names the file and the problem. An
    out-of-tree manifest's command and expectations are relative to its directory."""
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
    base = path.parent.resolve()
    table = data.get("expectations")
    if table is not None and (not isinstance(table, str) or not table):
        raise AdapterUnavailable(f"{path}: expectations must be a path (relative to the "
                                 "manifest)")
    expectations = (base / table).resolve() if isinstance(table, str) else None
    if expectations is not None and not expectations.is_file():
        raise AdapterUnavailable(f"{path}: expectations table {expectations} does not exist")
    return Manifest(
        name=name,
        description=str(data.get("description", "")),
        command=command,
        build=_str_tuple(data.get("build", []), "build", path),
        default=bool(data.get("default", False)),
        path=path,
        root=base if out_of_tree else None,
        expectations=expectations,
    )


def command_manifest(spec: str, cwd: Path) -> Manifest:
    """`NAME=CMD` (`--adapter-command`): a manifest whose command is CMD split as a shell
    would, run from `cwd`; no build, no expectations table."""
    name, sep, cmd = spec.partition("=")
    argv = shlex.split(cmd) if sep else []
    if not name or not argv:
        raise AdapterUnavailable(f"--adapter-command {spec!r}: want NAME=COMMAND")
    return Manifest(name=name, description=f"--adapter-command {cmd}", command=tuple(argv),
                    build=(), default=False, path=cwd / "<command line>", root=cwd.resolve())


@dataclass(frozen=True)
class AdapterSet:
    """The adapters one run may pick from: runners/*/adapter.toml plus out-of-tree ones."""

    repo_root: Path
    extra: tuple[Manifest, ...] = ()

    @classmethod
    def from_options(cls, repo_root: Path, manifests: Sequence[str] = (),
                     commands: Sequence[str] = ()) -> AdapterSet:
        """In-tree manifests plus `--adapter-manifest` paths and `--adapter-command` specs."""
        extra = [load_manifest(Path(p), out_of_tree=True) for p in manifests]
        extra += [command_manifest(c, Path.cwd()) for c in commands]
        names = [m.name for m in extra]
        dup = sorted({n for n in names if names.count(n) > 1})
        if dup:
            raise AdapterUnavailable(f"adapter name(s) given twice: {', '.join(dup)}")
        return cls(repo_root, tuple(extra))

    def all(self) -> dict[str, Manifest]:
        """Every manifest by name; an out-of-tree one wins over an in-tree one of its name."""
        return {**load_manifests(self.repo_root), **{m.name: m for m in self.extra}}

    def find(self, name: str) -> Manifest:
        """The manifest of `name`, or AdapterUnavailable listing the known ones."""
        found = self.all()
        if name not in found:
            known = ", ".join(sorted(found)) or "none"
            raise AdapterUnavailable(
                f"unknown adapter {name!r} (known: {known}; each is runners/<name>/adapter.toml, "
                "--adapter-manifest PATH or --adapter-command NAME=CMD)")
        return found[name]

    def selected(self, names: Sequence[str] | None) -> list[str]:
        """What a run uses: the named adapters plus every out-of-tree one; with neither, the
        in-tree manifests that have default = true."""
        picked = list(dict.fromkeys([*(names or ()), *(m.name for m in self.extra)]))
        if picked:
            return picked
        return [m.name for m in load_manifests(self.repo_root).values() if m.default]


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
    """The in-tree manifest of adapter `name`, or AdapterUnavailable listing the known ones."""
    return AdapterSet(repo_root).find(name)
