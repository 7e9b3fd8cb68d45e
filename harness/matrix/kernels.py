"""Fetch Debian kernels through a private apt configuration and unpack them into a cache.

Nothing here touches the system's apt sources: a private `apt.conf` (selected with
`APT_CONFIG`) points apt at its own sources list, lists, cache and an empty dpkg status
under `<cache>/apt/`. Packages are fetched with `apt-get download` and unpacked with
`dpkg-deb -x` into `<cache>/kernels/<release>/`; `depmod -b` writes the module index the
package's postinst would have written. A kernel once unpacked is reused without network.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

#: Kernel spec (what `--kernel` takes) -> Debian suite whose `linux-image-amd64` it means.
SUITES: dict[str, str] = {
    "5.10": "bullseye",
    "6.1": "bookworm",
    "6.12": "trixie",
    "sid": "sid",
    "7.x": "sid",
}

MIRROR = "http://deb.debian.org/debian"
KEYRING = "/usr/share/keyrings/debian-archive-keyring.gpg"
#: Refresh the private package lists when they are older than this (seconds).
LISTS_MAX_AGE = 24 * 3600
META_PACKAGE = "linux-image-amd64"


class KernelFetchError(Exception):
    """A kernel could not be resolved, downloaded or unpacked."""

    def __init__(self, spec: str, message: str, output: str = "") -> None:
        super().__init__(f"kernel {spec}: {message}")
        self.spec = spec
        self.output = output


@dataclass(frozen=True)
class Kernel:
    """One unpacked kernel: its `uname -r`, image, config and module tree."""

    spec: str
    release: str
    root: Path
    package: str = ""
    version: str = ""

    @property
    def vmlinuz(self) -> Path:
        """The bootable image, `boot/vmlinuz-<release>`."""
        return self.root / "boot" / f"vmlinuz-{self.release}"

    @property
    def config(self) -> Path:
        """The kernel's own config, `boot/config-<release>` (for `.kconfig` externs)."""
        return self.root / "boot" / f"config-{self.release}"

    @property
    def modules(self) -> Path:
        """The module tree, `lib/modules/<release>`."""
        return self.root / "lib" / "modules" / self.release

    @property
    def major_minor(self) -> tuple[int, int]:
        """(major, minor) parsed from the release, e.g. (5, 10)."""
        m = re.match(r"(\d+)\.(\d+)", self.release)
        return (int(m.group(1)), int(m.group(2))) if m else (0, 0)


def default_cache() -> Path:
    """`$BPFCONFORM_CACHE` or `~/.cache/bpfconform`."""
    env = os.environ.get("BPFCONFORM_CACHE")
    return Path(env) if env else Path.home() / ".cache" / "bpfconform"


@dataclass(frozen=True)
class PrivateApt:
    """An apt configuration of its own under `<root>`: never the system's sources."""

    root: Path
    suites: tuple[str, ...] = ("bullseye", "bookworm", "trixie", "sid")
    mirror: str = MIRROR

    @property
    def conf(self) -> Path:
        """The private apt.conf, handed to apt through `APT_CONFIG`."""
        return self.root / "etc" / "apt.conf"

    def setup(self) -> None:
        """Write the private apt.conf, sources list and empty dpkg status (idempotent)."""
        r = self.root
        for d in ("etc/apt.conf.d", "etc/sources.list.d", "etc/preferences.d",
                  "lists/partial", "cache/archives/partial", "state", "debs"):
            (r / d).mkdir(parents=True, exist_ok=True)
        (r / "state" / "status").touch()
        sources = "".join(
            f"deb [signed-by={KEYRING}] {self.mirror} {s} main\n" for s in self.suites
        )
        _write_if_changed(r / "etc" / "sources.list", sources)
        conf = f"""\
Dir::Etc::Parts "{r}/etc/apt.conf.d";
Dir::Etc::Main "{r}/etc/apt.conf.main";
Dir::Etc::SourceList "{r}/etc/sources.list";
Dir::Etc::SourceParts "{r}/etc/sources.list.d";
Dir::Etc::Preferences "{r}/etc/preferences";
Dir::Etc::PreferencesParts "{r}/etc/preferences.d";
Dir::State "{r}/state";
Dir::State::Lists "{r}/lists";
Dir::State::status "{r}/state/status";
Dir::Cache "{r}/cache";
Dir::Cache::pkgcache "";
Dir::Cache::srcpkgcache "";
APT::Architecture "amd64";
APT::Architectures {{ "amd64"; }};
Acquire::Languages "none";
Acquire::Check-Valid-Until "false";
APT::Sandbox::User "root";
"""
        _write_if_changed(self.conf, conf)

    def env(self) -> dict[str, str]:
        """The environment apt runs in: the private config, no interaction."""
        return {**os.environ, "APT_CONFIG": str(self.conf), "DEBIAN_FRONTEND": "noninteractive"}

    def run(self, spec: str, args: list[str], cwd: Path | None = None) -> str:
        """Run one apt command with the private config; raise KernelFetchError on failure."""
        proc = subprocess.run(args, env=self.env(), cwd=cwd, capture_output=True, text=True,
                              check=False, timeout=900)
        if proc.returncode != 0:
            raise KernelFetchError(spec, f"{' '.join(args)} exited {proc.returncode}",
                                   proc.stdout + proc.stderr)
        return proc.stdout

    def update(self, spec: str, force: bool = False) -> None:
        """`apt-get update` into the private lists, unless they are fresh."""
        self.setup()
        stamp = self.root / "lists" / ".updated"
        if not force and stamp.exists() and time.time() - stamp.stat().st_mtime < LISTS_MAX_AGE:
            return
        self.run(spec, ["apt-get", "-q", "update"])
        stamp.touch()

    def resolve(self, spec: str, suite: str) -> tuple[list[str], str]:
        """The versioned packages making up `linux-image-amd64` of `suite`.

        Up to 6.12 that is one `linux-image-<release>` package; from 7.x Debian splits it
        into `linux-binary-*`, `linux-modules-*` and `linux-base-*`, all followed here.
        """
        out = self.run(spec, ["apt-cache", "show", f"{META_PACKAGE}/{suite}"])
        todo, version = kernel_dependencies(out)
        if not todo:
            raise KernelFetchError(spec, f"no linux-image-*-amd64 dependency in {META_PACKAGE}")
        seen: list[str] = []
        while todo:
            name = todo.pop(0)
            if name in seen:
                continue
            seen.append(name)
            more, _ = kernel_dependencies(
                self.run(spec, ["apt-cache", "show", f"{name}/{suite}"]))
            todo.extend(more)
        return seen, version

    def download(self, spec: str, package: str, suite: str) -> Path:
        """`apt-get download package/suite` into `<root>/debs/`; the .deb's path."""
        debs = self.root / "debs"
        have = sorted(debs.glob(f"{package}_*.deb"))
        if not have:
            self.run(spec, ["apt-get", "-q", "download", f"{package}/{suite}"], cwd=debs)
            have = sorted(debs.glob(f"{package}_*.deb"))
        if not have:
            raise KernelFetchError(spec, f"apt-get download left no {package}_*.deb in {debs}")
        return have[-1]


_KERNEL_PACKAGE = re.compile(r"linux-(image|binary|modules|base)-\d[\w.+~-]*-amd64")


def kernel_dependencies(show_output: str) -> tuple[list[str], str]:
    """From `apt-cache show` output: (versioned kernel packages it depends on, Version).

    Only the first stanza counts (apt-cache lists the candidate first).
    """
    stanza = show_output.strip().split("\n\n")[0]
    fields = dict(
        line.split(": ", 1) for line in stanza.splitlines()
        if ": " in line and not line.startswith(" ")
    )
    names = []
    for alternatives in fields.get("Depends", "").split(","):
        for dep in alternatives.split("|"):
            name = dep.strip().split(" ", 1)[0]
            if _KERNEL_PACKAGE.fullmatch(name):
                names.append(name)
    return names, fields.get("Version", "")


@dataclass(frozen=True)
class KernelCache:
    """`<cache>/kernels/<release>/` trees and `<cache>/kernels/<spec>.release` pointers."""

    cache: Path

    @property
    def kernels(self) -> Path:
        """The folder holding one unpacked tree per release."""
        return self.cache / "kernels"

    def apt(self) -> PrivateApt:
        """The private apt configuration under `<cache>/apt`."""
        return PrivateApt(self.cache / "apt")

    def cached(self, spec: str) -> Kernel | None:
        """The kernel `spec` already unpacked here, or None."""
        pointer = self.kernels / f"{spec}.release"
        release = pointer.read_text().strip() if pointer.exists() else spec
        root = self.kernels / release
        if (root / ".complete").exists():
            meta = (root / ".complete").read_text().split()
            return Kernel(spec, release, root, *[*meta, "", ""][:2])
        return None

    def fetch(self, spec: str, refresh: bool = False) -> Kernel:
        """The kernel for `spec` (`5.10`, `6.1`, `6.12`, `sid`), fetching it if needed."""
        if not refresh:
            hit = self.cached(spec)
            if hit is not None:
                return hit
        suite = SUITES.get(spec)
        if suite is None:
            raise KernelFetchError(spec, f"unknown kernel; known: {', '.join(SUITES)}")
        apt = self.apt()
        apt.update(spec, force=refresh)
        packages, version = apt.resolve(spec, suite)
        debs = [apt.download(spec, p, suite) for p in packages]
        kernel = self.unpack(spec, debs, packages[0], version)
        (self.kernels / f"{spec}.release").write_text(kernel.release + "\n")
        return kernel

    def unpack(self, spec: str, debs: list[Path], package: str = "",
               version: str = "") -> Kernel:
        """`dpkg-deb -x` the packages, normalise the module path, run depmod."""
        self.kernels.mkdir(parents=True, exist_ok=True)
        tmp = self.kernels / f".unpack-{os.getpid()}"
        shutil.rmtree(tmp, ignore_errors=True)
        for deb in debs:
            proc = subprocess.run(["dpkg-deb", "-x", str(deb), str(tmp)], capture_output=True,
                                  text=True, check=False)
            if proc.returncode != 0:
                shutil.rmtree(tmp, ignore_errors=True)
                raise KernelFetchError(spec, f"dpkg-deb -x {deb.name} failed", proc.stderr)
        usr_mods = tmp / "usr" / "lib" / "modules"
        if usr_mods.is_dir():  # merged-/usr packages (trixie on) ship usr/lib/modules
            (tmp / "lib").mkdir(exist_ok=True)
            if not (tmp / "lib" / "modules").exists():
                usr_mods.rename(tmp / "lib" / "modules")
        _boot_from_modules(tmp)
        images = sorted((tmp / "boot").glob("vmlinuz-*"))
        if not images:
            shutil.rmtree(tmp, ignore_errors=True)
            names = ", ".join(d.name for d in debs)
            raise KernelFetchError(spec, f"{names}: no boot/vmlinuz-*")
        release = images[0].name.removeprefix("vmlinuz-")
        proc = subprocess.run(["depmod", "-b", str(tmp), release], capture_output=True,
                              text=True, check=False)
        if proc.returncode != 0:
            shutil.rmtree(tmp, ignore_errors=True)
            raise KernelFetchError(spec, "depmod failed", proc.stderr)
        root = self.kernels / release
        shutil.rmtree(root, ignore_errors=True)
        tmp.rename(root)
        (root / ".complete").write_text(f"{package} {version}\n")
        return Kernel(spec, release, root, package, version)


def link_modules(kernel: Kernel, modules_root: Path = Path("/lib/modules")) -> Path:
    """Make `/lib/modules/<release>` point at the cached tree (virtme-ng looks there).

    An existing real directory (an installed kernel of the same release) is left alone.
    """
    link = modules_root / kernel.release
    modules_root.mkdir(parents=True, exist_ok=True)
    if link.is_symlink():
        if Path(os.readlink(link)) == kernel.modules:
            return link
        link.unlink()
    elif link.exists():
        return link
    link.symlink_to(kernel.modules)
    return link


def _boot_from_modules(root: Path) -> None:
    """7.x packages keep vmlinuz and config in lib/modules/<release>/: link them into boot/."""
    mods = root / "lib" / "modules"
    for image in sorted(mods.glob("*/vmlinuz")) if mods.is_dir() else []:
        release = image.parent.name
        (root / "boot").mkdir(exist_ok=True)
        for name in ("vmlinuz", "config", "System.map"):
            src, dst = image.parent / name, root / "boot" / f"{name}-{release}"
            if src.exists() and not dst.exists():
                dst.symlink_to(Path("..") / "lib" / "modules" / release / name)


def _write_if_changed(path: Path, text: str) -> None:
    if not path.exists() or path.read_text() != text:
        path.write_text(text)
