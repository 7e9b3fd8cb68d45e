"""Adapter manifests: `runners/<name>/adapter.toml` (docs/adapter-protocol.md).

An adapter may also live outside the repository (a loader project's own CI): `--adapter-manifest
PATH` reads an `adapter.toml` anywhere, whose `command` (and optional `expectations` table) are
relative to the manifest's directory, and `--adapter-command NAME=CMD` makes a manifest of a
command line. `AdapterSet` is what one run may pick from: the in-tree manifests plus those.

The loader-version axis (docs/versions.md): a manifest may name the library release its
default build links (`version`) and the releases its build command can also build (`versions`,
the default's included). `<name>@<version>` is then a derived manifest: its executable is
`build/adapters/<name>@<version>/<the default executable's file name>`, built on demand by the
manifest's build command with the version as its last argument; it runs behind
the hello gate `harness.adapters.gate` (the adapter's `library_version` must equal the
version asked for, or the adapter does not start and every item is ERROR), and its
expectations are the base adapter's table filtered by the entries' `versions` ranges
(harness/suite/expectations.py).
"""

from __future__ import annotations

import fcntl
import shlex
import shutil
import subprocess
import sys
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
    #: the adapter's known-failure table, when the manifest names one (`expectations`); for a
    #: manifest with a `version`, `<table>@<version>.toml`: the table filtered by version
    expectations: Path | None = None
    #: the library release the default build links (`version`), "" when not declared
    version: str = ""
    #: every release the build command can build (`versions`; the default's included)
    versions: tuple[str, ...] = ()
    #: of a derived `<name>@<version>` manifest: the version its hello must report
    pinned: str = ""

    @property
    def base(self) -> str:
        """The adapter's name without `@<version>`."""
        return self.name.partition("@")[0]

    def at(self, version: str, repo_root: Path) -> Manifest:
        """The derived manifest `<name>@<version>`; AdapterUnavailable if the manifest does not
        list that version."""
        if version not in self.versions:
            known = ", ".join(self.versions) or "none (the manifest has no `versions`)"
            raise AdapterUnavailable(f"adapter {self.name!r} has no version {version!r} "
                                     f"(known: {known})")
        table = self.expectations or (repo_root / "suite" / "expectations"
                                      / f"{self.name}.toml")
        table = table.with_name(f"{table.stem.partition('@')[0]}@{version}{table.suffix}")
        if version == self.version:
            command, build = self.command, self.build
        else:
            exe = f"build/adapters/{self.name}@{version}/{Path(self.command[0]).name}"
            command, build = (exe, *self.command[1:]), (*self.build, version)
        return Manifest(name=f"{self.name}@{version}", description=self.description,
                        command=command, build=build, default=False, path=self.path,
                        root=self.root, expectations=table, version=version,
                        versions=self.versions, pinned=version)

    def cwd(self, repo_root: Path) -> Path:
        """The directory the adapter process runs in."""
        return self.root or repo_root

    def argv(self, repo_root: Path) -> list[str]:
        """The command with its executable resolved, or AdapterUnavailable naming the fix. A
        derived `<name>@<version>` manifest's executable is built first if missing, and runs
        behind the hello gate."""
        exe = self.command[0]
        local = self.cwd(repo_root) / exe
        if self.pinned and self.build and "/" in exe and not local.exists():
            build_on_demand(self, repo_root)
        if self.pinned and "/" in exe and local.exists():
            return [sys.executable, "-m", "harness.adapters.gate", self.pinned, "--",
                    str(local), *self.command[1:]]
        if "/" in exe and local.exists():
            return [str(local), *self.command[1:]]
        if "/" not in exe and shutil.which(exe):
            return list(self.command)
        hint = (f"build it with `bpfconform build-adapters` (runs: {shlex.join(self.build)})"
                if self.build else "it has no build command in its adapter.toml")
        raise AdapterUnavailable(f"adapter {self.name!r}: executable {exe} not found; {hint}")


def build_on_demand(manifest: Manifest, repo_root: Path) -> None:
    """Run a derived manifest's build (the install script with the version argument) under a
    lock, so that two processes asking for the same version build it once; AdapterUnavailable
    with the build's last lines if it fails."""
    locks = repo_root / "build" / "adapters"
    locks.mkdir(parents=True, exist_ok=True)
    with open(locks / f"{manifest.name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if (manifest.cwd(repo_root) / manifest.command[0]).exists():
            return  # another process built it while this one waited
        print(f"bpfconform: building {manifest.name} on demand: {shlex.join(manifest.build)}",
              file=sys.stderr, flush=True)
        done = subprocess.run(list(manifest.build), cwd=manifest.cwd(repo_root), check=False,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if done.returncode != 0:
        tail = "\n".join(done.stdout.splitlines()[-15:])
        raise AdapterUnavailable(f"adapter {manifest.name!r}: build failed (exit status "
                                 f"{done.returncode}: {shlex.join(manifest.build)}):\n{tail}")
    if not (manifest.cwd(repo_root) / manifest.command[0]).exists():
        raise AdapterUnavailable(f"adapter {manifest.name!r}: its build succeeded but made no "
                                 f"{manifest.command[0]}")


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
    version = data.get("version", "")
    if not isinstance(version, str) or "@" in version:
        raise AdapterUnavailable(f"{path}: version must be a release name (a string)")
    versions = _str_tuple(data.get("versions", [version] if version else []), "versions", path)
    if versions and version not in versions:
        raise AdapterUnavailable(f"{path}: versions must list the default build's version "
                                 f"{version!r}" if version else
                                 f"{path}: versions needs the default build's version")
    if version and expectations is None and not out_of_tree:
        # in-tree: suite/expectations/<name>.toml, filtered by the default build's version
        expectations = path.resolve().parents[2] / "suite" / "expectations" / f"{name}.toml"
    if version and expectations is not None:
        expectations = expectations.with_name(f"{expectations.stem}@{version}.toml")
    return Manifest(
        name=name,
        description=str(data.get("description", "")),
        command=command,
        build=_str_tuple(data.get("build", []), "build", path),
        default=bool(data.get("default", False)),
        path=path,
        root=base if out_of_tree else None,
        expectations=expectations,
        version=version,
        versions=versions,
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
        """The manifest of `name` (or of `<name>@<version>`, derived from `name`'s), or
        AdapterUnavailable listing the known ones."""
        found = self.all()
        base, at, version = name.partition("@")
        if at and base in found:
            return found[base].at(version, self.repo_root)
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
