"""Real boots of the bullseye 5.10 kernel under qemu TCG (one VM at a time)."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.matrix.kernels import Kernel
from harness.matrix.vm import VmConfig, boot


def test_a_510_guest_runs_a_command_and_returns_a_file_and_its_exit_code(
        kernel_510: Kernel, share: Path) -> None:
    script = f"uname -r > {share}/release; mount | grep -c ' type bpf ' > {share}/bpffs\n" \
             f"cat /boot/config-$(uname -r) | grep -c CONFIG_BPF_SYSCALL=y > {share}/config\n" \
             "exit 7\n"
    result = boot(kernel_510, script, share, VmConfig(timeout=180))
    assert result.ok, f"{result.reason}\n{result.console_tail}"
    assert result.exit_code == 7
    assert (share / "release").read_text().strip() == kernel_510.release
    assert (share / "bpffs").read_text().strip() == "1"  # bpffs mounted
    assert (share / "config").read_text().strip() == "1"  # the kernel's own config
    assert result.boot_seconds is not None and 0 < result.boot_seconds < result.wall_seconds


def test_a_kernel_that_cannot_boot_ends_as_a_panic_with_its_console(kernel_510: Kernel,
                                                                    share: Path) -> None:
    # no initramfs init: the kernel cannot mount a root and panics (panic=-1, -no-reboot)
    result = boot(kernel_510, "true\n", share,
                  VmConfig(timeout=180, append=("rdinit=/bogus",)))
    assert not result.ok
    assert result.exit_code is None and result.boot_seconds is None
    assert result.reason == "kernel panic"
    assert "Kernel panic" in result.console_tail


def test_a_guest_past_its_timeout_is_killed_and_reported(kernel_510: Kernel,
                                                         share: Path) -> None:
    result = boot(kernel_510, "sleep 600\n", share, VmConfig(timeout=3))
    assert not result.ok
    assert result.reason is not None and result.reason.startswith("timeout after 3 s")
    assert result.wall_seconds < 30


def test_a_missing_vng_is_a_failed_boot_not_a_crash(kernel_510: Kernel, share: Path) -> None:
    result = boot(kernel_510, "true\n", share, VmConfig(vng="/nonexistent/vng"))
    assert not result.ok
    assert result.reason is not None and result.reason.startswith("cannot start /nonexistent")


def test_two_lock_slots_let_two_guests_run_and_hold_back_a_third(tmp_path: Path) -> None:
    import fcntl

    from harness.matrix.vm import _vm_slot

    lock = tmp_path / "vm.lock"
    with _vm_slot(lock, 2), _vm_slot(lock, 2):
        for path in (lock, tmp_path / "vm.lock.1"):  # both slots are held now
            with path.open("a") as f, pytest.raises(BlockingIOError):
                fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
    with lock.open("a") as f:  # released on exit
        fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
