"""ELF layer: sections, symbols and relocation tables of a BPF object, via pyelftools.

Everything is read once into plain records (``ElfSection``, ``ElfSymbol``, ``ElfRel``);
pyelftools errors are converted to ``ParseError`` here, at the one boundary.  No kernel
facts are needed: this module makes no syscalls.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field

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
STB_LOCAL, STB_GLOBAL, STB_WEAK = 0, 1, 2
STT_NOTYPE, STT_OBJECT, STT_FUNC, STT_SECTION = 0, 1, 2, 3
STV_DEFAULT, STV_INTERNAL, STV_HIDDEN = 0, 1, 2
SHN_UNDEF = 0
SHN_ABS = 0xFFF1
SHN_COMMON = 0xFFF2

_BIND = {"STB_LOCAL": STB_LOCAL, "STB_GLOBAL": STB_GLOBAL, "STB_WEAK": STB_WEAK}
_TYPE = {"STT_NOTYPE": STT_NOTYPE, "STT_OBJECT": STT_OBJECT, "STT_FUNC": STT_FUNC,
         "STT_SECTION": STT_SECTION, "STT_FILE": 4, "STT_COMMON": 5, "STT_TLS": 6}
_VIS = {"STV_DEFAULT": STV_DEFAULT, "STV_INTERNAL": STV_INTERNAL, "STV_HIDDEN": STV_HIDDEN,
        "STV_PROTECTED": 3}
_SHN = {"SHN_UNDEF": SHN_UNDEF, "SHN_ABS": SHN_ABS, "SHN_COMMON": SHN_COMMON}


@dataclass(frozen=True)
class ElfSection:
    """One section header and its bytes (``data`` is zeros-free empty for SHT_NOBITS)."""

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


@dataclass(frozen=True)
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


@dataclass(frozen=True)
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

    def section_by_name(self, name: str) -> ElfSection | None:
        """The first section called ``name``, or None."""
        for s in self.sections:
            if s.name == name:
                return s
        return None

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


def read_elf(path: str, raw: bytes | None = None) -> ElfObject:
    """Read ``path`` (or ``raw``) as a 64-bit little-endian EM_BPF relocatable object."""
    try:
        if raw is None:
            with open(path, "rb") as f:
                raw = f.read()
    except OSError as exc:
        raise ParseError(f"{path}: cannot read: {exc.strerror}") from exc
    try:
        return _read(path, raw)
    except LoaderError:
        raise
    except Exception as exc:  # pyelftools raises many types on malformed input
        raise ParseError(f"{path}: malformed ELF: {type(exc).__name__}: {exc}") from exc


def _read(path: str, raw: bytes) -> ElfObject:
    if raw[:4] != b"\x7fELF":
        raise ParseError(f"{path}: not an ELF file", offset=0)
    elf = ELFFile(io.BytesIO(raw))
    if elf.elfclass != 64:
        raise ParseError(f"{path}: not a 64-bit ELF (class {elf.elfclass})", offset=4)
    if not elf.little_endian:
        raise ParseError(f"{path}: big-endian BPF object on a little-endian host", offset=5)
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
        skip = sh_type in (0, SHT_NOBITS) or _is_debug(s.name)
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


def _is_debug(name: str) -> bool:
    return name.startswith(".debug_")


def _num(v: object, names: dict[str, int]) -> int:
    if isinstance(v, int):
        return v
    if isinstance(v, str) and v in names:
        return names[v]
    return -1  # a value this loader has no use for (e.g. STB_GNU_UNIQUE)
