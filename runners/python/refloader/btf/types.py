"""BTF types: the kinds, flags and one record class per ``struct btf_type`` kind (with its
kind-specific data), as the kernel's ``include/uapi/linux/btf.h`` and
``Documentation/bpf/btf.rst`` define them. Type id 0 is ``void``: ``Void``."""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from enum import IntEnum

BTF_MAGIC = 0xEB9F
BTF_VERSION = 1
BTF_HEADER_LEN = 24  # sizeof(struct btf_header)
BTF_MAX_VLEN = 0xFFFF


class BtfKind(IntEnum):
    """``BTF_KIND_*`` from include/uapi/linux/btf.h."""

    UNKN = 0
    INT = 1
    PTR = 2
    ARRAY = 3
    STRUCT = 4
    UNION = 5
    ENUM = 6
    FWD = 7
    TYPEDEF = 8
    VOLATILE = 9
    CONST = 10
    RESTRICT = 11
    FUNC = 12
    FUNC_PROTO = 13
    VAR = 14
    DATASEC = 15
    FLOAT = 16
    DECL_TAG = 17
    TYPE_TAG = 18
    ENUM64 = 19


class BtfFuncLinkage(IntEnum):
    """``enum btf_func_linkage``: the vlen of a FUNC record."""

    BTF_FUNC_STATIC = 0
    BTF_FUNC_GLOBAL = 1
    BTF_FUNC_EXTERN = 2


class BtfVarLinkage(IntEnum):
    """``enum btf_var_linkage``: ``struct btf_var.linkage``."""

    BTF_VAR_STATIC = 0
    BTF_VAR_GLOBAL_ALLOCATED = 1
    BTF_VAR_GLOBAL_EXTERN = 2


# INT encoding bits (BTF_INT_ENCODING)
BTF_INT_SIGNED = 1 << 0
BTF_INT_CHAR = 1 << 1
BTF_INT_BOOL = 1 << 2


# ---- records ---------------------------------------------------------------------------


@dataclass(slots=True)
class BtfType:
    """Common part of every ``struct btf_type``: name and kind_flag.

    ``name_off`` is the offset in the string table as read; ``name`` the decoded string.
    Sub-classes carry the meaning of the ``size``/``type`` union and the trailing data.
    """

    name: str
    name_off: int
    kind_flag: bool

    kind = BtfKind.UNKN

    def vlen(self) -> int:
        """The ``vlen`` field of ``info`` (count of trailing records, or FUNC linkage)."""
        return 0

    def size_or_type(self) -> int:
        """The value of the ``size``/``type`` union in ``struct btf_type``."""
        return 0


@dataclass(slots=True)
class Void(BtfType):
    """Type id 0 (``void``); never marshalled."""


@dataclass(slots=True)
class Int(BtfType):
    """BTF_KIND_INT: ``size`` bytes, followed by a u32 (encoding, bit offset, bits)."""

    size: int
    encoding: int
    offset: int
    bits: int
    kind = BtfKind.INT

    def size_or_type(self) -> int:
        """The ``size`` field."""
        return self.size


@dataclass(slots=True)
class RefType(BtfType):
    """A kind whose union holds a referenced ``type`` id and which has no trailing data."""

    type: int

    def size_or_type(self) -> int:
        """The ``type`` field."""
        return self.type


@dataclass(slots=True)
class Ptr(RefType):
    """BTF_KIND_PTR."""

    kind = BtfKind.PTR


@dataclass(slots=True)
class Typedef(RefType):
    """BTF_KIND_TYPEDEF."""

    kind = BtfKind.TYPEDEF


@dataclass(slots=True)
class Volatile(RefType):
    """BTF_KIND_VOLATILE."""

    kind = BtfKind.VOLATILE


@dataclass(slots=True)
class Const(RefType):
    """BTF_KIND_CONST."""

    kind = BtfKind.CONST


@dataclass(slots=True)
class Restrict(RefType):
    """BTF_KIND_RESTRICT."""

    kind = BtfKind.RESTRICT


@dataclass(slots=True)
class TypeTag(RefType):
    """BTF_KIND_TYPE_TAG (``btf_type_tag``)."""

    kind = BtfKind.TYPE_TAG


@dataclass(slots=True)
class Func(RefType):
    """BTF_KIND_FUNC: ``type`` is a FUNC_PROTO id; vlen holds the linkage."""

    linkage: int = BtfFuncLinkage.BTF_FUNC_STATIC
    kind = BtfKind.FUNC

    def vlen(self) -> int:
        """The linkage, stored in vlen."""
        return self.linkage


@dataclass(slots=True)
class Fwd(BtfType):
    """BTF_KIND_FWD: a forward declaration; ``kind_flag`` set means union."""

    kind = BtfKind.FWD


@dataclass(slots=True)
class Float(BtfType):
    """BTF_KIND_FLOAT of ``size`` bytes."""

    size: int
    kind = BtfKind.FLOAT

    def size_or_type(self) -> int:
        """The ``size`` field."""
        return self.size


@dataclass(slots=True)
class Array(BtfType):
    """BTF_KIND_ARRAY: followed by ``struct btf_array``."""

    type: int
    index_type: int
    nelems: int
    kind = BtfKind.ARRAY


@dataclass(slots=True)
class Member:
    """``struct btf_member``; ``offset`` is the raw u32 (see ``Composite.bit_offset``)."""

    name: str
    name_off: int
    type: int
    offset: int


@dataclass(slots=True)
class Composite(BtfType):
    """BTF_KIND_STRUCT / BTF_KIND_UNION of ``size`` bytes with ``members``."""

    size: int
    members: list[Member] = field(default_factory=list)

    def vlen(self) -> int:
        """Number of members."""
        return len(self.members)

    def size_or_type(self) -> int:
        """The ``size`` field."""
        return self.size

    def bit_offset(self, m: Member) -> int:
        """Bit offset of member ``m`` (``BTF_MEMBER_BIT_OFFSET`` when kind_flag is set)."""
        return m.offset & 0xFFFFFF if self.kind_flag else m.offset

    def bitfield_size(self, m: Member) -> int:
        """Bitfield size of member ``m`` (0 when not a bitfield)."""
        return m.offset >> 24 if self.kind_flag else 0


@dataclass(slots=True)
class Struct(Composite):
    """BTF_KIND_STRUCT."""

    kind = BtfKind.STRUCT


@dataclass(slots=True)
class Union(Composite):
    """BTF_KIND_UNION."""

    kind = BtfKind.UNION


@dataclass(slots=True)
class EnumValue:
    """``struct btf_enum`` / ``struct btf_enum64``; ``value`` as read (signed if the enum is)."""

    name: str
    name_off: int
    value: int


@dataclass(slots=True)
class Enum(BtfType):
    """BTF_KIND_ENUM (32-bit values); ``kind_flag`` set means signed."""

    size: int
    values: list[EnumValue] = field(default_factory=list)
    kind = BtfKind.ENUM

    def vlen(self) -> int:
        """Number of values."""
        return len(self.values)

    def size_or_type(self) -> int:
        """The ``size`` field."""
        return self.size


@dataclass(slots=True)
class Enum64(BtfType):
    """BTF_KIND_ENUM64 (64-bit values); ``kind_flag`` set means signed."""

    size: int
    values: list[EnumValue] = field(default_factory=list)
    kind = BtfKind.ENUM64

    def vlen(self) -> int:
        """Number of values."""
        return len(self.values)

    def size_or_type(self) -> int:
        """The ``size`` field."""
        return self.size


@dataclass(slots=True)
class Param:
    """``struct btf_param`` of a FUNC_PROTO."""

    name: str
    name_off: int
    type: int


@dataclass(slots=True)
class FuncProto(BtfType):
    """BTF_KIND_FUNC_PROTO: return ``type`` and ``params``."""

    type: int
    params: list[Param] = field(default_factory=list)
    kind = BtfKind.FUNC_PROTO

    def vlen(self) -> int:
        """Number of parameters."""
        return len(self.params)

    def size_or_type(self) -> int:
        """The return type id."""
        return self.type


@dataclass(slots=True)
class Var(BtfType):
    """BTF_KIND_VAR: variable of ``type`` with ``linkage`` (``struct btf_var``)."""

    type: int
    linkage: int
    kind = BtfKind.VAR

    def size_or_type(self) -> int:
        """The ``type`` field."""
        return self.type


@dataclass(slots=True)
class VarSecinfo:
    """``struct btf_var_secinfo``: one VAR of a DATASEC."""

    type: int
    offset: int
    size: int


@dataclass(slots=True)
class Datasec(BtfType):
    """BTF_KIND_DATASEC: an ELF data section of ``size`` bytes and its variables."""

    size: int
    vars: list[VarSecinfo] = field(default_factory=list)
    kind = BtfKind.DATASEC

    def vlen(self) -> int:
        """Number of variables."""
        return len(self.vars)

    def size_or_type(self) -> int:
        """The ``size`` field."""
        return self.size


@dataclass(slots=True)
class DeclTag(BtfType):
    """BTF_KIND_DECL_TAG on ``type`` (``component_idx`` -1: the type itself)."""

    type: int
    component_idx: int
    kind = BtfKind.DECL_TAG

    def size_or_type(self) -> int:
        """The ``type`` field."""
        return self.type


_REF_KINDS: dict[int, type[RefType]] = {
    BtfKind.PTR: Ptr,
    BtfKind.TYPEDEF: Typedef,
    BtfKind.VOLATILE: Volatile,
    BtfKind.CONST: Const,
    BtfKind.RESTRICT: Restrict,
    BtfKind.TYPE_TAG: TypeTag,
}

_REF_KINDS_INT: dict[int, type[RefType]] = {int(k): v for k, v in _REF_KINDS.items()}

#: kinds that only qualify the type they point to (skipped by ``Btf.skip_mods``)
MODIFIER_KINDS = frozenset(
    {BtfKind.VOLATILE, BtfKind.CONST, BtfKind.RESTRICT, BtfKind.TYPE_TAG}
)

#: whether records of byte order "<" / ">" need swapping on this host (parse and marshal)
_SWAP = {"<": sys.byteorder != "little", ">": sys.byteorder != "big"}
