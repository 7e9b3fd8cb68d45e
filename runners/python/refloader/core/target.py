"""The target BTF of CO-RE relocation: lazily decoded, indexed by essential name, cached.

libbpf resolves a CO-RE relocation against every target type whose *essential name*
(the name without a ``___flavour`` suffix, ``bpf_core_essential_name_len``) equals the
local type's.  ``/sys/kernel/btf/vmlinux`` holds ~130k types; decoding all of them into
records (``refloader.btf.Btf.parse``) costs ~0.4 s in CPython, while a relocation pass
looks at a few dozen.  So the target is kept as raw bytes plus two tables:

* ``offsets``: byte offset of each type record (``offsets[type_id]``), from one linear
  scan of the type section that reads only each record's ``info`` word;
* ``index``: essential name (bytes) -> type ids, for candidate lookup.

Records are decoded on first use into the ``refloader.btf`` dataclasses (the same model
the local BTF uses), so the relocation engine sees one API: ``type_by_id``,
``skip_mods_and_typedefs``, ``resolve_size``.  Those answers, and per-record lookup tables
(``member_index``: a composite's members by name, ``enumval_index``: an enum's
enumerators by essential name), are memoised on the ``TargetBtf``, which lives as long as
the file is unchanged (``refloader.core.relocate.target_for``).

Both tables are stored on disk for a large BTF, keyed by a hash of the BTF bytes
(``$BPFCONFORM_CACHE_DIR/core-index/``, default ``~/.cache/bpfconform``), so a warm
start reads the BTF, hashes it and loads the tables (``marshal``) without scanning.
A target may be a raw BTF file (vmlinux) or an ELF object with a ``.BTF`` section
(a ``-DTARGET`` stub, as ``btf_custom_path``).

No syscalls: plain file reads and writes only.
"""

from __future__ import annotations

import contextlib
import hashlib
import marshal
import os
import struct
from array import array
from dataclasses import dataclass, field

from refloader.btf import (
    BTF_HEADER_LEN,
    BTF_MAGIC,
    MODIFIER_KINDS,
    Array,
    BtfKind,
    BtfType,
    Composite,
    Const,
    DeclTag,
    Enum,
    Enum64,
    EnumValue,
    Float,
    Func,
    FuncProto,
    Fwd,
    Int,
    Member,
    Param,
    Ptr,
    Restrict,
    StringTable,
    Struct,
    Typedef,
    TypeTag,
    Union,
    Var,
    Void,
    Volatile,
)
from refloader.errors import BTFError

CACHE_ENV = "BPFCONFORM_CACHE_DIR"
CACHE_FORMAT = 1
CACHE_MIN_BYTES = 1 << 20

# Per-kind record layout after the 12-byte ``struct btf_type``: fixed extra bytes, and
# bytes per vlen entry (Documentation/bpf/btf.rst, "Type encoding").  FUNC's vlen is its
# linkage, not a count.
_EXTRA = [0] * 32
_PER_VLEN = [0] * 32
_EXTRA[BtfKind.INT] = 4
_EXTRA[BtfKind.ARRAY] = 12
_EXTRA[BtfKind.VAR] = 4
_EXTRA[BtfKind.DECL_TAG] = 4
_PER_VLEN[BtfKind.STRUCT] = 12
_PER_VLEN[BtfKind.UNION] = 12
_PER_VLEN[BtfKind.ENUM] = 8
_PER_VLEN[BtfKind.FUNC_PROTO] = 8
_PER_VLEN[BtfKind.DATASEC] = 12
_PER_VLEN[BtfKind.ENUM64] = 12
#: kinds never used as a CO-RE candidate (not indexed)
_NOT_INDEXED = frozenset({BtfKind.FUNC, BtfKind.VAR, BtfKind.DATASEC, BtfKind.DECL_TAG})

#: kinds whose record holds the size (a tuple: isinstance on ``A | B`` is ~4x slower)
_SIZED = (Int, Float, Composite, Enum, Enum64)
#: what ``skip_mods_and_typedefs`` follows
_SKIPPED_KINDS = MODIFIER_KINDS | {BtfKind.TYPEDEF}

_REF = {
    BtfKind.PTR: Ptr, BtfKind.TYPEDEF: Typedef, BtfKind.VOLATILE: Volatile,
    BtfKind.CONST: Const, BtfKind.RESTRICT: Restrict, BtfKind.TYPE_TAG: TypeTag,
}


def essential_name(name: str) -> str:
    """``name`` without its ``___flavour`` suffix (libbpf ``bpf_core_essential_name_len``).

    The last ``X___Y`` where neither X nor Y is an underscore splits the name.
    """
    if "___" not in name:
        return name
    for i in range(len(name) - 5, -1, -1):
        if (name[i] != "_" and name[i + 1:i + 4] == "___" and name[i + 4] != "_"):
            return name[:i + 1]
    return name


def _essential_bytes(name: bytes) -> bytes:
    if b"___" not in name:
        return name
    return essential_name(name.decode("utf-8", "replace")).encode()


@dataclass
class TargetBtf:
    """A target BTF: raw bytes, record offsets and an essential-name index."""

    raw: bytes
    endian: str
    type_start: int
    strings: StringTable
    offsets: array[int]
    index: dict[bytes, list[int]]
    digest: str
    source: str
    _decoded: dict[int, BtfType] = field(default_factory=dict)
    #: memos of ``skip_mods_and_typedefs`` and ``resolve_size`` (the target is immutable)
    _skipped: dict[int, int] = field(default_factory=dict)
    _sizes: dict[int, int] = field(default_factory=dict)
    #: memos of ``member_index`` and ``enumval_index``
    _members: dict[int, dict[str, int] | None] = field(default_factory=dict)
    #: memo of ``composite``
    _composites: dict[int, tuple[int, Composite, dict[str, int] | None] | None] = field(
        default_factory=dict)
    _enumvals: dict[int, dict[str, int]] = field(default_factory=dict)

    def __len__(self) -> int:
        """Number of type ids including void."""
        return len(self.offsets)

    def candidates(self, name: str) -> list[int]:
        """Type ids whose essential name is ``name`` (any kind), in id order."""
        return self.index.get(name.encode(), [])

    def type_by_id(self, type_id: int) -> BtfType:
        """The decoded record of ``type_id``."""
        t = self._decoded.get(type_id)
        if t is None:
            if type_id == 0:
                return Void("", 0, False)
            if type_id < 0 or type_id >= len(self.offsets):
                raise BTFError(f"target BTF type id {type_id} out of range "
                               f"({len(self.offsets)} types)", section=self.source)
            t = self._decode(self.offsets[type_id])
            self._decoded[type_id] = t
        return t

    def skip_mods_and_typedefs(self, type_id: int) -> int:
        """Follow modifiers and typedefs (libbpf ``skip_mods_and_typedefs``)."""
        done = self._skipped.get(type_id)
        if done is not None:
            return done
        start = type_id
        for _ in range(64):
            t = self.type_by_id(type_id)
            if t.kind not in _SKIPPED_KINDS:
                self._skipped[start] = type_id
                return type_id
            type_id = t.size_or_type()
        raise BTFError(f"target BTF modifier loop at type {type_id}", section=self.source)

    def member_index(self, type_id: int, t: Composite) -> dict[str, int] | None:
        """Member name -> index of its first member in composite ``t`` (id ``type_id``);
        None when ``t`` has an anonymous member (those must be searched in order)."""
        if type_id in self._members:
            return self._members[type_id]
        index: dict[str, int] = {}
        for i, m in enumerate(t.members):
            if not m.name:
                self._members[type_id] = None
                return None
            index.setdefault(m.name, i)
        self._members[type_id] = index
        return index

    def composite(self, type_id: int) -> tuple[int, Composite, dict[str, int] | None] | None:
        """Where a member access on ``type_id`` looks: after modifiers and typedefs, a
        composite's (id, record, ``member_index``); None when that is no composite.  One
        memo hit for what takes three lookups otherwise (the hot path of member matching)."""
        try:
            return self._composites[type_id]
        except KeyError:
            pass
        tid = self.skip_mods_and_typedefs(type_id)
        t = self.type_by_id(tid)
        found = (tid, t, self.member_index(tid, t)) if isinstance(t, Composite) else None
        self._composites[type_id] = found
        return found

    def enumval_index(self, type_id: int, t: Enum | Enum64) -> dict[str, int]:
        """Essential name -> index of the first enumerator of ``t`` (id ``type_id``)."""
        index = self._enumvals.get(type_id)
        if index is None:
            index = {}
            for i, v in enumerate(t.values):
                index.setdefault(essential_name(v.name), i)
            self._enumvals[type_id] = index
        return index

    def resolve_size(self, type_id: int) -> int:
        """Size in bytes (``btf__resolve_size``)."""
        done = self._sizes.get(type_id)
        if done is not None:
            return done
        size = self._resolve_size(type_id)
        self._sizes[type_id] = size
        return size

    def _resolve_size(self, type_id: int) -> int:
        mult = 1
        for _ in range(64):
            t = self.type_by_id(type_id)
            if isinstance(t, _SIZED):
                return mult * t.size
            if isinstance(t, Ptr):
                return mult * 8
            if isinstance(t, Array):
                mult *= t.nelems
                type_id = t.type
                continue
            if t.kind in MODIFIER_KINDS or isinstance(t, (Typedef, Var)):
                type_id = t.size_or_type()
                continue
            raise BTFError(f"target BTF type {type_id} ({t.kind.name}) has no size",
                           section=self.source)
        raise BTFError(f"target BTF type chain too deep at {type_id}", section=self.source)

    def _decode(self, pos: int) -> BtfType:
        e, buf, get = self.endian, self.raw, self.strings.get
        name_off, info, st = struct.unpack_from(e + "III", buf, pos)
        kind, vlen, kflag = (info >> 24) & 0x1F, info & 0xFFFF, bool(info >> 31)
        name, p = get(name_off), pos + 12
        if kind == BtfKind.INT:
            (enc,) = struct.unpack_from(e + "I", buf, p)
            return Int(name, name_off, kflag, st, (enc >> 24) & 0xF, (enc >> 16) & 0xFF,
                       enc & 0xFF)
        if kind in _REF:
            return _REF[kind](name, name_off, kflag, st)
        if kind in (BtfKind.STRUCT, BtfKind.UNION):
            ms = [Member(get(n), n, t, o) for n, t, o in
                  struct.iter_unpack(e + "III", buf[p:p + 12 * vlen])]
            return (Struct if kind == BtfKind.STRUCT else Union)(name, name_off, kflag, st, ms)
        if kind == BtfKind.ARRAY:
            a_t, a_i, a_n = struct.unpack_from(e + "III", buf, p)
            return Array(name, name_off, kflag, a_t, a_i, a_n)
        if kind == BtfKind.ENUM:
            vals = []
            for n, v in struct.iter_unpack(e + "II", buf[p:p + 8 * vlen]):
                vals.append(EnumValue(get(n), n, v - (1 << 32) if kflag and v >> 31 else v))
            return Enum(name, name_off, kflag, st, vals)
        if kind == BtfKind.ENUM64:
            vals = []
            for n, lo, hi in struct.iter_unpack(e + "III", buf[p:p + 12 * vlen]):
                v = hi << 32 | lo
                vals.append(EnumValue(get(n), n, v - (1 << 64) if kflag and v >> 63 else v))
            return Enum64(name, name_off, kflag, st, vals)
        if kind == BtfKind.FWD:
            return Fwd(name, name_off, kflag)
        if kind == BtfKind.FUNC_PROTO:
            ps = [Param(get(n), n, t) for n, t in
                  struct.iter_unpack(e + "II", buf[p:p + 8 * vlen])]
            return FuncProto(name, name_off, kflag, st, ps)
        if kind == BtfKind.FUNC:
            return Func(name, name_off, kflag, st, vlen)
        if kind == BtfKind.FLOAT:
            return Float(name, name_off, kflag, st)
        if kind == BtfKind.VAR:
            (linkage,) = struct.unpack_from(e + "I", buf, p)
            return Var(name, name_off, kflag, st, linkage)
        if kind == BtfKind.DECL_TAG:
            (cidx,) = struct.unpack_from(e + "i", buf, p)
            return DeclTag(name, name_off, kflag, st, cidx)
        # DATASEC and unknown kinds never take part in CO-RE matching
        return BtfType(name, name_off, kflag)


def _btf_bytes(path: str, raw: bytes) -> bytes:
    """The BTF blob of ``raw``: the file itself, or the ``.BTF`` section of an ELF."""
    if raw[:4] != b"\x7fELF":
        return raw
    from refloader.elf import read_elf  # ELF parsing only for -DTARGET stubs

    sec = read_elf(path, raw).section_by_name(".BTF")
    if sec is None:
        raise BTFError(f"{path}: ELF object without a .BTF section", section=".BTF")
    return sec.data


def _scan(raw: bytes, e: str, t0: int, tlen: int, s0: int,
          slen: int) -> tuple[array[int], dict[bytes, list[int]]]:
    """One pass over the type section: record offsets and the essential-name index."""
    unpack = struct.Struct(e + "II").unpack_from
    offsets = array("I", [0])
    add = offsets.append
    named: list[tuple[int, int]] = []
    extra, per_vlen, skip = _EXTRA, _PER_VLEN, _NOT_INDEXED
    pos, end, tid = t0, t0 + tlen, 0
    while pos < end:
        name_off, info = unpack(raw, pos)
        kind = (info >> 24) & 0x1F
        tid += 1
        add(pos)
        if name_off and kind not in skip:
            named.append((name_off, tid))
        pos += 12 + extra[kind] + (info & 0xFFFF) * per_vlen[kind]
    if pos != end:
        raise BTFError("BTF type section does not end on a record boundary", section=".BTF")
    strs = raw[s0:s0 + slen]
    find = strs.find
    index: dict[bytes, list[int]] = {}
    by_off: dict[int, bytes] = {}
    for name_off, i in named:
        key = by_off.get(name_off)
        if key is None:
            key = _essential_bytes(strs[name_off:find(b"\0", name_off)])
            by_off[name_off] = key
        ids = index.get(key)
        if ids is None:
            index[key] = [i]
        else:
            ids.append(i)
    return offsets, index


def cache_dir() -> str:
    """Where target indexes are cached (``$BPFCONFORM_CACHE_DIR`` or ~/.cache/bpfconform)."""
    return os.environ.get(CACHE_ENV) or os.path.join(
        os.path.expanduser("~"), ".cache", "bpfconform")


def load_target(path: str, use_cache: bool = True,
                cache_min_bytes: int = CACHE_MIN_BYTES) -> TargetBtf:
    """Read the target BTF at ``path`` (raw BTF or ELF with ``.BTF``) and index it.

    With ``use_cache``, a BTF of at least ``cache_min_bytes`` (vmlinux, not the small
    stubs, which scan in microseconds) has its index read from / written to
    ``cache_dir()/core-index/<blake2b of the BTF>.bin``; a corrupt cache file is rebuilt.
    """
    try:
        with open(path, "rb") as f:
            file_raw = f.read()
    except OSError as exc:
        raise BTFError(f"{path}: cannot read target BTF: {exc.strerror}",
                       errno=exc.errno) from exc
    raw = _btf_bytes(path, file_raw)
    if len(raw) < BTF_HEADER_LEN:
        raise BTFError(f"{path}: BTF too short", section=".BTF")
    (magic,) = struct.unpack_from("<H", raw, 0)
    e = "<" if magic == BTF_MAGIC else ">" if magic == 0x9FEB else ""
    if not e:
        raise BTFError(f"{path}: bad BTF magic {magic:#x}", section=".BTF", offset=0)
    _, _, _, hdr_len, type_off, type_len, str_off, str_len = struct.unpack_from(
        e + "HBBIIIII", raw, 0)
    t0, s0 = hdr_len + type_off, hdr_len + str_off
    if t0 + type_len > len(raw) or s0 + str_len > len(raw):
        raise BTFError(f"{path}: BTF sections out of bounds", section=".BTF")
    digest = hashlib.blake2b(raw, digest_size=16).hexdigest()
    cache_file = os.path.join(cache_dir(), "core-index", f"{digest}.bin")
    use_cache = use_cache and len(raw) >= cache_min_bytes
    tables = _read_cache(cache_file) if use_cache else None
    if tables is None:
        tables = _scan(raw, e, t0, type_len, s0, str_len)
        if use_cache:
            _write_cache(cache_file, tables)
    offsets, index = tables
    return TargetBtf(raw, e, t0, StringTable(raw[s0:s0 + str_len]), offsets, index,
                     digest, path)


def _read_cache(file: str) -> tuple[array[int], dict[bytes, list[int]]] | None:
    try:
        with open(file, "rb") as f:
            fmt, off_bytes, index = marshal.load(f)
    except (OSError, EOFError, ValueError, TypeError):
        return None
    if fmt != CACHE_FORMAT or not isinstance(index, dict):
        return None
    offsets = array("I")
    offsets.frombytes(off_bytes)
    return offsets, index


def _write_cache(file: str, tables: tuple[array[int], dict[bytes, list[int]]]) -> None:
    tmp = f"{file}.{os.getpid()}.tmp"
    try:
        os.makedirs(os.path.dirname(file), exist_ok=True)
        with open(tmp, "wb") as f:
            marshal.dump((CACHE_FORMAT, tables[0].tobytes(), tables[1]), f)
        os.replace(tmp, file)
    except OSError:  # a read-only cache directory only costs speed
        with contextlib.suppress(OSError):
            os.unlink(tmp)
