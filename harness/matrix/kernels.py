"""Fetch pinned Debian kernels through a private apt configuration into a cache.

Which kernels exist is `kernels.toml` beside this file: each kernel id (what `--kernel`
takes) names its Debian suite, its versioned packages and their exact version, so a run is
reproducible and a new Debian upload changes nothing until `bpfconform matrix
--refresh-kernels` rewrites the file from the mirror.

The mirror is the machine's own: `--mirror URI`, else `$BPFCONFORM_MIRROR`, else the first
Debian URI of the system's apt sources (`/etc/apt/sources.list`, then
`/etc/apt/sources.list.d/*.list|*.sources` in apt's order). The code names no mirror host.

Nothing here touches the system's apt sources: a private `apt.conf` (selected with
`APT_CONFIG`) points apt at its own sources list, lists, cache and an empty dpkg status
under `<cache>/apt/`. Packages are fetched with `apt-get download NAME=VERSION` and
unpacked with `dpkg-deb -x` into `<cache>/kernels/<release>/`; `depmod -b` writes the
module index the package's postinst would have written. A kernel once unpacked (or whose
.deb files are still in the private apt cache) is reused without network, even after the
mirror dropped its version: that is the only fallback (no snapshot archive).
"""

from __future__ import annotations

import os
import re
import shutil
import struct
import subprocess
import time
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

#: The pinned kernel list (`--kernels-file` overrides it).
PINS_FILE = Path(__file__).resolve().with_name("kernels.toml")
#: Suites `--refresh-kernels` reads, in this order; a suite whose kernel series an earlier
#: suite already has adds no kernel (it is listed as a comment in kernels.toml).
REFRESH_SUITES: tuple[str, ...] = (
    "bullseye", "bookworm", "trixie", "sid",
    "trixie-backports", "bookworm-backports", "experimental",
)
#: Suites whose kernel id is the suite's name (it moves from series to series); every
#: other suite's id is its kernel series, `major.minor`.
ROLLING_IDS: Mapping[str, str] = {"sid": "sid"}
REFRESH_COMMAND = "bpfconform matrix --refresh-kernels"
MIRROR_ENV = "BPFCONFORM_MIRROR"
APT_ETC = Path("/etc/apt")
KEYRING = "/usr/share/keyrings/debian-archive-keyring.gpg"
#: Refresh the private package lists when they are older than this (seconds).
LISTS_MAX_AGE = 24 * 3600
META_PACKAGE = "linux-image-amd64"
#: Debian code names and aliases: a sources entry with one of these suites (or its
#: -updates/-backports variant) is a Debian archive.
DEBIAN_SUITES = frozenset({
    "buster", "bullseye", "bookworm", "trixie", "forky", "duke", "sid", "experimental",
    "oldoldstable", "oldstable", "stable", "testing", "unstable",
})


class MirrorError(Exception):
    """No Debian mirror is configured (no option, no environment, nothing in apt)."""


class PinsError(Exception):
    """kernels.toml is missing or malformed."""


@dataclass(frozen=True)
class KernelPin:
    """One entry of kernels.toml: a kernel id and exactly what it installs."""

    id: str
    suite: str
    version: str
    packages: tuple[str, ...]

    @property
    def series(self) -> str:
        """`major.minor` of the version (`7.3~rc7-1~exp1` -> `7.3`)."""
        return series_of(self.version)


def series_of(version: str) -> str:
    """`major.minor` of a Debian kernel version, or the version itself."""
    m = re.match(r"(\d+)\.(\d+)", version)
    return f"{m.group(1)}.{m.group(2)}" if m else version


def load_pins(path: Path = PINS_FILE) -> dict[str, KernelPin]:
    """The kernels of kernels.toml, in file order."""
    try:
        data = tomllib.loads(path.read_text())
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise PinsError(f"{path}: {exc}") from exc
    table = data.get("kernel")
    if not isinstance(table, dict) or not table:
        raise PinsError(f"{path}: no [kernel.<id>] tables")
    pins: dict[str, KernelPin] = {}
    for kid, entry in table.items():
        ok = (isinstance(entry, dict) and isinstance(entry.get("suite"), str)
              and isinstance(entry.get("version"), str)
              and isinstance(entry.get("packages"), list) and entry["packages"]
              and all(isinstance(x, str) for x in entry["packages"]))
        if not ok:
            raise PinsError(f"{path}: [kernel.\"{kid}\"] needs suite, version and a "
                            "non-empty packages list")
        pins[kid] = KernelPin(kid, entry["suite"], entry["version"], tuple(entry["packages"]))
    return pins


def _q(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def render_pins(pins: Sequence[KernelPin], notes: Sequence[str] = ()) -> str:
    """kernels.toml text for `pins`; `notes` become comment lines (suites not pinned)."""
    lines = [
        "# Debian kernels of `bpfconform matrix --kernel ID`, pinned to exact package versions",
        f"# so a run is reproducible. Rewritten from the mirror by `{REFRESH_COMMAND}`",
        "# (one kernel per distinct series; a suite whose series an earlier one has is noted",
        "# below, not pinned). A version the mirror no longer serves is an error naming this",
        "# command; a kernel already in ~/.cache/bpfconform still runs without the mirror.",
    ]
    lines += [f"# {n}" for n in notes]
    for pin in pins:
        pkgs = ", ".join(_q(p) for p in pin.packages)
        lines += ["", f"[kernel.{_q(pin.id)}]", f"suite = {_q(pin.suite)}",
                  f"version = {_q(pin.version)}", f"packages = [{pkgs}]"]
    return "\n".join(lines) + "\n"


def _sources_files(etc: Path) -> list[Path]:
    """The system's sources files in apt's order: sources.list, then the parts by name."""
    files = [etc / "sources.list"]
    parts = etc / "sources.list.d"
    if parts.is_dir():
        files += sorted(p for p in parts.iterdir()
                        if p.suffix in (".list", ".sources") and p.is_file())
    return [f for f in files if f.is_file()]


def _one_line_entries(text: str) -> list[tuple[str, list[str]]]:
    """(URI, [suite]) of each `deb` line of a one-line-style sources file."""
    out = []
    for raw in text.splitlines():
        tokens = raw.split("#", 1)[0].split()
        if len(tokens) < 3 or tokens[0] != "deb":
            continue
        rest = tokens[1:]
        if rest[0].startswith("["):  # options: [ arch=amd64 signed-by=... ]
            while rest and not rest[0].endswith("]"):
                rest = rest[1:]
            rest = rest[1:]
        if len(rest) >= 2:
            out.append((rest[0], [rest[1]]))
    return out


def _deb822_entries(text: str) -> list[tuple[str, list[str]]]:
    """(URI, suites) of each enabled `Types: deb` stanza of a deb822 `.sources` file."""
    out = []
    lines = [ln for ln in text.splitlines() if not ln.lstrip().startswith("#")]
    for stanza in "\n".join(lines).split("\n\n"):
        fields: dict[str, str] = {}
        key = ""
        for ln in stanza.splitlines():
            if ln[:1] in (" ", "\t") and key:
                fields[key] += " " + ln.strip()
            elif ":" in ln:
                key, value = ln.split(":", 1)
                key = key.strip().lower()
                fields[key] = value.strip()
        if "deb" not in fields.get("types", "").split():
            continue
        if fields.get("enabled", "yes").lower() in ("no", "false", "0"):
            continue
        uris, suites = fields.get("uris", "").split(), fields.get("suites", "").split()
        if uris and suites:
            out.append((uris[0], suites))
    return out


def _is_debian_suite(suite: str) -> bool:
    base = re.sub(r"-(updates|backports|backports-sloppy|proposed-updates)$", "", suite)
    return base in DEBIAN_SUITES


def system_mirror(etc: Path = APT_ETC) -> str | None:
    """The first Debian archive URI of the system's apt sources (security archives are
    skipped: they carry no kernel of every suite), or None."""
    for path in _sources_files(etc):
        try:
            text = path.read_text()
        except OSError:
            continue
        entries = (_deb822_entries(text) if path.suffix == ".sources"
                   else _one_line_entries(text))
        for uri, suites in entries:
            if any(_is_debian_suite(s) for s in suites) and not any(
                    s.endswith("-security") or "/updates" in s for s in suites):
                return uri.rstrip("/")
    return None


def resolve_mirror(option: str | None = None, environ: Mapping[str, str] | None = None,
                   etc: Path = APT_ETC) -> str:
    """`--mirror`, else `$BPFCONFORM_MIRROR`, else the system's first Debian URI."""
    env = os.environ if environ is None else environ
    for chosen in (option, env.get(MIRROR_ENV)):
        if chosen:
            return chosen.rstrip("/")
    found = system_mirror(etc)
    if found is None:
        raise MirrorError(
            f"no Debian mirror: none in {etc}/sources.list or {etc}/sources.list.d/; "
            f"pass --mirror URI or set {MIRROR_ENV}")
    return found


def mirror_address(mirror: str) -> tuple[str, int]:
    """(host, port) a mirror URI is reached at (for a reachability check)."""
    parts = urlsplit(mirror)
    if not parts.hostname:
        raise MirrorError(f"mirror {mirror!r} names no host")
    default = 443 if parts.scheme == "https" else 80
    return parts.hostname, parts.port or default


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
    mirror: str
    suites: tuple[str, ...] = REFRESH_SUITES

    @property
    def conf(self) -> Path:
        """The private apt.conf, handed to apt through `APT_CONFIG`."""
        return self.root / "etc" / "apt.conf"

    def sources(self) -> str:
        """The private sources.list: every suite of `suites` from `mirror`."""
        return "".join(
            f"deb [signed-by={KEYRING}] {self.mirror} {s} main\n" for s in self.suites)

    def setup(self) -> None:
        """Write the private apt.conf, sources list and empty dpkg status (idempotent)."""
        r = self.root
        for d in ("etc/apt.conf.d", "etc/sources.list.d", "etc/preferences.d",
                  "lists/partial", "cache/archives/partial", "state", "debs"):
            (r / d).mkdir(parents=True, exist_ok=True)
        (r / "state" / "status").touch()
        _write_if_changed(r / "etc" / "sources.list", self.sources())
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

    def update(self, spec: str, force: bool = False, strict: bool = False) -> None:
        """`apt-get update` into the private lists, unless they are fresh and of the same
        sources (another mirror or suite list means new lists). `strict`: a suite whose
        index cannot be fetched fails the update (apt would keep its old list)."""
        self.setup()
        stamp = self.root / "lists" / ".updated"
        fresh = (stamp.exists() and time.time() - stamp.stat().st_mtime < LISTS_MAX_AGE
                 and stamp.read_text() == self.sources())
        if not force and fresh:
            return
        self.run(spec, ["apt-get", "-q", *(["--error-on=any"] if strict else []), "update"])
        stamp.write_text(self.sources())

    def show(self, spec: str, what: str) -> str:
        """`apt-cache show WHAT` (`name/suite` or `name=version`)."""
        return self.run(spec, ["apt-cache", "show", what])

    def serves(self, spec: str, package: str, version: str) -> bool:
        """Whether the private lists have `package` at exactly `version`."""
        try:
            self.show(spec, f"{package}={version}")
        except KernelFetchError:
            return False
        return True

    def resolve(self, spec: str, suite: str) -> tuple[list[str], str]:
        """The versioned packages making up `linux-image-amd64` of `suite`, and their
        version (all of them share it: one source package).

        Up to 6.12 that is one `linux-image-<release>` package; from 7.x Debian splits it
        into `linux-binary-*`, `linux-modules-*` and `linux-base-*`, all followed here.
        """
        todo, _ = kernel_dependencies(self.show(spec, f"{META_PACKAGE}/{suite}"))
        if not todo:
            raise KernelFetchError(spec, f"no linux-image-*-amd64 dependency in {META_PACKAGE}")
        seen: list[str] = []
        versions: set[str] = set()
        while todo:
            name = todo.pop(0)
            if name in seen:
                continue
            seen.append(name)
            more, version = kernel_dependencies(self.show(spec, f"{name}/{suite}"))
            versions.add(version)
            todo.extend(more)
        if len(versions) != 1:
            raise KernelFetchError(spec, f"{suite}: the kernel packages {', '.join(seen)} "
                                         f"have several versions {sorted(versions)}")
        return seen, versions.pop()

    def local_deb(self, package: str, version: str) -> Path | None:
        """The .deb of `package` at `version` already in `<root>/debs/`, if any."""
        return local_deb(self.root / "debs", package, version)

    def download(self, spec: str, package: str, version: str) -> Path:
        """`apt-get download package=version` into `<root>/debs/`; the .deb's path."""
        have = self.local_deb(package, version)
        if have is None:
            debs = self.root / "debs"
            debs.mkdir(parents=True, exist_ok=True)
            self.run(spec, ["apt-get", "-q", "download", f"{package}={version}"], cwd=debs)
            have = self.local_deb(package, version)
        if have is None:
            raise KernelFetchError(spec, f"apt-get download left no {package}_{version}_*.deb")
        return have


def local_deb(debs: Path, package: str, version: str) -> Path | None:
    """The .deb of `package` at `version` in `debs` (apt writes an epoch's `:` as %3a)."""
    have = sorted(debs.glob(f"{package}_{version.replace(':', '%3a')}_*.deb"))
    return have[-1] if have else None


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
class Refreshed:
    """What `--refresh-kernels` found: the new pins and one note per suite not pinned."""

    pins: list[KernelPin]
    notes: list[str] = field(default_factory=list)


def refresh_pins(apt: PrivateApt, suites: Sequence[str] = REFRESH_SUITES) -> Refreshed:
    """One pin per distinct kernel series the mirror serves, suites read in order.

    A suite's id is its series (`6.12`), or its name for a rolling suite (`sid`). A suite
    without a kernel, or whose series an earlier suite has, becomes a note.
    """
    apt.update("refresh", force=True, strict=True)
    out = Refreshed([])
    for suite in suites:
        try:
            packages, version = apt.resolve(suite, suite)
        except KernelFetchError as exc:
            out.notes.append(f"{suite}: no kernel ({exc})")
            continue
        series = series_of(version)
        same = next((p for p in out.pins if p.series == series), None)
        if same is not None:
            out.notes.append(f"{suite}: {packages[0]} {version}, series {series} "
                             f"already pinned as {same.id}")
            continue
        out.pins.append(KernelPin(ROLLING_IDS.get(suite, series), suite, version,
                                  tuple(packages)))
    if not out.pins:
        raise KernelFetchError("refresh", f"the mirror {apt.mirror} serves no kernel of "
                                          f"{', '.join(suites)}")
    return out


@dataclass(frozen=True)
class KernelCache:
    """`<cache>/kernels/<release>/` trees and `<cache>/kernels/<id>.release` pointers, for
    the kernels pinned in `pins` fetched from `mirror` (None: see resolve_mirror)."""

    cache: Path
    mirror: str | None = None
    pins: Path = PINS_FILE

    @property
    def kernels(self) -> Path:
        """The folder holding one unpacked tree per release."""
        return self.cache / "kernels"

    def apt(self, spec: str = "") -> PrivateApt:
        """The private apt configuration under `<cache>/apt`, on the resolved mirror."""
        try:
            mirror = resolve_mirror(self.mirror)
        except MirrorError as exc:
            raise KernelFetchError(spec or "-", str(exc)) from exc
        return PrivateApt(self.cache / "apt", mirror)

    def pin(self, spec: str) -> KernelPin:
        """The kernels.toml entry of `spec`."""
        try:
            pins = load_pins(self.pins)
        except PinsError as exc:
            raise KernelFetchError(spec, str(exc)) from exc
        if spec not in pins:
            raise KernelFetchError(spec, f"unknown kernel; known (in {self.pins}): "
                                         f"{', '.join(pins)}")
        return pins[spec]

    def cached(self, spec: str, pin: KernelPin | None = None) -> Kernel | None:
        """The kernel `spec` already unpacked here (at the pinned version if `pin`), or None."""
        pointer = self.kernels / f"{spec}.release"
        release = pointer.read_text().strip() if pointer.exists() else spec
        root = self.kernels / release
        if not (root / ".complete").exists():
            return None
        package, version = [*(root / ".complete").read_text().split(), "", ""][:2]
        if pin is not None and (package, version) != (pin.packages[0], pin.version):
            return None
        return Kernel(spec, release, root, package, version)

    def fetch(self, spec: str) -> Kernel:
        """The pinned kernel `spec`: from the cache, the cached .debs, or the mirror."""
        pin = self.pin(spec)
        hit = self.cached(spec, pin)
        if hit is not None:
            return hit
        local = [local_deb(self.cache / "apt" / "debs", p, pin.version) for p in pin.packages]
        if None in local:
            apt = self.apt(spec)
            apt.update(spec)
            if not all(apt.serves(spec, p, pin.version) for p in pin.packages):
                apt.update(spec, force=True)  # the lists may predate the pinned upload
            gone = [p for p in pin.packages if not apt.serves(spec, p, pin.version)]
            if gone:
                raise KernelFetchError(
                    spec, f"pinned {gone[0]}={pin.version} ({pin.suite}) is not served by "
                          f"{apt.mirror} any more; run `{REFRESH_COMMAND}` to pin what it "
                          f"serves now (this kernel's .deb files are not in {apt.root}/debs "
                          "either)")
            local = [apt.download(spec, p, pin.version) for p in pin.packages]
        debs = [d for d in local if d is not None]
        kernel = self.unpack(spec, debs, pin.packages[0], pin.version)
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


class KernelImageError(Exception):
    """A `--kernel PATH` that is no bootable x86 kernel image (bzImage) or lacks a version."""


def image_release(image: Path) -> str:
    """The `uname -r` of an x86 bzImage, read from its boot header (Documentation/arch/x86/
    boot.rst: "HdrS" at 0x202, kernel_version at 0x20e points 0x200 before the version
    string, whose first word is the release)."""
    try:
        with image.open("rb") as fh:
            head = fh.read(0x10000)
    except OSError as exc:
        raise KernelImageError(f"{image}: {exc}") from exc
    if len(head) < 0x210 or head[0x202:0x206] != b"HdrS":
        raise KernelImageError(f"{image}: not an x86 bzImage (no HdrS boot header)")
    (pointer,) = struct.unpack_from("<H", head, 0x20E)
    text = head[pointer + 0x200:pointer + 0x200 + 256].split(b"\0", 1)[0]
    release = text.decode("ascii", "replace").split(" ", 1)[0]
    if not pointer or not release or "/" in release:
        raise KernelImageError(f"{image}: the boot header names no kernel version")
    return release


def local_kernel(image: Path, modules: Path | None, cache: Path) -> Kernel:
    """A kernel the user built or downloaded (`--kernel PATH`, `--modules DIR`): a tree under
    `cache/local/<release>` whose boot/vmlinuz-<release> and lib/modules/<release> link to
    them, so it boots like a pinned Debian kernel. Without `--modules` the module tree is
    empty: the image must have 9p/virtio built in."""
    release = image_release(image)
    root = cache / "local" / release
    boot = root / "boot"
    mods = root / "lib" / "modules"
    boot.mkdir(parents=True, exist_ok=True)
    mods.mkdir(parents=True, exist_ok=True)
    for link, target in ((boot / f"vmlinuz-{release}", image.resolve()),
                         (mods / release, modules.resolve() if modules else None)):
        if link.is_symlink() or link.is_file():
            link.unlink()
        elif link.is_dir():
            shutil.rmtree(link)
        if target is None:
            link.mkdir()
        else:
            link.symlink_to(target)
    return Kernel(str(image), release, root, package=str(image))


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
