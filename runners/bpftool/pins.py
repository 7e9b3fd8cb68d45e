"""Which maps libbpf pins by name, read from the object's BTF without a process, and the
removal of the other pins `bpftool prog loadall ... pinmaps` added."""

from __future__ import annotations

import os
import shutil
import struct
from dataclasses import dataclass, field
from pathlib import Path

BTF_MAGIC = 0xEB9F
# BTF kinds (include/uapi/linux/btf.h) and the bytes each type record carries after its
# 12-byte header: fixed, plus per-member (vlen) bytes
KIND_PTR, KIND_ARRAY, KIND_STRUCT, KIND_UNION = 2, 3, 4, 5
KIND_TYPEDEF, KIND_VOLATILE, KIND_CONST, KIND_RESTRICT = 8, 9, 10, 11
KIND_VAR, KIND_DATASEC, KIND_TYPE_TAG = 14, 15, 18
MODIFIERS = (KIND_TYPEDEF, KIND_VOLATILE, KIND_CONST, KIND_RESTRICT, KIND_TYPE_TAG)
FIXED = {1: 4, 3: 12, 14: 4, 17: 4}  # INT, ARRAY, VAR, DECL_TAG
PER_MEMBER = {4: 12, 5: 12, 6: 8, 13: 8, 15: 12, 19: 12}  # STRUCT UNION ENUM PROTO DATASEC ENUM64


@dataclass
class BtfType:
    """One BTF type record: kind, name, referenced type (`size_or_type`, or an ARRAY's
    element type), its members' (name, type id) and an ARRAY's element count."""

    kind: int
    name: str
    ref: int
    members: list[tuple[str, int]] = field(default_factory=list)
    nelems: int = 0


def btf_section(raw: bytes) -> bytes | None:
    """The `.BTF` section of an ELF64 little-endian object, or None."""
    if raw[:4] != b"\x7fELF" or raw[4] != 2 or raw[5] != 1:
        return None
    shoff, = struct.unpack_from("<Q", raw, 0x28)
    shentsize, shnum, shstrndx = struct.unpack_from("<HHH", raw, 0x3A)
    secs = [struct.unpack_from("<IIQQQQ", raw, shoff + i * shentsize) for i in range(shnum)]
    strtab = secs[shstrndx][4]
    for name, _, _, _, offset, size in secs:
        start = strtab + name
        if raw[start:raw.index(b"\0", start)] == b".BTF":
            return raw[offset:offset + size]
    return None


def parse_btf(btf: bytes) -> dict[int, BtfType]:
    """Type id → record, for the kinds `pinned_by_name` follows; raise ValueError."""
    magic, _, _, hdr_len, type_off, type_len, str_off, str_len = struct.unpack_from(
        "<HBBIIIII", btf, 0)
    if magic != BTF_MAGIC:
        raise ValueError("not little-endian BTF")
    strings = btf[hdr_len + str_off:hdr_len + str_off + str_len]

    def name(off: int) -> str:
        return strings[off:strings.index(b"\0", off)].decode(errors="replace")

    types: dict[int, BtfType] = {}
    pos, end, tid = hdr_len + type_off, hdr_len + type_off + type_len, 1
    while pos < end:
        name_off, info, ref = struct.unpack_from("<III", btf, pos)
        kind, vlen = (info >> 24) & 0x1F, info & 0xFFFF
        body = pos + 12
        t = BtfType(kind, name(name_off), ref)
        if kind == KIND_ARRAY:
            t.ref, _, t.nelems = struct.unpack_from("<III", btf, body)
        elif kind in (KIND_STRUCT, KIND_UNION):
            for i in range(vlen):
                m_name, m_type, _ = struct.unpack_from("<III", btf, body + 12 * i)
                t.members.append((name(m_name), m_type))
        elif kind == KIND_DATASEC:
            for i in range(vlen):
                v_type, _, _ = struct.unpack_from("<III", btf, body + 12 * i)
                t.members.append(("", v_type))
        if kind not in FIXED and kind not in PER_MEMBER and kind > 19:
            raise ValueError(f"unknown BTF kind {kind}")
        types[tid] = t
        pos = body + FIXED.get(kind, 0) + PER_MEMBER.get(kind, 0) * vlen
        tid += 1
    return types


def pinned_by_name(elf: str) -> set[str]:
    """Names of the object's BTF-defined maps declared `__uint(pinning, LIBBPF_PIN_BY_NAME)`.

    libbpf reads the `pinning` member of a `.maps` variable's struct as `int (*)[N]`:
    N = 1 (LIBBPF_PIN_BY_NAME) pins the map at `<pin root>/<name>`. An object without BTF
    (or with BTF this cannot read) has no by-name maps: libbpf pins only BTF-defined maps.
    """
    try:
        btf = btf_section(Path(elf).read_bytes())
        types = parse_btf(btf) if btf else {}
    except (OSError, ValueError, IndexError, struct.error):
        return set()

    def resolve(tid: int) -> BtfType | None:
        t = types.get(tid)
        while t is not None and t.kind in MODIFIERS:
            t = types.get(t.ref)
        return t

    names = set()
    for sec in types.values():
        if sec.kind != KIND_DATASEC or sec.name != ".maps":
            continue
        for _, var_id in sec.members:
            var = types.get(var_id)
            struct_t = resolve(var.ref) if var is not None and var.kind == KIND_VAR else None
            for member, member_type in struct_t.members if struct_t else []:
                if member != "pinning":
                    continue
                ptr = resolve(member_type)
                arr = resolve(ptr.ref) if ptr is not None and ptr.kind == KIND_PTR else None
                if arr is not None and arr.kind == KIND_ARRAY and arr.nelems == 1:
                    names.add(var.name if var is not None else "")
    return names


def remove_pinmaps_pins(bpffs: str, keep: set[str]) -> None:
    """Unpin what `pinmaps` added under the pin root: every entry not in `keep` (what was
    there before, the maps libbpf pins by name, the program pins' directory)."""
    try:
        now = set(os.listdir(bpffs))
    except OSError:
        return
    for name in sorted(now - keep):
        path = Path(bpffs) / name
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)
