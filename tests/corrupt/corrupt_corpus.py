"""Corrupt variants of the suite's valid BPF objects, made at test time.

Each mutator takes a valid object (bytes) and returns named corrupt copies: truncated files
and sections, section offsets/sizes past the end, bad relocation types/offsets/symbols,
symbol indexes out of range, BTF with dangling type ids, cycles, huge vlen/counts, string
offsets out of range, `.BTF.ext` records pointing past the code, a wrong byte order or
class in `e_ident`. Struct layouts are the ELF64 little-endian ones (`elf.h`) and libbpf's
`struct btf_header`/`btf_ext_header`, so only little-endian ELF64 objects can seed the
mutators (`seed_problem`); a big-endian object gets the `byte_order` family alone
(`big_endian_variants`).
"""

from __future__ import annotations

import struct
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

# elf.h: Elf64_Ehdr / Elf64_Shdr / Elf64_Sym / Elf64_Rel field offsets
E_SHOFF, E_SHENTSIZE, E_SHNUM, E_SHSTRNDX = 0x28, 0x3A, 0x3C, 0x3E
SH_NAME, SH_TYPE, SH_OFFSET, SH_SIZE, SH_LINK, SH_INFO, SH_ENTSIZE = 0, 4, 24, 32, 40, 44, 56
SHDR_SIZE, SYM_SIZE, REL_SIZE = 64, 24, 16
SHT_PROGBITS, SHT_SYMTAB, SHT_REL = 1, 2, 9
SHF_EXECINSTR = 0x4
ELF_MAGIC = b"\x7fELF"
EI_CLASS, EI_DATA = 4, 5
ELFCLASS32, ELFCLASS64 = 1, 2
ELFDATANONE, ELFDATA2LSB, ELFDATA2MSB = 0, 1, 2

# include/uapi/linux/btf.h
BTF_KIND_INT, BTF_KIND_PTR, BTF_KIND_ARRAY, BTF_KIND_STRUCT = 1, 2, 3, 4
BTF_KIND_UNION, BTF_KIND_ENUM, BTF_KIND_FWD, BTF_KIND_TYPEDEF = 5, 6, 7, 8
BTF_KIND_VOLATILE, BTF_KIND_CONST, BTF_KIND_RESTRICT, BTF_KIND_FUNC = 9, 10, 11, 12
BTF_KIND_FUNC_PROTO, BTF_KIND_VAR, BTF_KIND_DATASEC, BTF_KIND_FLOAT = 13, 14, 15, 16
BTF_KIND_DECL_TAG, BTF_KIND_TYPE_TAG, BTF_KIND_ENUM64 = 17, 18, 19
_REF_KINDS = {BTF_KIND_PTR, BTF_KIND_TYPEDEF, BTF_KIND_VOLATILE, BTF_KIND_CONST,
              BTF_KIND_RESTRICT, BTF_KIND_FUNC, BTF_KIND_VAR, BTF_KIND_TYPE_TAG,
              BTF_KIND_DECL_TAG}
_MODIFIERS = {BTF_KIND_TYPEDEF, BTF_KIND_VOLATILE, BTF_KIND_CONST, BTF_KIND_RESTRICT}
BTF_HDR = struct.Struct("<HBBIIIII")  # magic version flags hdr_len type_off/len str_off/len
BTF_EXT_HDR = struct.Struct("<HBBIIIIIII")  # ... func/line/core_relo off,len
DANGLING = 0x7FFFFF  # a type id far past the last one
HUGE = 0xFFFFFFFF


@dataclass(frozen=True)
class Section:
    """One section header, by index."""

    index: int
    name: str
    sh_type: int
    flags: int
    offset: int
    size: int
    link: int
    info: int

    def hdr(self, shoff: int) -> int:
        """File offset of this section's header."""
        return shoff + self.index * SHDR_SIZE


@dataclass(frozen=True)
class Elf:
    """The few parts of a valid ELF64 LE object the mutators need."""

    raw: bytes
    shoff: int
    sections: list[Section]

    @classmethod
    def parse(cls, raw: bytes) -> Elf:
        """Parse a *valid* object (the corpus is made from the suite's own build)."""
        (shoff,) = struct.unpack_from("<Q", raw, E_SHOFF)
        shnum, shstrndx = struct.unpack_from("<HH", raw, E_SHNUM)
        hdrs = [struct.unpack_from("<IIQQQQIIQQ", raw, shoff + i * SHDR_SIZE)
                for i in range(shnum)]
        str_off, str_size = hdrs[shstrndx][4], hdrs[shstrndx][5]
        strtab = raw[str_off:str_off + str_size]
        secs = [Section(i, strtab[h[0]:strtab.index(b"\0", h[0])].decode(), h[1], h[2], h[4],
                        h[5], h[6], h[7]) for i, h in enumerate(hdrs)]
        return cls(raw, shoff, secs)

    def by_name(self, name: str) -> Section | None:
        """The section called `name`."""
        return next((s for s in self.sections if s.name == name), None)

    def code(self) -> Section | None:
        """The first non-empty executable section."""
        return next((s for s in self.sections
                     if s.flags & SHF_EXECINSTR and s.sh_type == SHT_PROGBITS and s.size), None)

    def rels(self) -> list[Section]:
        """Every non-empty SHT_REL section."""
        return [s for s in self.sections if s.sh_type == SHT_REL and s.size >= REL_SIZE]

    def symtab(self) -> Section | None:
        """The SHT_SYMTAB section."""
        return next((s for s in self.sections if s.sh_type == SHT_SYMTAB), None)


@dataclass(frozen=True)
class BtfType:
    """One BTF type record: its id, kind, vlen and file offset (of `name_off`)."""

    id: int
    kind: int
    vlen: int
    at: int  # absolute file offset of the record


@dataclass(frozen=True)
class Btf:
    """The layout of a `.BTF` section inside the file."""

    base: int  # file offset of the section
    hdr_len: int
    type_off: int
    type_len: int
    str_off: int
    str_len: int
    types: list[BtfType] = field(default_factory=list)

    @classmethod
    def parse(cls, raw: bytes, sec: Section) -> Btf:
        """Walk the type records of a valid `.BTF` section."""
        _m, _v, _f, hdr_len, type_off, type_len, str_off, str_len = BTF_HDR.unpack_from(
            raw, sec.offset)
        start = sec.offset + hdr_len + type_off
        pos, end, tid, types = start, start + type_len, 1, []
        while pos < end:
            _name, info, _size = struct.unpack_from("<III", raw, pos)
            kind, vlen = (info >> 24) & 0x1F, info & 0xFFFF
            types.append(BtfType(tid, kind, vlen, pos))
            pos += 12 + _extra(kind, vlen)
            tid += 1
        return cls(sec.offset, hdr_len, type_off, type_len, str_off, str_len, types)

    def first(self, kinds: set[int]) -> BtfType | None:
        """The first type of one of `kinds`."""
        return next((t for t in self.types if t.kind in kinds), None)


def _extra(kind: int, vlen: int) -> int:
    per = {BTF_KIND_INT: 4, BTF_KIND_ARRAY: 12, BTF_KIND_VAR: 4, BTF_KIND_DECL_TAG: 4}
    if kind in per:
        return per[kind]
    member = {BTF_KIND_STRUCT: 12, BTF_KIND_UNION: 12, BTF_KIND_ENUM: 8,
              BTF_KIND_FUNC_PROTO: 8, BTF_KIND_DATASEC: 12, BTF_KIND_ENUM64: 12}
    return member.get(kind, 0) * vlen


@dataclass(frozen=True)
class Case:
    """One corrupt object: `<object>:<mutation>`, its bytes, and its mutation family."""

    name: str
    family: str
    data: bytes


Variant = tuple[str, bytes]
Mutator = Callable[[Elf], Iterator[Variant]]


def _put(raw: bytes, at: int, fmt: str, *values: int) -> bytes:
    out = bytearray(raw)
    struct.pack_into(fmt, out, at, *values)
    return bytes(out)


def seed_problem(raw: bytes) -> str | None:
    """Why `raw` cannot seed the mutators, or None when it can.

    Every mutator reads and writes fields with little-endian ELF64 layouts: a big-endian
    object (the suite's `*.bpfeb.bpf.c`) read that way has a section-table offset in the
    exabytes, and a 32-bit one has its fields elsewhere. So a seed must say ELFCLASS64 and
    ELFDATA2LSB in `e_ident` and parse (section table and names inside the file).
    """
    if raw[:4] != ELF_MAGIC or len(raw) < 64:
        return "not an ELF file"
    if raw[EI_CLASS] != ELFCLASS64:
        return f"EI_CLASS {raw[EI_CLASS]} is not ELFCLASS64"
    if raw[EI_DATA] != ELFDATA2LSB:
        return f"EI_DATA {raw[EI_DATA]} is not ELFDATA2LSB (little-endian)"
    try:
        Elf.parse(raw)
    except (struct.error, ValueError, IndexError, UnicodeDecodeError) as exc:
        return f"does not parse as ELF64 LE: {exc}"
    return None


# -- ELF ----------------------------------------------------------------------------------

def truncated_file(elf: Elf) -> Iterator[Variant]:
    """The file cut at the header, inside the section table, inside sections, one short."""
    n = len(elf.raw)
    cuts = {0, 16, 63, 64, n // 2, n - 1, elf.shoff + SHDR_SIZE + 7}
    for name in (".BTF", ".symtab", ".strtab"):
        sec = elf.by_name(name)
        if sec is not None:
            cuts.add(sec.offset + sec.size // 2)
    for cut in sorted(c for c in cuts if 0 <= c < n):
        yield f"truncated_file@{cut}", elf.raw[:cut]


def elf_header(elf: Elf) -> Iterator[Variant]:
    """Section table past the end, a huge section count, bad shstrndx/shentsize."""
    n = len(elf.raw)
    yield "e_shoff_past_end", _put(elf.raw, E_SHOFF, "<Q", n + 4096)
    yield "e_shoff_overflow", _put(elf.raw, E_SHOFF, "<Q", 2**64 - 32)
    yield "e_shnum_huge", _put(elf.raw, E_SHNUM, "<H", 0xFEFF)
    yield "e_shstrndx_out_of_range", _put(elf.raw, E_SHSTRNDX, "<H", 0xFEF0)
    yield "e_shentsize_bad", _put(elf.raw, E_SHENTSIZE, "<H", 7)


def byte_order(elf: Elf) -> Iterator[Variant]:
    """`e_ident` lying about the layout: big-endian, no byte order, an unknown one, 32-bit."""
    yield "ei_data_msb", _put(elf.raw, EI_DATA, "B", ELFDATA2MSB)
    yield "ei_data_none", _put(elf.raw, EI_DATA, "B", ELFDATANONE)
    yield "ei_data_unknown", _put(elf.raw, EI_DATA, "B", 3)
    yield "ei_class_32", _put(elf.raw, EI_CLASS, "B", ELFCLASS32)


def big_endian_variants(label: str, raw: bytes) -> list[Case]:
    """The `byte_order` family of a big-endian ELF64 object (which cannot seed the other,
    little-endian, mutators): it claiming little-endian (its big-endian headers then read
    as little-endian), and cut inside the header, the section table and the middle."""
    if raw[:4] != ELF_MAGIC or raw[EI_DATA] != ELFDATA2MSB:
        return []
    (shoff,) = struct.unpack_from(">Q", raw, E_SHOFF)
    cases = [("be:ei_data_lsb", _put(raw, EI_DATA, "B", ELFDATA2LSB)),
             ("be:ei_data_none", _put(raw, EI_DATA, "B", ELFDATANONE))]
    cases += [(f"be:truncated_file@{cut}", raw[:cut])
              for cut in sorted({16, 63, len(raw) // 2, shoff + SHDR_SIZE + 7})
              if 0 < cut < len(raw)]
    return [Case(f"{label}:{name}", "byte_order", data) for name, data in cases]


def _interesting(elf: Elf) -> list[Section]:
    names = [".BTF", ".BTF.ext", ".symtab", ".strtab", ".maps", ".rodata", ".data", "license"]
    picked = [s for s in (elf.by_name(n) for n in names) if s is not None]
    code = elf.code()
    return ([code] if code else []) + picked + elf.rels()[:1]


def section_bounds(elf: Elf) -> Iterator[Variant]:
    """Per interesting section: offset past the end, size past the end, offset+size
    overflowing, and the section truncated (half its size; code: not a multiple of 8)."""
    n = len(elf.raw)
    for s in _interesting(elf):
        at = s.hdr(elf.shoff)
        yield f"{s.name}:sh_offset_past_end", _put(elf.raw, at + SH_OFFSET, "<Q", n + 64)
        yield f"{s.name}:sh_size_past_end", _put(elf.raw, at + SH_SIZE, "<Q", n * 4)
        yield f"{s.name}:offset_size_overflow", _put(elf.raw, at + SH_OFFSET, "<Q",
                                                      2**64 - 8)
        cut = s.size - 3 if s.flags & SHF_EXECINSTR else s.size // 2
        yield f"{s.name}:truncated_section", _put(elf.raw, at + SH_SIZE, "<Q", max(cut, 0))
    first = elf.sections[1] if len(elf.sections) > 1 else None
    if first is not None:
        yield "sh_name_out_of_range", _put(elf.raw, first.hdr(elf.shoff) + SH_NAME, "<I",
                                           0x7FFFFFF)


def symbols(elf: Elf) -> Iterator[Variant]:
    """Symbol table: zero entsize, bad strtab link, a symbol in a section that does not
    exist, a symbol name past the string table, a symbol value past its section."""
    st = elf.symtab()
    if st is None or st.size < 2 * SYM_SIZE:
        return
    at = st.hdr(elf.shoff)
    yield "symtab:sh_entsize_zero", _put(elf.raw, at + SH_ENTSIZE, "<Q", 0)
    yield "symtab:sh_link_out_of_range", _put(elf.raw, at + SH_LINK, "<I", 0xFEF0)
    count = st.size // SYM_SIZE
    globals_ = [i for i in range(1, count)
                if elf.raw[st.offset + i * SYM_SIZE + 4] >> 4 != 0]  # STB_LOCAL = 0
    for i in globals_[:2]:
        sym = st.offset + i * SYM_SIZE
        yield f"sym{i}:st_shndx_out_of_range", _put(elf.raw, sym + 6, "<H", 0x7FF0)
        yield f"sym{i}:st_name_out_of_range", _put(elf.raw, sym, "<I", 0x7FFFFFF)
        yield f"sym{i}:st_value_past_section", _put(elf.raw, sym + 8, "<Q", 1 << 40)


def relocations(elf: Elf) -> Iterator[Variant]:
    """Relocation sections: unknown type, symbol index out of range, offset past the
    section, unaligned offset, bad target/link sections, a size not a multiple of 16."""
    for s in elf.rels()[:2]:
        at, e = s.hdr(elf.shoff), s.offset
        r_offset, r_info = struct.unpack_from("<QQ", elf.raw, e)
        sym = r_info >> 32
        yield f"{s.name}:bad_type", _put(elf.raw, e + 8, "<Q", (sym << 32) | 77)
        yield f"{s.name}:sym_out_of_range", _put(elf.raw, e + 8, "<Q",
                                                 (0xFFFFFF << 32) | (r_info & 0xFFFFFFFF))
        yield f"{s.name}:offset_past_section", _put(elf.raw, e, "<Q", 1 << 32)
        yield f"{s.name}:offset_unaligned", _put(elf.raw, e, "<Q", r_offset + 3)
        yield f"{s.name}:sh_info_out_of_range", _put(elf.raw, at + SH_INFO, "<I", 0xFEF0)
        yield f"{s.name}:sh_link_out_of_range", _put(elf.raw, at + SH_LINK, "<I", 0xFEF0)
        yield f"{s.name}:size_not_multiple", _put(elf.raw, at + SH_SIZE, "<Q", s.size - 5)


# -- BTF ----------------------------------------------------------------------------------

def btf_header(elf: Elf) -> Iterator[Variant]:
    """`struct btf_header`: bad magic, huge hdr_len, type/string areas past the end."""
    sec = elf.by_name(".BTF")
    if sec is None:
        return
    b = sec.offset
    yield "btf:bad_magic", _put(elf.raw, b, "<H", 0x1234)
    yield "btf:hdr_len_huge", _put(elf.raw, b + 4, "<I", HUGE)
    yield "btf:type_len_huge", _put(elf.raw, b + 12, "<I", HUGE - 3)
    yield "btf:str_off_past_end", _put(elf.raw, b + 16, "<I", sec.size * 2)
    yield "btf:str_len_huge", _put(elf.raw, b + 20, "<I", HUGE)
    yield "btf:type_off_unaligned", _put(elf.raw, b + 8, "<I", 1)


def btf_types(elf: Elf) -> Iterator[Variant]:
    """Type records: dangling ids, cycles, huge vlen and counts, names past the strings,
    an unknown kind."""
    sec = elf.by_name(".BTF")
    if sec is None:
        return
    btf = Btf.parse(elf.raw, sec)
    raw = elf.raw
    ref = btf.first(_REF_KINDS)
    if ref is not None:
        yield f"btf:dangling_type[{ref.id}]", _put(raw, ref.at + 8, "<I", DANGLING)
    for kind, label in ((BTF_KIND_STRUCT, "struct_member"), (BTF_KIND_FUNC_PROTO, "param"),
                        (BTF_KIND_DATASEC, "datasec_var")):
        t = next((t for t in btf.types if t.kind == kind and t.vlen), None)
        if t is not None:
            field_at = t.at + 12 + (4 if kind == BTF_KIND_FUNC_PROTO else 0)
            yield f"btf:dangling_{label}[{t.id}]", _put(raw, field_at, "<I", DANGLING)
    arr = btf.first({BTF_KIND_ARRAY})
    if arr is not None:
        yield f"btf:dangling_array_elem[{arr.id}]", _put(raw, arr.at + 12, "<I", DANGLING)
        yield f"btf:array_nelems_huge[{arr.id}]", _put(raw, arr.at + 20, "<I", HUGE)
    mods = [t for t in btf.types if t.kind in _MODIFIERS]
    if mods:
        m = mods[0]
        yield f"btf:self_cycle[{m.id}]", _put(raw, m.at + 8, "<I", m.id)
    if len(mods) >= 2:
        a, b = mods[0], mods[1]
        two = _put(_put(raw, a.at + 8, "<I", b.id), b.at + 8, "<I", a.id)
        yield f"btf:two_cycle[{a.id},{b.id}]", two
    ptr = btf.first({BTF_KIND_PTR})
    if ptr is not None:
        yield f"btf:ptr_to_itself[{ptr.id}]", _put(raw, ptr.at + 8, "<I", ptr.id)
    for kind, label in ((BTF_KIND_STRUCT, "struct"), (BTF_KIND_FUNC_PROTO, "func_proto"),
                        (BTF_KIND_DATASEC, "datasec"), (BTF_KIND_ENUM, "enum")):
        t = btf.first({kind})
        if t is not None:
            info = struct.unpack_from("<I", raw, t.at + 4)[0]
            yield f"btf:{label}_vlen_huge[{t.id}]", _put(raw, t.at + 4, "<I", info | 0xFFFF)
    st = btf.first({BTF_KIND_STRUCT})
    if st is not None:
        yield f"btf:struct_size_huge[{st.id}]", _put(raw, st.at + 8, "<I", HUGE)
    it = btf.first({BTF_KIND_INT})
    if it is not None:
        yield f"btf:int_size_huge[{it.id}]", _put(raw, it.at + 8, "<I", HUGE)
        yield f"btf:int_bits_huge[{it.id}]", _put(raw, it.at + 12, "<I", 0xFF)
    named = next((t for t in btf.types if struct.unpack_from("<I", raw, t.at)[0]), None)
    if named is not None:
        yield f"btf:name_off_out_of_range[{named.id}]", _put(raw, named.at, "<I",
                                                             btf.str_len + 100)
    if st is not None and st.vlen:
        yield f"btf:member_name_out_of_range[{st.id}]", _put(raw, st.at + 12, "<I",
                                                             0x7FFFFFFF)
    if btf.types:
        t = btf.types[0]
        info = struct.unpack_from("<I", raw, t.at + 4)[0]
        yield f"btf:unknown_kind[{t.id}]", _put(raw, t.at + 4, "<I",
                                                (info & ~(0x1F << 24)) | (31 << 24))


# -- BTF.ext ------------------------------------------------------------------------------

def btf_ext(elf: Elf) -> Iterator[Variant]:
    """`.BTF.ext`: header areas past the end, huge record counts, bad record sizes, and
    func_info/line_info/CO-RE records whose insn_off points past the code."""
    sec = elf.by_name(".BTF.ext")
    if sec is None:
        return
    raw, b = elf.raw, sec.offset
    (_m, _v, _f, hdr_len, fi_off, fi_len, li_off, li_len, cr_off, cr_len) = \
        BTF_EXT_HDR.unpack_from(raw, b) if sec.size >= 32 else (*BTF_EXT_HDR.unpack_from(
            raw + bytes(8), b)[:8], 0, 0)
    yield "btf_ext:hdr_len_huge", _put(raw, b + 4, "<I", HUGE)
    yield "btf_ext:func_info_off_past_end", _put(raw, b + 8, "<I", sec.size * 4)
    yield "btf_ext:func_info_len_huge", _put(raw, b + 12, "<I", HUGE - 3)
    yield "btf_ext:line_info_len_huge", _put(raw, b + 20, "<I", HUGE - 3)
    blocks = [("func_info", fi_off, fi_len), ("line_info", li_off, li_len)]
    if hdr_len >= 32:
        yield "btf_ext:core_relo_off_past_end", _put(raw, b + 24, "<I", sec.size * 4)
        blocks.append(("core_relo", cr_off, cr_len))
    for label, off, length in blocks:
        if length < 12:
            continue
        blk = b + hdr_len + off  # u32 rec_size, then btf_ext_info_sec records
        yield f"btf_ext:{label}_rec_size_zero", _put(raw, blk, "<I", 0)
        yield f"btf_ext:{label}_rec_size_odd", _put(raw, blk, "<I", 7)
        yield f"btf_ext:{label}_sec_name_out_of_range", _put(raw, blk + 4, "<I", 0x7FFFFFF)
        yield f"btf_ext:{label}_num_info_huge", _put(raw, blk + 8, "<I", 0xFFFFFFF)
        (num,) = struct.unpack_from("<I", raw, blk + 8)
        if num:
            rec = blk + 12  # first record; insn_off is its first u32
            yield f"btf_ext:{label}_insn_off_past_code", _put(raw, rec, "<I", 0x7FFFFF8)
            yield f"btf_ext:{label}_insn_off_unaligned", _put(raw, rec, "<I", 3)
            yield f"btf_ext:{label}_second_field_bad", _put(raw, rec + 4, "<I", DANGLING)
            if label == "core_relo":  # insn_off type_id access_str_off kind
                yield "btf_ext:core_relo_kind_unknown", _put(raw, rec + 12, "<I", 99)
                yield "btf_ext:core_relo_access_str_bad", _put(raw, rec + 8, "<I", 0x7FFFFFF)


MUTATORS: tuple[tuple[str, Mutator], ...] = (
    ("truncated_file", truncated_file),
    ("elf_header", elf_header),
    ("byte_order", byte_order),
    ("section_bounds", section_bounds),
    ("symbols", symbols),
    ("relocations", relocations),
    ("btf_header", btf_header),
    ("btf_types", btf_types),
    ("btf_ext", btf_ext),
)


def corrupt_variants(label: str, raw: bytes) -> list[Case]:
    """Every corrupt variant of one valid object."""
    elf = Elf.parse(raw)
    return [Case(f"{label}:{name}", family, data)
            for family, mutator in MUTATORS for name, data in mutator(elf)]
