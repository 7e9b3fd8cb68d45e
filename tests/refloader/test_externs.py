"""Externs against the running kernel: .kconfig values, ksyms, kfuncs, weak and strong."""

from __future__ import annotations

import pytest
from refloader.errors import LoaderError
from refloader.externs import KernelFacts
from refloader.kernel import kernel_facts, kernel_version
from refloader.loader import open_object
from refloader_helpers import Compile

KCONFIG = r"""
extern unsigned int LINUX_KERNEL_VERSION __kconfig;
extern bool CONFIG_BPF_SYSCALL __kconfig;
extern enum libbpf_tristate { TRI_NO = 0, TRI_YES = 1, TRI_MODULE = 2 } CONFIG_BPF_JIT __kconfig;
extern int CONFIG_CONFORM_NO_SUCH_OPTION __kconfig __weak;
extern char CONFIG_CONFORM_STRING[8] __kconfig __weak;
SEC("socket") int kconfig(void *ctx) {
    if (LINUX_KERNEL_VERSION != %d) return 1;
    if (!CONFIG_BPF_SYSCALL) return 2;
    if (CONFIG_BPF_JIT != TRI_YES) return 3;
    if (CONFIG_CONFORM_NO_SUCH_OPTION) return 4;
    if (CONFIG_CONFORM_STRING[0] != 0) return 5;
    return 0;
}
"""

KSYMS = r"""
extern const void bpf_prog_put __ksym;
extern const int bpf_prog_active __ksym;
extern const int conform_no_such_ksym __ksym __weak;
extern void bpf_rcu_read_lock(void) __ksym;
extern void bpf_rcu_read_unlock(void) __ksym;
extern void conform_no_such_kfunc(void) __ksym __weak;
SEC("socket") int ksyms(void *ctx) {
    if (((__u64)&bpf_prog_put >> 32) != 0xffffffff) return 1;  /* kallsyms address */
    if (!&bpf_prog_active) return 2;                            /* typed: vmlinux BTF id */
    if (&conform_no_such_ksym) return 3;                        /* weak missing: 0 */
    bpf_rcu_read_lock();
    bpf_rcu_read_unlock();
    if (conform_no_such_kfunc) { conform_no_such_kfunc(); return 4; }  /* poisoned, dead */
    return 0;
}
"""

STRONG_MISSING = r"""
extern int CONFIG_CONFORM_NO_SUCH_OPTION __kconfig;
SEC("socket") int strong(void *ctx) { return CONFIG_CONFORM_NO_SUCH_OPTION; }
"""


def test_kconfig_externs_read_the_running_kernels_config(compile_bpf: Compile) -> None:
    with open_object(str(compile_bpf("kconfig", KCONFIG % kernel_version()))) as obj:
        assert {e.name for e in obj.externs.externs if e.is_kconfig} == {
            "LINUX_KERNEL_VERSION", "CONFIG_BPF_SYSCALL", "CONFIG_BPF_JIT",
            "CONFIG_CONFORM_NO_SUCH_OPTION", "CONFIG_CONFORM_STRING"}
        obj.load()
        assert obj.btf_status == "loaded"
        assert obj.test_run("kconfig", bytes(64)).retval == 0


def test_a_config_value_given_as_a_fact_is_what_the_program_reads(
        compile_bpf: Compile) -> None:
    real = kernel_facts()
    facts = KernelFacts(real.kernel_version, {**real.kconfig, "CONFIG_BPF_JIT": "m"},
                        real.ksym_addr, real.vmlinux_id)
    with open_object(str(compile_bpf("kconfig", KCONFIG % kernel_version()))) as obj:
        obj.load(facts=facts)
        assert obj.test_run("kconfig", bytes(64)).retval == 3


def test_ksyms_and_kfuncs_resolve_against_the_kernel(compile_bpf: Compile) -> None:
    with open_object(str(compile_bpf("ksyms", KSYMS))) as obj:
        obj.load()
        assert obj.test_run("ksyms", bytes(64)).retval == 0


def test_a_strong_extern_without_value_fails_the_load(compile_bpf: Compile) -> None:
    with open_object(str(compile_bpf("strong", STRONG_MISSING))) as obj, \
            pytest.raises(LoaderError, match="CONFIG_CONFORM_NO_SUCH_OPTION"):
        obj.load()
