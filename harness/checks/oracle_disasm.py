"""A small eBPF disassembler for the oracle's instruction diffs (kernel-verifier style).

It knows the opcodes a loader's output differs in (ALU, jumps, calls, loads/stores,
atomics, ld_imm64 with its pseudo sources) and prints anything else as hex, so every
instruction has a readable line. Map references are already normalised by the oracle:
`ld_imm64` of a map prints `map#N` (N = position in the program's map_ids).
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

# include/uapi/linux/bpf_common.h, bpf.h
BPF_LD, BPF_LDX, BPF_ST, BPF_STX, BPF_ALU, BPF_JMP, BPF_JMP32, BPF_ALU64 = range(8)
LD_IMM64 = 0x18
PSEUDO = {1: "map_fd", 2: "map_value", 3: "btf_id", 4: "func", 5: "map_idx",
          6: "map_idx_value"}
ALU_OPS = {0x00: "+=", 0x10: "-=", 0x20: "*=", 0x30: "/=", 0x40: "|=", 0x50: "&=",
           0x60: "<<=", 0x70: ">>=", 0x90: "%=", 0xA0: "^=", 0xB0: "=", 0xC0: "s>>="}
JMP_OPS = {0x10: "==", 0x20: ">", 0x30: ">=", 0x40: "&", 0x50: "!=", 0x60: "s>",
           0x70: "s>=", 0xA0: "<", 0xB0: "<=", 0xC0: "s<", 0xD0: "s<="}
SIZES = {0x00: "u32", 0x08: "u16", 0x10: "u8", 0x18: "u64"}
ATOMIC_OPS = {0x00: "+=", 0x40: "|=", 0x50: "&=", 0xA0: "^="}


@dataclass(frozen=True)
class Insn:
    """One 8-byte instruction (an ld_imm64 keeps its second half in `imm_hi`)."""

    code: int
    dst: int
    src: int
    off: int
    imm: int
    imm_hi: int | None = None

    @property
    def wide(self) -> bool:
        """Whether this is a 16-byte ld_imm64."""
        return self.code == LD_IMM64


def decode(raw: bytes) -> list[Insn]:
    """Instructions of an xlated image; an ld_imm64 is one Insn holding both halves."""
    out: list[Insn] = []
    i = 0
    while i + 8 <= len(raw):
        code, regs, off, imm = struct.unpack_from("<BBhi", raw, i)
        if code == LD_IMM64 and i + 16 <= len(raw):
            (hi,) = struct.unpack_from("<i", raw, i + 12)
            out.append(Insn(code, regs & 0xF, regs >> 4, off, imm, hi))
            i += 16
            continue
        out.append(Insn(code, regs & 0xF, regs >> 4, off, imm))
        i += 8
    return out


def text(insn: Insn, map_ref: str | None = None) -> str:
    """One instruction as text; `map_ref` replaces the map id of an ld_imm64."""
    c, d, s = insn.code, f"r{insn.dst}", f"r{insn.src}"
    cls = c & 0x07
    if insn.wide:
        assert insn.imm_hi is not None
        if insn.src in PSEUDO:
            ref = map_ref or f"id {insn.imm & 0xFFFFFFFF}"
            extra = f" + {insn.imm_hi}" if insn.src in (2, 6) else ""
            return f"{d} = {PSEUDO[insn.src]} {ref}{extra} ll"
        value = (insn.imm & 0xFFFFFFFF) | ((insn.imm_hi & 0xFFFFFFFF) << 32)
        return f"{d} = {value:#x} ll"
    if cls in (BPF_ALU, BPF_ALU64):
        op = c & 0xF0
        w = "" if cls == BPF_ALU64 else "w"
        dd = f"{w or 'r'}{insn.dst}"
        operand = f"{w or 'r'}{insn.src}" if c & 0x08 else str(insn.imm)
        if op == 0x80:
            return f"{dd} = -{dd}"
        if op == 0xD0:
            return f"{dd} = {'be' if c & 0x08 else 'le'}{insn.imm} {dd}"
        if op in ALU_OPS:
            return f"{dd} {ALU_OPS[op]} {operand}"
    if cls in (BPF_JMP, BPF_JMP32):
        op = c & 0xF0
        if c == 0x05:
            return f"goto {insn.off:+d}"
        if c == 0x85:
            kind = {1: "pc", 2: "kfunc"}.get(insn.src, "helper")
            return f"call {kind} {insn.imm}"
        if c == 0x95:
            return "exit"
        if op in JMP_OPS:
            w = "w" if cls == BPF_JMP32 else "r"
            operand = f"{w}{insn.src}" if c & 0x08 else str(insn.imm)
            return f"if {w}{insn.dst} {JMP_OPS[op]} {operand} goto {insn.off:+d}"
    size = SIZES.get(c & 0x18)
    if size is not None:
        mode = c & 0xE0
        if cls == BPF_LDX and mode == 0x60:
            return f"{d} = *({size} *)({s} {insn.off:+d})"
        if cls == BPF_STX and mode == 0x60:
            return f"*({size} *)({d} {insn.off:+d}) = {s}"
        if cls == BPF_ST and mode == 0x60:
            return f"*({size} *)({d} {insn.off:+d}) = {insn.imm}"
        if cls == BPF_STX and mode == 0xC0:
            name = ATOMIC_OPS.get(insn.imm & 0xF0, f"atomic({insn.imm:#x})")
            fetch = " fetch" if insn.imm & 0x01 else ""
            return f"lock *({size} *)({d} {insn.off:+d}) {name} {s}{fetch}"
    return f"raw {c:02x} {insn.dst}/{insn.src} off {insn.off} imm {insn.imm}"
