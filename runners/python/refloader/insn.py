"""BPF instruction encoding (``struct bpf_insn``, Documentation/bpf/standardization).

An instruction is 8 bytes: opcode, dst_reg:4 | src_reg:4, s16 off, s32 imm; ``ld_imm64``
(``BPF_LD | BPF_IMM | BPF_DW``) takes two slots, the second carrying the upper 32 bits.
"""

from __future__ import annotations

import struct

BPF_INSN_SZ = 8
_INSN = struct.Struct("<BBhi")

BPF_LD = 0x00
BPF_JMP = 0x05
BPF_JMP32 = 0x06
BPF_CALL = 0x80
BPF_EXIT = 0x90
BPF_K = 0x00
BPF_IMM = 0x00
BPF_DW = 0x18
BPF_LD_IMM64 = BPF_LD | BPF_IMM | BPF_DW  # 0x18
BPF_CALL_INSN = BPF_JMP | BPF_CALL  # 0x85

# src_reg values of ld_imm64 / call (include/uapi/linux/bpf.h)
BPF_PSEUDO_MAP_FD = 1
BPF_PSEUDO_MAP_VALUE = 2
BPF_PSEUDO_BTF_ID = 3
BPF_PSEUDO_FUNC = 4
BPF_PSEUDO_MAP_IDX = 5
BPF_PSEUDO_MAP_IDX_VALUE = 6
BPF_PSEUDO_CALL = 1
BPF_PSEUDO_KFUNC_CALL = 2


def get(buf: bytes | bytearray, idx: int) -> tuple[int, int, int, int, int]:
    """(code, dst_reg, src_reg, off, imm) of instruction ``idx``."""
    code, regs, off, imm = _INSN.unpack_from(buf, idx * BPF_INSN_SZ)
    return code, regs & 0xF, regs >> 4, off, imm


def put(buf: bytearray, idx: int, code: int, dst: int, src: int, off: int, imm: int) -> None:
    """Write instruction ``idx``; ``imm`` is truncated to a signed 32-bit value."""
    imm &= 0xFFFFFFFF
    if imm >= 1 << 31:
        imm -= 1 << 32
    _INSN.pack_into(buf, idx * BPF_INSN_SZ, code, (src << 4) | dst, off, imm)


def set_imm(buf: bytearray, idx: int, imm: int) -> None:
    """Replace the imm field of instruction ``idx``."""
    code, dst, src, off, _ = get(buf, idx)
    put(buf, idx, code, dst, src, off, imm)


def set_src(buf: bytearray, idx: int, src: int) -> None:
    """Replace the src_reg field of instruction ``idx``."""
    code, dst, _, off, imm = get(buf, idx)
    put(buf, idx, code, dst, src, off, imm)


def is_ldimm64(buf: bytes | bytearray, idx: int) -> bool:
    """``BPF_LD | BPF_IMM | BPF_DW``."""
    return buf[idx * BPF_INSN_SZ] == BPF_LD_IMM64


def is_call(buf: bytes | bytearray, idx: int) -> bool:
    """``BPF_JMP | BPF_CALL``."""
    return buf[idx * BPF_INSN_SZ] == BPF_CALL_INSN


def is_pseudo_call(buf: bytes | bytearray, idx: int) -> bool:
    """A bpf-to-bpf call (``src_reg == BPF_PSEUDO_CALL``)."""
    return is_call(buf, idx) and (buf[idx * BPF_INSN_SZ + 1] >> 4) == BPF_PSEUDO_CALL


def is_pseudo_func(buf: bytes | bytearray, idx: int) -> bool:
    """A function address load (ld_imm64 with ``src_reg == BPF_PSEUDO_FUNC``)."""
    return is_ldimm64(buf, idx) and (buf[idx * BPF_INSN_SZ + 1] >> 4) == BPF_PSEUDO_FUNC


def count(buf: bytes | bytearray) -> int:
    """Number of instruction slots."""
    return len(buf) // BPF_INSN_SZ
