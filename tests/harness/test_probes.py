from __future__ import annotations

import ctypes
import errno
import struct

import pytest
from kernel_facts import VMLINUX, enumerator, expected, names_of
from refloader.btf import BtfKind

from harness.probes import probes
from harness.probes.probes import PROBE_NAMES, run_probes


def test_every_probe_records_a_result_with_a_reason() -> None:
    results = run_probes(PROBE_NAMES)
    assert set(results) == set(PROBE_NAMES)
    assert all(r.reason for r in results.values())


def test_test_run_works_on_this_kernel() -> None:
    result = run_probes(["prog_test_run"])["prog_test_run"]
    if not result.ok:
        pytest.fail(f"the suite needs BPF_PROG_TEST_RUN: {result.reason}")


def test_an_unknown_probe_is_recorded_as_absent() -> None:
    result = run_probes(["warp_drive"])["warp_drive"]
    assert not result.ok
    assert "unknown probe" in result.reason


#: probe -> (what the kernel's own BTF says, or None; the upstream release it came with)
FACTS = {
    "bpf_for_each_map_elem": (lambda: enumerator("BPF_FUNC_for_each_map_elem", "bpf_func_id"),
                              (5, 13)),
    "bpf_map_lookup_percpu_elem": (
        lambda: enumerator("BPF_FUNC_map_lookup_percpu_elem", "bpf_func_id"), (5, 18)),
    "bpf_loop": (lambda: enumerator("BPF_FUNC_loop", "bpf_func_id"), (5, 17)),
    "bpf_snprintf": (lambda: enumerator("BPF_FUNC_snprintf", "bpf_func_id"), (5, 13)),
    # "bpf: Support pointers in global func args" (5.12): before it, "is not supported yet"
    "global_func_ptr_arg": (lambda: None, (5, 12)),
    "bpf_per_cpu_ptr": (lambda: enumerator("BPF_FUNC_per_cpu_ptr", "bpf_func_id"), (5, 10)),
    "atomic_fetch": (lambda: None, (5, 12)),
    # net/bpf/test_run.c reports the program's own retval since BPF_FLOW_DISSECTOR_CONTINUE
    "prog_run_flow_dissector_retval": (
        lambda: enumerator("BPF_FLOW_DISSECTOR_CONTINUE", "bpf_ret_code"), (5, 19)),
    "sk_lookup_test_run": (lambda: _has_func("bpf_prog_test_run_sk_lookup"), (5, 10)),
    # BPF_PROG_TYPE_NETFILTER and its test run (bpf_prog_test_run_nf) came with 6.4
    "netfilter_test_run": (lambda: _has_func("bpf_prog_test_run_nf"), (6, 4)),
    # XDP multi-buffer (BPF_F_XDP_HAS_FRAGS, frags in test runs and in
    # bpf_prog_map_compatible) came with bpf_xdp_get_buff_len
    "xdp_frags": (lambda: enumerator("BPF_FUNC_xdp_get_buff_len", "bpf_func_id"), (5, 18)),
    # "bpf: Support new sign-extension load insns" and the rest of cpu v4 (6.6)
    "insn_set_v4": (lambda: None, (6, 6)),
    "map_user_ringbuf": (lambda: enumerator("BPF_MAP_TYPE_USER_RINGBUF", "bpf_map_type"), (6, 1)),
}


def _has_func(name: str) -> bool | None:
    funcs = names_of(BtfKind.FUNC)
    return None if funcs is None else name in funcs


@pytest.mark.parametrize("name", sorted(FACTS))
def test_a_probe_agrees_with_the_kernel_facts(name: str) -> None:
    """Each probe's answer against tests/support/kernel_facts.py (the kernel's own BTF, else
    the release that introduced the feature), not against a host's version."""
    result = run_probes([name])[name]
    assert not result.error, result.reason
    btf_says, since = FACTS[name]
    assert result.ok is expected(btf_says(), since), result.reason


def test_a_helper_the_kernel_does_not_know_is_absent_with_the_reason() -> None:
    result = probes._probe_helper("bpf_warp", 100000)
    assert not result.ok
    assert result.reason == "kernel does not know helper bpf_warp (100000) for socket filters"


def test_an_atomic_op_the_verifier_refuses_is_absent_with_its_log_line(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    bad = probes._insn(0xDB, dst=10, src=2, off=-8, imm=0x55)  # no such atomic op
    prog = probes._ATOMIC_FETCH_PROG
    monkeypatch.setattr(probes, "_ATOMIC_FETCH_PROG", prog[:24] + bad + prog[32:])
    result = probes.probe_atomic_fetch()
    assert not result.ok
    assert result.reason.startswith("verifier refuses atomic fetch/xchg/cmpxchg: ")
    assert "invalid atomic opcode" in result.reason  # the log line, not the stats line


def test_a_v4_instruction_the_verifier_refuses_is_absent_with_its_log_line(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    bad = probes._insn(0xE1, dst=0, src=10, off=-8)  # BPF_LDX | BPF_MEMSX, size 0x60: no such
    prog = probes._INSN_SET_V4_PROG
    monkeypatch.setattr(probes, "_INSN_SET_V4_PROG", prog[:16] + bad + prog[24:])
    result = probes.probe_insn_set_v4()
    assert not result.ok and not result.error
    assert result.reason.startswith("verifier refuses cpu v4 instructions: ")
    assert "processed" not in result.reason


@pytest.mark.parametrize(("ringbuf_ok", "error"), [(True, False), (False, True)],
                         ids=["other CAP_BPF maps created: absent",
                              "no CAP_BPF map either: cannot decide"])
def test_an_arena_refused_with_eperm_is_absent_only_when_privileges_are_not_the_cause(
    monkeypatch: pytest.MonkeyPatch, ringbuf_ok: bool, error: bool,
) -> None:
    real_bpf = probes._bpf

    def fake_bpf(cmd: int, attr: ctypes.Array[ctypes.c_char]) -> tuple[int, int]:
        (map_type,) = struct.unpack_from("<I", attr, 0)
        if cmd == 0 and map_type == probes.BPF_MAP_TYPE_ARENA:
            return -1, errno.EPERM
        if cmd == 0 and not ringbuf_ok:
            return -1, errno.EPERM
        return real_bpf(cmd, attr)
    monkeypatch.setattr(probes, "_bpf", fake_bpf)
    result = probes.probe_map_arena()
    assert not result.ok and result.error is error
    assert "Operation not permitted" in result.reason


def _btf(types: bytes, strings: bytes) -> bytes:
    hdr = probes._BTF_HEADER.pack(probes.BTF_MAGIC, 1, 0, 24, 0, len(types), len(types),
                                  len(strings))
    return hdr + types + strings


def test_btf_has_var_finds_only_a_var_of_that_name() -> None:
    strings = b"\0int\0bpf_prog_active\0s\0"
    int_t = probes._BTF_TYPE.pack(1, 1 << 24, 4) + struct.pack("<I", 32)
    # a struct with a member named bpf_prog_active: the name is there, but not as a VAR
    member = probes._BTF_TYPE.pack(21, (4 << 24) | 1, 4) + struct.pack("<III", 5, 1, 0)
    var = probes._BTF_TYPE.pack(5, 14 << 24, 1) + struct.pack("<I", 1)
    assert not probes.btf_has_var(_btf(int_t + member, strings), "bpf_prog_active")
    assert probes.btf_has_var(_btf(int_t + member + var, strings), "bpf_prog_active")
    assert not probes.btf_has_var(_btf(int_t + member + var, strings), "prog_active")
    with pytest.raises(ValueError):
        probes.btf_has_var(b"\0" * 24, "x")


def test_btf_has_var_agrees_with_the_reference_loaders_btf_parser_on_this_kernel() -> None:
    variables = names_of(BtfKind.VAR)
    if variables is None:  # legitimate: the recorded btf_vmlinux probe decides it
        probe = run_probes(["btf_vmlinux"])["btf_vmlinux"]
        assert not probe.ok and not probe.error, probe.reason
        pytest.skip(f"requires btf_vmlinux: {probe.reason}")
    raw = VMLINUX.read_bytes()
    for name in ("bpf_prog_active", "runqueues", "no_such_variable_x"):
        assert probes.btf_has_var(raw, name) is (name in variables), name


def test_ksym_typed_var_needs_the_btf_var(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(probes, "btf_has_var", lambda btf, name: False)
    result = probes.probe_ksym_typed_var()
    assert not result.ok
    assert "BTF_KIND_VAR" in result.reason or "kallsyms" in result.reason
