"""Kernel fetching through the private apt configuration, and unpacking."""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from harness.matrix.kernels import (
    PINS_FILE,
    REFRESH_COMMAND,
    REFRESH_SUITES,
    Kernel,
    KernelCache,
    KernelFetchError,
    KernelPin,
    MirrorError,
    PrivateApt,
    kernel_dependencies,
    link_modules,
    load_pins,
    refresh_pins,
    render_pins,
    resolve_mirror,
    system_mirror,
)
from harness.run.runner import REPO_ROOT

MIRROR = "http://mirror.invalid/debian"

SHOW_612 = """Package: linux-image-amd64
Version: 6.12.117-1
Depends: linux-image-6.12.117+deb13-amd64 (= 6.12.117-1)

Package: linux-image-amd64
Version: 6.12.110-1
Depends: linux-image-6.12.110+deb13-amd64 (= 6.12.110-1)
"""
SHOW_7X = """Package: linux-image-7.2.13+deb14-amd64
Version: 7.2.13-1
Depends: dracut | initramfs-tools (>= 0.120+deb8u2) | linux-initramfs-tool, """ \
    """linux-base-7.2.13+deb14-amd64 (= 7.2.13-1), linux-binary-7.2.13+deb14-amd64 """ \
    """(= 7.2.13-1), linux-modules-7.2.13+deb14-amd64 (= 7.2.13-1)
"""


def test_the_candidate_stanza_names_the_versioned_image_package() -> None:
    assert kernel_dependencies(SHOW_612) == (["linux-image-6.12.117+deb13-amd64"], "6.12.117-1")


def test_split_7x_packages_are_all_followed() -> None:
    names, _ = kernel_dependencies(SHOW_7X)
    assert names == ["linux-base-7.2.13+deb14-amd64", "linux-binary-7.2.13+deb14-amd64",
                     "linux-modules-7.2.13+deb14-amd64"]


def test_private_apt_config_never_names_the_system_sources(tmp_path: Path) -> None:
    apt = PrivateApt(tmp_path / "apt", MIRROR)
    apt.setup()
    conf = apt.conf.read_text()
    assert f'Dir::Etc::SourceList "{tmp_path}/apt/etc/sources.list"' in conf
    assert f'Dir::Etc::SourceParts "{tmp_path}/apt/etc/sources.list.d"' in conf
    assert f'Dir::State::status "{tmp_path}/apt/state/status"' in conf
    assert '"/etc/apt' not in conf  # no path under the system's apt directory
    sources = (tmp_path / "apt/etc/sources.list").read_text()
    assert [line.split()[3] for line in sources.splitlines()] == list(REFRESH_SUITES)
    assert {line.split()[2] for line in sources.splitlines()} == {MIRROR}
    # apt itself sees exactly the private list (apt-config prints the merged config)
    out = subprocess.run(["apt-config", "dump", "Dir::Etc::SourceList"], env=apt.env(),
                         capture_output=True, text=True, check=True).stdout
    assert str(tmp_path) in out


def test_an_unknown_kernel_spec_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(KernelFetchError, match="unknown kernel"):
        KernelCache(tmp_path).fetch("4.19")


def test_the_system_apt_sources_are_untouched_by_a_fetch(
        kernel_510: Kernel, system_sources: str, current_sources: str) -> None:
    assert kernel_510.version == load_pins()["5.10"].version
    assert current_sources == system_sources


def test_the_510_kernel_is_fetched_and_unpacked_with_image_config_and_modules(
        kernel_510: Kernel) -> None:
    assert kernel_510.release.startswith("5.10.")
    assert kernel_510.vmlinuz.is_file()
    assert "CONFIG_DEBUG_INFO_BTF=y" in kernel_510.config.read_text()
    assert (kernel_510.modules / "modules.dep").is_file()  # depmod ran
    assert list(kernel_510.modules.rglob("9pnet_virtio.ko*"))  # plain -amd64 flavour
    assert Path("/lib/modules", kernel_510.release).resolve() == kernel_510.modules.resolve()


def test_a_cached_deb_unpacks_again_into_a_fresh_cache(kernel_510: Kernel, tmp_path: Path,
                                                       kernel_cache: KernelCache) -> None:
    debs = sorted((kernel_cache.cache / "apt" / "debs").glob(f"{kernel_510.package}_*.deb"))
    assert debs, "the fetch left its .deb in the private apt cache"
    fresh = KernelCache(tmp_path).unpack("5.10", debs[-1:], kernel_510.package)
    assert fresh.release == kernel_510.release
    assert (fresh.modules / "modules.dep").is_file()
    again = KernelCache(tmp_path).cached(fresh.release)
    assert again is not None and (again.root, again.package) == (fresh.root, fresh.package)


def test_link_modules_leaves_a_real_directory_alone(tmp_path: Path) -> None:
    k = Kernel("x", "9.9.9-amd64", tmp_path / "k")
    (tmp_path / "mods" / "9.9.9-amd64").mkdir(parents=True)
    link = link_modules(k, tmp_path / "mods")
    assert link.is_dir() and not link.is_symlink()
    other = Kernel("x", "9.9.8-amd64", tmp_path / "k")
    assert link_modules(other, tmp_path / "mods").readlink() == other.modules


# --- the mirror is the machine's own -------------------------------------------------

def etc(tmp_path: Path, main: str = "", **parts: str) -> Path:
    d = tmp_path / "etc-apt"
    (d / "sources.list.d").mkdir(parents=True)
    if main:
        (d / "sources.list").write_text(main)
    for name, text in parts.items():
        (d / "sources.list.d" / name.replace("_", ".")).write_text(text)
    return d


def test_the_mirror_is_the_first_debian_uri_of_the_deb822_sources(tmp_path: Path) -> None:
    d = etc(tmp_path,
            a_sources="Types: deb\nURIs: https://nodes.example/node_20.x\nSuites: nodistro\n"
                      "Components: main\n",
            b_sources="Types: deb-src\nURIs: http://src.example/debian\nSuites: bookworm\n\n"
                      "Types: deb\nEnabled: no\nURIs: http://off.example/debian\n"
                      "Suites: bookworm\n\n"
                      "Types: deb\n# http://snapshot.example/archive/debian/2025\n"
                      "URIs: http://sec.example/debian-security\nSuites: bookworm-security\n\n"
                      "Types: deb\nURIs: http://mine.example/debian/\n"
                      "Suites: bookworm bookworm-updates\nComponents: main\n")
    assert system_mirror(d) == "http://mine.example/debian"


def test_sources_list_comes_before_the_parts_and_its_options_are_skipped(
        tmp_path: Path) -> None:
    d = etc(tmp_path,
            main="# deb http://commented.example/debian bookworm main\n"
                 "deb https://cloud.example/apt cloud-sdk-bookworm main\n"
                 "deb [ arch=amd64 signed-by=/k.gpg ] http://one.example/debian trixie main\n",
            z_list="deb http://two.example/debian bookworm main\n")
    assert system_mirror(d) == "http://one.example/debian"
    assert system_mirror(etc(tmp_path / "empty")) is None


def test_option_then_environment_then_apt(tmp_path: Path) -> None:
    d = etc(tmp_path, main="deb http://apt.example/debian sid main\n")
    env = {"BPFCONFORM_MIRROR": "http://env.example/debian/"}
    assert resolve_mirror("http://opt.example/debian", env, d) == "http://opt.example/debian"
    assert resolve_mirror(None, env, d) == "http://env.example/debian"
    assert resolve_mirror(None, {}, d) == "http://apt.example/debian"
    with pytest.raises(MirrorError, match="pass --mirror URI or set BPFCONFORM_MIRROR"):
        resolve_mirror(None, {}, etc(tmp_path / "none"))


def test_the_project_code_names_no_mirror_host() -> None:
    host = "debian" + ".org"
    files = [*(REPO_ROOT / "harness" / "matrix").glob("*.py"),
             REPO_ROOT / "harness" / "commands" / "matrix.py",
             *(REPO_ROOT / "tests" / "matrix").glob("*.py"),
             REPO_ROOT / "harness" / "matrix" / "kernels.toml", REPO_ROOT / "bench" / "matrix.py",
             REPO_ROOT / "docs" / "ci.md"]
    assert [f.name for f in files if host in f.read_text()] == []


# --- pinned kernels -------------------------------------------------------------------

def test_the_pinned_list_has_the_four_kernels_at_exact_versions() -> None:
    pins = load_pins()
    assert {"5.10", "6.1", "6.12", "sid"} <= set(pins)
    for pin in pins.values():
        assert pin.version and pin.packages[0].startswith("linux-image-")
        assert pin.id in (pin.series, "sid")
    assert len({p.series for p in pins.values()}) == len(pins)  # one per distinct series
    assert pins["5.10"].suite == "bullseye" and pins["5.10"].series == "5.10"


def test_render_and_load_round_trip(tmp_path: Path) -> None:
    pins = [KernelPin("6.1", "bookworm", "6.1.176-1", ("linux-image-6.1.0-50-amd64",)),
            KernelPin("sid", "sid", "7.2.13-1", ("linux-image-7.2.13+deb14-amd64",
                                                  "linux-modules-7.2.13+deb14-amd64"))]
    path = tmp_path / "k.toml"
    path.write_text(render_pins(pins, ["experimental: same series"]))
    assert list(load_pins(path).values()) == pins
    assert "# experimental: same series" in path.read_text()


@dataclass(frozen=True)
class FakeApt(PrivateApt):
    """apt-cache answers from a table; no network, no apt."""

    shows: dict[str, str] = field(default_factory=dict)
    calls: list[list[str]] = field(default_factory=list)

    def run(self, spec: str, args: list[str], cwd: Path | None = None) -> str:
        self.calls.append(args)
        if args[:2] == ["apt-get", "-q"] and args[-1] == "update":
            return ""
        if args[:2] == ["apt-cache", "show"] and args[2] in self.shows:
            return self.shows[args[2]]
        raise KernelFetchError(spec, f"{' '.join(args)} exited 100", "E: not found")


def meta(version: str, image: str) -> str:
    return f"Package: linux-image-amd64\nVersion: {version}\nDepends: {image} (= {version})\n"


def image(name: str, version: str) -> str:
    return f"Package: {name}\nVersion: {version}\nDepends: kmod\n"


def test_refresh_pins_one_kernel_per_distinct_series(tmp_path: Path) -> None:
    served = {"bookworm": ("6.1.176-1", "linux-image-6.1.0-50-amd64"),
              "trixie": ("6.12.117-1", "linux-image-6.12.117+deb13-amd64"),
              "sid": ("7.2.13-1", "linux-image-7.2.13+deb14-amd64"),
              "trixie-backports": ("7.3.4-1~bpo13+1", "linux-image-7.3.4+deb13-amd64"),
              "bookworm-backports": ("6.12.95-1~bpo12+1", "linux-image-6.12.95+deb12-amd64"),
              "experimental": ("7.4~rc1-1~exp1", "linux-image-7.4-amd64")}
    shows = {}
    for suite, (version, name) in served.items():
        shows[f"linux-image-amd64/{suite}"] = meta(version, name)
        shows[f"{name}/{suite}"] = image(name, version)
    found = refresh_pins(FakeApt(tmp_path, MIRROR, shows=shows))
    assert [(p.id, p.suite, p.version) for p in found.pins] == [
        ("6.1", "bookworm", "6.1.176-1"), ("6.12", "trixie", "6.12.117-1"),
        ("sid", "sid", "7.2.13-1"), ("7.3", "trixie-backports", "7.3.4-1~bpo13+1"),
        ("7.4", "experimental", "7.4~rc1-1~exp1")]
    assert found.notes[0].startswith("bullseye: no kernel")
    assert "series 6.12 already pinned as 6.12" in found.notes[1]


def test_a_pin_the_mirror_no_longer_serves_names_the_kernel_and_the_refresh(
        tmp_path: Path) -> None:
    pins = tmp_path / "k.toml"
    pins.write_text(render_pins([KernelPin("6.1", "bookworm", "6.1.1-1",
                                           ("linux-image-6.1.0-1-amd64",))]))
    apt = FakeApt(tmp_path / "apt", MIRROR)

    class Cache(KernelCache):
        def apt(self, spec: str = "") -> PrivateApt:
            return apt

    with pytest.raises(KernelFetchError) as err:
        Cache(tmp_path, pins=pins).fetch("6.1")
    message = str(err.value)
    assert message.startswith("kernel 6.1: pinned linux-image-6.1.0-1-amd64=6.1.1-1")
    assert f"run `{REFRESH_COMMAND}`" in message and MIRROR in message
    assert ["apt-get", "-q", "update"] in apt.calls
    with pytest.raises(KernelFetchError, match=r"unknown kernel; known .*: 6\.1"):
        Cache(tmp_path, pins=pins).fetch("5.10")


def test_a_pinned_kernel_whose_debs_are_cached_needs_no_mirror(
        kernel_510: Kernel, kernel_cache: KernelCache, tmp_path: Path) -> None:
    pin = load_pins()["5.10"]
    debs = tmp_path / "apt" / "debs"
    debs.mkdir(parents=True)
    for name in pin.packages:
        deb = next((kernel_cache.cache / "apt" / "debs").glob(f"{name}_{pin.version}_*.deb"))
        shutil.copy(deb, debs)

    class NoMirror(KernelCache):
        def apt(self, spec: str = "") -> PrivateApt:
            raise AssertionError("the mirror was asked for a kernel whose .debs are cached")

    got = NoMirror(tmp_path).fetch("5.10")
    assert (got.release, got.version) == (kernel_510.release, pin.version)
    assert NoMirror(tmp_path).cached("5.10", pin) == got
    other = KernelPin("5.10", "bullseye", "5.10.1-1", pin.packages)
    assert NoMirror(tmp_path).cached("5.10", other) is None  # another version: not a hit


def test_the_repo_pins_file_is_the_default() -> None:
    assert KernelCache(Path("/nonexistent")).pins == PINS_FILE


def test_a_kernel_image_of_ones_own_is_read_by_its_boot_header(
        kernel_510: Kernel, tmp_path: Path) -> None:
    from harness.matrix.kernels import KernelImageError, image_release, local_kernel

    image = tmp_path / "bzImage"  # any name: the release comes from the image itself
    shutil.copyfile(kernel_510.vmlinuz, image)
    assert image_release(image) == kernel_510.release
    local = local_kernel(image, kernel_510.modules, tmp_path / "cache")
    assert local.release == kernel_510.release
    assert local.vmlinuz.resolve() == image.resolve()
    assert local.modules.resolve() == kernel_510.modules.resolve()
    assert local_kernel(image, None, tmp_path / "cache2").modules.is_dir()  # built-in drivers
    not_a_kernel = tmp_path / "notes.txt"
    not_a_kernel.write_text("hello")
    with pytest.raises(KernelImageError, match="not an x86 bzImage"):
        image_release(not_a_kernel)
