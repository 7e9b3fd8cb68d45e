"""ELF layer: sections, symbols and relocation tables of a BPF object.

Everything is read once into plain records (``ElfSection``, ``ElfSymbol``, ``ElfRel``).
Two readers produce the same records:

* ``backend="pyelftools"``: pyelftools' ``ELFFile`` (its construct-based structs);
* ``backend="struct"`` (default): the same ``Elf64_*`` layouts declared below as
  ``struct.Struct`` tables, read in bulk.  pyelftools parses each record through
  construct, which costs ~0.6 ms per object before any loading starts (libbpf's whole
  open+load is ~0.2 ms); the project's tests check that both readers agree on every
  suite object.

Errors (pyelftools' or ours) become ``ParseError`` here, at the one boundary.  No kernel
facts are needed: this module makes no syscalls.
"""

from __future__ import annotations

import functools
import io
import os
import struct
from collections.abc import Callable
from dataclasses import dataclass, field
from stat import S_ISREG

from elftools.elf.elffile import ELFFile
from elftools.elf.relocation import RelocationSection
from elftools.elf.sections import SymbolTableSection

from refloader.errors import LoaderError, ParseError

EM_BPF = 247
SHT_PROGBITS = 1
SHT_SYMTAB = 2
SHT_STRTAB = 3
SHT_NOBITS = 8
SHT_REL = 9
SHT_LLVM_ADDRSIG = 0x6FFF4C03
SHF_WRITE = 0x1
SHF_ALLOC = 0x2
SHF_EXECINSTR = 0x4
_LOADABLE = SHF_ALLOC | SHF_EXECINSTR
STB_LOCAL, STB_GLOBAL, STB_WEAK = 0, 1, 2
STT_NOTYPE, STT_OBJECT, STT_FUNC, STT_SECTION = 0, 1, 2, 3
STV_DEFAULT, STV_INTERNAL, STV_HIDDEN = 0, 1, 2
SHN_UNDEF = 0
SHN_ABS = 0xFFF1
SHN_COMMON = 0xFFF2
EI_DATA = 5  # e_ident index of the data encoding (byte order)
ELFDATA2LSB, ELFDATA2MSB = 1, 2

_BIND = {"STB_LOCAL": STB_LOCAL, "STB_GLOBAL": STB_GLOBAL, "STB_WEAK": STB_WEAK}
_TYPE = {"STT_NOTYPE": STT_NOTYPE, "STT_OBJECT": STT_OBJECT, "STT_FUNC": STT_FUNC,
         "STT_SECTION": STT_SECTION, "STT_FILE": 4, "STT_COMMON": 5, "STT_TLS": 6}
_VIS = {"STV_DEFAULT": STV_DEFAULT, "STV_INTERNAL": STV_INTERNAL, "STV_HIDDEN": STV_HIDDEN,
        "STV_PROTECTED": 3}
_SHN = {"SHN_UNDEF": SHN_UNDEF, "SHN_ABS": SHN_ABS, "SHN_COMMON": SHN_COMMON}


@dataclass(slots=True)
class ElfSection:
    """One section header and its bytes (``data`` is empty for SHT_NOBITS and for the
    ``.debug_*``/``.rel.debug_*`` sections a BPF loader ignores)."""

    index: int
    name: str
    sh_type: int
    sh_flags: int
    sh_size: int
    sh_link: int
    sh_info: int
    sh_entsize: int
    data: bytes

    @property
    def is_exec(self) -> bool:
        """SHF_EXECINSTR set: the section holds BPF instructions."""
        return bool(self.sh_flags & SHF_EXECINSTR)


@dataclass(slots=True)
class ElfSymbol:
    """One ``Elf64_Sym`` with decoded binding, type and visibility."""

    index: int
    name: str
    st_value: int
    st_size: int
    bind: int
    type: int
    visibility: int
    shndx: int


@dataclass(slots=True)
class ElfRel:
    """One ``Elf64_Rel`` entry: ``r_offset`` in the target section, symbol and type."""

    r_offset: int
    sym_index: int
    r_type: int


@dataclass
class ElfObject:
    """A BPF ELF object read into records."""

    path: str
    sections: list[ElfSection]
    symbols: list[ElfSymbol]
    #: relocation entries by the index of the section they apply to
    rels: dict[int, list[ElfRel]] = field(default_factory=dict)
    #: the SHT_REL section's name by target section index (for error messages)
    rel_names: dict[int, str] = field(default_factory=dict)
    #: first section of each name, built on first use (``sections`` is not changed later)
    _by_name: dict[str, ElfSection] | None = field(default=None, init=False, repr=False,
                                                   compare=False)
    #: ``loadable_sections()``, found by the reader's pass or on first use
    _loadable: list[ElfSection] | None = field(default=None, init=False, repr=False,
                                               compare=False)

    def section_by_name(self, name: str) -> ElfSection | None:
        """The first section called ``name``, or None."""
        if self._by_name is None:
            by_name: dict[str, ElfSection] = {}
            for s in self.sections:
                by_name.setdefault(s.name, s)
            self._by_name = by_name
        return self._by_name.get(name)

    def loadable_sections(self) -> list[ElfSection]:
        """The sections with SHF_ALLOC or SHF_EXECINSTR set, other than symbol and
        relocation tables (where code and data maps come from), in index order."""
        if self._loadable is None:
            self._loadable = [s for s in self.sections if s.sh_flags & _LOADABLE
                              and s.sh_type != SHT_SYMTAB and s.sh_type != SHT_REL]
        return self._loadable

    def section(self, index: int) -> ElfSection:
        """The section at ``index``; ParseError if out of range."""
        if 0 <= index < len(self.sections):
            return self.sections[index]
        raise ParseError(f"section index {index} out of range", offset=index)

    def symbol(self, index: int, where: str | None = None) -> ElfSymbol:
        """The symbol at ``index``; ParseError naming ``where`` if out of range."""
        if 0 <= index < len(self.symbols):
            return self.symbols[index]
        raise ParseError(f"symbol index {index} out of range ({len(self.symbols)} symbols)",
                         section=where)


def byte_order_error(path: str, ei_data: int) -> ParseError:
    """The refusal of an object whose ``e_ident[EI_DATA]`` is not ELFDATA2LSB."""
    what = {ELFDATA2MSB: "ELFDATA2MSB (big-endian)"}.get(ei_data, f"{ei_data} (invalid)")
    return ParseError(f"{path}: e_ident[EI_DATA] is {what}, this loader reads only "
                      "ELFDATA2LSB (little-endian) BPF objects", offset=EI_DATA)


def read_elf(path: str, raw: bytes | None = None, backend: str = "struct", *,
             check_byte_order: bool = True) -> ElfObject:
    """Read ``path`` (or ``raw``) as a 64-bit little-endian EM_BPF relocatable object.

    ``check_byte_order=False`` (mutation elf.byte_order only) skips the EI_DATA check and
    reads a big-endian object with pyelftools in its own byte order, bytes unchanged."""
    try:
        if raw is None:
            raw = _read_file(path)
    except OSError as exc:
        raise ParseError(f"{path}: cannot read: {exc.strerror}", errno=exc.errno) from exc
    reader: Callable[[str, bytes], ElfObject]
    if backend == "struct":
        reader = _read_struct
    elif backend == "pyelftools":
        reader = _read
    else:
        raise ParseError(f"unknown ELF reader backend {backend!r}")
    if len(raw) > EI_DATA and raw[:4] == b"\x7fELF" and raw[EI_DATA] != ELFDATA2LSB:
        if check_byte_order:
            raise byte_order_error(path, raw[EI_DATA])
        reader = functools.partial(_read, any_byte_order=True)
    try:
        return reader(path, raw)
    except LoaderError:
        raise
    except Exception as exc:  # pyelftools raises many types on malformed input
        raise ParseError(f"{path}: malformed ELF: {type(exc).__name__}: {exc}") from exc


def _read_file(path: str) -> bytes:
    """The whole file; os.open/os.read skip open()'s buffered reader (~2 us per object)."""
    fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    try:
        st = os.fstat(fd)
        want = st.st_size + 1
        chunks = [os.read(fd, want)]
        if len(chunks[0]) < want and S_ISREG(st.st_mode):  # regular: short only at EOF
            return chunks[0]
        while chunks[-1]:  # until EOF: a file may be longer than fstat said
            chunks.append(os.read(fd, 1 << 16))
        return b"".join(chunks)
    finally:
        os.close(fd)


def _read(path: str, raw: bytes, any_byte_order: bool = False) -> ElfObject:
    if raw[:4] != b"\x7fELF":
        raise ParseError(f"{path}: not an ELF file", offset=0)
    elf = ELFFile(io.BytesIO(raw))
    if elf.elfclass != 64:
        raise ParseError(f"{path}: not a 64-bit ELF (class {elf.elfclass})", offset=4)
    if not elf.little_endian and not any_byte_order:
        raise byte_order_error(path, raw[EI_DATA])
    if elf["e_machine"] not in ("EM_BPF", EM_BPF):
        raise ParseError(f"{path}: e_machine {elf['e_machine']} is not EM_BPF", offset=18)
    sections: list[ElfSection] = []
    symbols: list[ElfSymbol] = []
    rels: dict[int, list[ElfRel]] = {}
    rel_names: dict[int, str] = {}
    nsec = elf.num_sections()
    for i in range(nsec):
        s = elf.get_section(i)
        h = s.header
        sh_type = _num(h["sh_type"], {"SHT_NULL": 0, "SHT_PROGBITS": 1, "SHT_SYMTAB": 2,
                                       "SHT_STRTAB": 3, "SHT_NOBITS": 8, "SHT_REL": 9,
                                       "SHT_RELA": 4, "SHT_LLVM_ADDRSIG": SHT_LLVM_ADDRSIG})
        skip = sh_type in (0, SHT_NOBITS) or _is_debug(s.name) or (
            sh_type == SHT_REL and _is_debug(s.name[4:]))  # ignored below, as libbpf does
        data = b"" if skip else bytes(s.data())
        if not skip and len(data) != h["sh_size"]:
            raise ParseError(f"{path}: section {s.name} truncated", section=s.name,
                             offset=h["sh_offset"])
        sections.append(ElfSection(i, s.name, sh_type, h["sh_flags"], h["sh_size"],
                                   h["sh_link"], h["sh_info"], h["sh_entsize"], data))
        if isinstance(s, SymbolTableSection) and sh_type == SHT_SYMTAB:
            if symbols:
                raise ParseError(f"{path}: multiple symbol tables", section=s.name)
            for j, sym in enumerate(s.iter_symbols()):
                info = sym["st_info"]
                shndx = sym["st_shndx"]
                symbols.append(ElfSymbol(
                    j, sym.name, sym["st_value"], sym["st_size"],
                    _num(info["bind"], _BIND), _num(info["type"], _TYPE),
                    _num(sym["st_other"]["visibility"], _VIS),
                    shndx if isinstance(shndx, int) else _SHN.get(shndx, 0xFFFF)))
    for i in range(nsec):
        s = elf.get_section(i)
        if isinstance(s, RelocationSection) and sections[i].sh_type == SHT_REL:
            target = s.header["sh_info"]
            if _is_debug(s.name[4:]) or s.name in (".rel.BTF", ".rel.BTF.ext"):
                continue  # libbpf: ignore_elf_section
            if s.header["sh_entsize"] != 16 or target >= nsec:
                raise ParseError(f"{path}: bad relocation section {s.name}", section=s.name)
            rels[target] = [ElfRel(r["r_offset"], r["r_info_sym"], r["r_info_type"])
                            for r in s.iter_relocations()]
            rel_names[target] = s.name
    if not symbols:
        raise ParseError(f"{path}: no symbol table (stripped object?)")
    return ElfObject(path, sections, symbols, rels, rel_names)


# ---- struct backend: Elf64 layouts (include/uapi/linux/elf.h), little-endian -------------

Elf64_Ehdr = struct.Struct("<16sHHIQQQIHHHHHH")
Elf64_Shdr = struct.Struct("<IIQQQQIIQQ")
Elf64_Sym = struct.Struct("<IBBHQQ")
Elf64_Rel = struct.Struct("<QQ")
SHN_LORESERVE = 0xFF00
SHN_XINDEX = 0xFFFF
ET_REL = 1


def _read_struct(path: str, raw: bytes) -> ElfObject:
    if raw[:4] != b"\x7fELF":
        raise ParseError(f"{path}: not an ELF file", offset=0)
    if len(raw) < Elf64_Ehdr.size:
        raise ParseError(f"{path}: truncated ELF header", offset=0)
    if raw[4] != 2:
        raise ParseError(f"{path}: not a 64-bit ELF (class {raw[4]})", offset=4)
    if raw[EI_DATA] != ELFDATA2LSB:
        raise byte_order_error(path, raw[EI_DATA])
    (_, _, e_machine, _, _, _, e_shoff, _, _, _, _, e_shentsize, e_shnum,
     e_shstrndx) = Elf64_Ehdr.unpack_from(raw, 0)
    if e_machine != EM_BPF:
        raise ParseError(f"{path}: e_machine {e_machine} is not EM_BPF", offset=18)
    if e_shentsize != Elf64_Shdr.size or e_shoff + Elf64_Shdr.size > len(raw):
        raise ParseError(f"{path}: bad section header table", offset=e_shoff)
    first = Elf64_Shdr.unpack_from(raw, e_shoff)
    nsec = e_shnum or first[5]  # extended numbering: count in section 0's sh_size
    if e_shstrndx == SHN_XINDEX:
        e_shstrndx = first[6]
    if e_shoff + nsec * Elf64_Shdr.size > len(raw) or e_shstrndx >= nsec:
        raise ParseError(f"{path}: section header table out of bounds", offset=e_shoff)
    hdrs = list(Elf64_Shdr.iter_unpack(raw[e_shoff:e_shoff + nsec * Elf64_Shdr.size]))
    strtab_h = hdrs[e_shstrndx]
    shstr = raw[strtab_h[4]:strtab_h[4] + strtab_h[5]]
    sections: list[ElfSection] = []
    symtabs: list[ElfSection] = []
    relsecs: list[ElfSection] = []  # symbol and relocation tables found in the same pass
    loadable: list[ElfSection] = []  # and ElfObject.loadable_sections()
    size = len(raw)
    # names inline (a helper call per section/symbol adds up) from the table decoded once:
    # latin-1 keeps one character per byte, so string offsets are byte offsets
    shtext = shstr.decode("latin-1")
    shfind, sh_ascii = shtext.find, shstr.isascii()
    for i, (sh_name, sh_type, sh_flags, _, sh_offset, sh_size, sh_link, sh_info, _,
            sh_entsize) in enumerate(hdrs):
        if i:
            end = shfind("\0", sh_name)
            if end < 0:  # also an offset past the table's end
                raise ParseError(f"{path}: section {i} name: string offset {sh_name} "
                                 "out of range")
            name = shtext[sh_name:end] if sh_ascii else _utf8(shtext[sh_name:end])
        else:
            name = ""
        if sh_type == 0 or sh_type == SHT_NOBITS or name.startswith(".debug_") or (
                sh_type == SHT_REL and name.startswith(".debug_", 4)):  # never read
            data = b""
        else:
            if sh_offset + sh_size > size:
                raise ParseError(f"{path}: section {name} truncated", section=name,
                                 offset=sh_offset)
            data = raw[sh_offset:sh_offset + sh_size]
        sec = ElfSection(i, name, sh_type, sh_flags, sh_size, sh_link, sh_info, sh_entsize,
                         data)
        sections.append(sec)
        if sh_type == SHT_SYMTAB:
            symtabs.append(sec)
        elif sh_type == SHT_REL:
            relsecs.append(sec)
        elif sh_flags & _LOADABLE:
            loadable.append(sec)
    if len(symtabs) > 1:
        raise ParseError(f"{path}: multiple symbol tables", section=symtabs[1].name)
    if not symtabs:
        raise ParseError(f"{path}: no symbol table (stripped object?)")
    symtab = symtabs[0]
    if symtab.sh_entsize != Elf64_Sym.size or symtab.sh_link >= nsec:
        raise ParseError(f"{path}: bad symbol table", section=symtab.name)
    if symtab.sh_link == e_shstrndx:  # one string table for both (clang's .strtab)
        stext, s_ascii = shtext, sh_ascii
    else:
        strh = hdrs[symtab.sh_link]
        strtab = raw[strh[4]:strh[4] + strh[5]]
        stext, s_ascii = strtab.decode("latin-1"), strtab.isascii()
    sfind = stext.find
    symbols = []
    for j, (st_name, st_info, st_other, st_shndx, st_value, st_size) in enumerate(
            Elf64_Sym.iter_unpack(symtab.data[:len(symtab.data) // 24 * 24])):
        if st_name:
            end = sfind("\0", st_name)
            if end < 0:
                raise ParseError(f"{path}: symbol {j} name: string offset {st_name} "
                                 "out of range")
            name = stext[st_name:end] if s_ascii else _utf8(stext[st_name:end])
        else:
            name = ""
        symbols.append(ElfSymbol(j, name, st_value, st_size, st_info >> 4, st_info & 0xF,
                                 st_other & 0x3, st_shndx))
    rels: dict[int, list[ElfRel]] = {}
    rel_names: dict[int, str] = {}
    for sec in relsecs:
        if sec.name.startswith(".debug_", 4) or sec.name in (".rel.BTF", ".rel.BTF.ext"):
            continue  # libbpf: ignore_elf_section
        if sec.sh_entsize != Elf64_Rel.size or sec.sh_info >= nsec:
            raise ParseError(f"{path}: bad relocation section {sec.name}", section=sec.name)
        rels[sec.sh_info] = [ElfRel(off, info >> 32, info & 0xFFFFFFFF) for off, info in
                             Elf64_Rel.iter_unpack(sec.data[:len(sec.data) // 16 * 16])]
        rel_names[sec.sh_info] = sec.name
    obj = ElfObject(path, sections, symbols, rels, rel_names)
    obj._by_name = {s.name: s for s in reversed(sections)}  # the first of a name wins
    obj._loadable = loadable
    return obj


def _utf8(latin1: str) -> str:
    """A name of a non-ASCII string table: its bytes back from latin-1, read as UTF-8."""
    return latin1.encode("latin-1").decode("utf-8", "replace")


def _is_debug(name: str) -> bool:
    return name.startswith(".debug_")


def _num(v: object, names: dict[str, int]) -> int:
    if isinstance(v, int):
        return v
    if isinstance(v, str) and v in names:
        return names[v]
    return -1  # a value this loader has no use for (e.g. STB_GNU_UNIQUE)
