"""BTF model: parse a ``.BTF`` blob into typed records, look types up, marshal back.

One module per operation, as cilium/ebpf's ``btf/`` package: ``types`` (kinds and records),
``strings`` (the string table), ``parse`` (bytes -> records, the fast name index),
``marshal`` (records -> bytes), ``btf`` (the ``Btf`` object), ``fixup`` (DATASEC fix-ups
from the ELF).  The public names are re-exported here.

Layout from the kernel's ``Documentation/bpf/btf.rst`` (``include/uapi/linux/btf.h``):
a ``struct btf_header``, then the type section (``struct btf_type`` records, each followed
by kind-specific data), then the string section.  Type id 0 is ``void`` and has no
record; ``Btf.types[0]`` is a ``Void`` placeholder so that ``types[id]`` works.

Round trip: ``Btf.parse(raw).marshal() == raw`` for every well-formed blob (objects built
by clang and ``/sys/kernel/btf/vmlinux``).  Records keep their ``name_off``; if a record's
``name`` is changed, ``marshal`` adds the new string to the string table.

This module makes no syscalls; the ELF facts needed by ``fixup_datasecs`` arrive as
callables (the aya-obj style).
"""

from refloader.btf.btf import Btf, BtfHeader
from refloader.btf.fixup import EXTERN_DATASECS, SectionSizeLookup, SymbolLookup, fixup_datasecs
from refloader.btf.parse import index_names
from refloader.btf.strings import StringTable
from refloader.btf.types import (
    BTF_HEADER_LEN,
    BTF_INT_BOOL,
    BTF_INT_CHAR,
    BTF_INT_SIGNED,
    BTF_MAGIC,
    BTF_MAX_VLEN,
    BTF_VERSION,
    MODIFIER_KINDS,
    Array,
    BtfFuncLinkage,
    BtfKind,
    BtfType,
    BtfVarLinkage,
    Composite,
    Const,
    Datasec,
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
    RefType,
    Restrict,
    Struct,
    Typedef,
    TypeTag,
    Union,
    Var,
    VarSecinfo,
    Void,
    Volatile,
)

__all__ = [
    "BTF_HEADER_LEN",
    "BTF_INT_BOOL",
    "BTF_INT_CHAR",
    "BTF_INT_SIGNED",
    "BTF_MAGIC",
    "BTF_MAX_VLEN",
    "BTF_VERSION",
    "EXTERN_DATASECS",
    "MODIFIER_KINDS",
    "Array",
    "Btf",
    "BtfFuncLinkage",
    "BtfHeader",
    "BtfKind",
    "BtfType",
    "BtfVarLinkage",
    "Composite",
    "Const",
    "Datasec",
    "DeclTag",
    "Enum",
    "Enum64",
    "EnumValue",
    "Float",
    "Func",
    "FuncProto",
    "Fwd",
    "Int",
    "Member",
    "Param",
    "Ptr",
    "RefType",
    "Restrict",
    "SectionSizeLookup",
    "StringTable",
    "Struct",
    "SymbolLookup",
    "TypeTag",
    "Typedef",
    "Union",
    "Var",
    "VarSecinfo",
    "Void",
    "Volatile",
    "fixup_datasecs",
    "index_names",
]
