"""Kernel fetching through the private apt configuration, and unpacking."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from harness.matrix.kernels import (
    Kernel,
    KernelCache,
    KernelFetchError,
    PrivateApt,
    kernel_dependencies,
    link_modules,
)

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
    apt = PrivateApt(tmp_path / "apt")
    apt.setup()
    conf = apt.conf.read_text()
    assert f'Dir::Etc::SourceList "{tmp_path}/apt/etc/sources.list"' in conf
    assert f'Dir::Etc::SourceParts "{tmp_path}/apt/etc/sources.list.d"' in conf
    assert f'Dir::State::status "{tmp_path}/apt/state/status"' in conf
    assert '"/etc/apt' not in conf  # no path under the system's apt directory
    sources = (tmp_path / "apt/etc/sources.list").read_text()
    assert {line.split()[3] for line in sources.splitlines()} == {
        "bullseye", "bookworm", "trixie", "sid"}
    # apt itself sees exactly the private list (apt-config prints the merged config)
    out = subprocess.run(["apt-config", "dump", "Dir::Etc::SourceList"], env=apt.env(),
                         capture_output=True, text=True, check=True).stdout
    assert str(tmp_path) in out


def test_an_unknown_kernel_spec_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(KernelFetchError, match="unknown kernel"):
        KernelCache(tmp_path).fetch("4.19")


def test_the_system_apt_sources_gain_no_other_suite(kernel_510: Kernel) -> None:
    system = " ".join(p.read_text() for p in Path("/etc/apt").glob("sources.list*")
                      if p.is_file())
    system += " ".join(p.read_text() for p in Path("/etc/apt/sources.list.d").glob("*")
                       if p.is_file() and not p.name.endswith("disabled-by-farm"))
    for suite in ("bullseye", "trixie", "sid"):
        assert suite not in system


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
