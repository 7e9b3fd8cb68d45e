"""BTF sanitising for kernels that lack some BTF kinds (libbpf ``bpf_object__sanitize_btf``).

Kernel facts arrive as a ``KernelFeatures`` record (filled by ``refloader.probes``); this
module only rewrites records and reports what it rewrote, so a reply can say
``sanitized: <what>`` instead of hiding it.  The rewrites are libbpf's:

* VAR, DECL_TAG → INT (1 byte) when DATASEC resp. decl_tag is missing;
* DATASEC → STRUCT (vars as members, '.'/'?' in the name → '_') without DATASEC support;
* FUNC_PROTO → ENUM and FUNC → TYPEDEF without BTF_KIND_FUNC (the ENUM gets no values,
  where libbpf reinterprets the params in place as values, anonymous ones included);
* global FUNC → static FUNC without global func linkage;
* FLOAT → anonymous empty STRUCT of the same size; TYPE_TAG → anonymous CONST;
* ENUM64 → UNION of 1-byte INT members (and ENUM kind_flag cleared) without ENUM64.
"""

from __future__ import annotations

from dataclasses import dataclass

from refloader.btf import (
    Btf,
    BtfFuncLinkage,
    BtfType,
    Const,
    Datasec,
    DeclTag,
    Enum,
    Enum64,
    Float,
    Func,
    FuncProto,
    Int,
    Member,
    Struct,
    Typedef,
    TypeTag,
    Union,
    Var,
)


@dataclass(frozen=True)
class KernelFeatures:
    """What the running kernel supports (``True`` everywhere: a modern kernel)."""

    btf: bool = True
    btf_func: bool = True
    btf_global_func: bool = True
    btf_datasec: bool = True
    btf_float: bool = True
    btf_decl_tag: bool = True
    btf_type_tag: bool = True
    btf_enum64: bool = True
    btf_qmark_datasec: bool = True
    global_data: bool = True
    bpf_loop: bool = True
    mmapable_maps: bool = True
    prog_name: bool = True
    prog_bind_map: bool = True
    #: BPF memory is charged to the memory cgroup (5.11+), not to RLIMIT_MEMLOCK
    memcg_account: bool = True


#: the features whose absence makes ``sanitize`` rewrite something
SANITIZE_FEATURES = ("btf_func", "btf_global_func", "btf_datasec", "btf_float",
                     "btf_decl_tag", "btf_type_tag", "btf_enum64", "btf_qmark_datasec")


def needs_sanitization(btf: Btf, f: KernelFeatures) -> bool:
    """Whether any record would be rewritten for these features."""
    return bool(sanitize(_clone(btf), f))


def _clone(btf: Btf) -> Btf:
    return Btf.parse(btf.marshal())


def sanitize(btf: Btf, f: KernelFeatures) -> list[str]:
    """Rewrite ``btf`` in place for kernel ``f``; return what was rewritten (sorted, unique)."""
    done: set[str] = set()
    placeholder = 0
    for i, t in list(btf):
        new: BtfType | None = None
        if (not f.btf_datasec and isinstance(t, Var)) or (
                not f.btf_decl_tag and isinstance(t, DeclTag)):
            new = Int(t.name, t.name_off, False, 1, 0, 0, 8)
            done.add("var->int" if isinstance(t, Var) else "decl_tag->int")
        elif not f.btf_datasec and isinstance(t, Datasec):
            name = t.name.replace(".", "_").replace("?", "_")
            members = []
            for v in t.vars:
                vt = btf.type_by_id(v.type)
                members.append(Member(vt.name, vt.name_off, v.type, v.offset * 8))
            new = Struct(name, t.name_off if name == t.name else 0, False, t.size, members)
            done.add("datasec->struct")
        elif not f.btf_qmark_datasec and isinstance(t, Datasec) and t.name.startswith("?"):
            t.name = "_" + t.name[1:]
            done.add("datasec '?' name")
        elif not f.btf_func and isinstance(t, FuncProto):
            new = Enum(t.name, t.name_off, False, 4, [])
            done.add("func_proto->enum")
        elif not f.btf_func and isinstance(t, Func):
            new = Typedef(t.name, t.name_off, False, t.type)
            done.add("func->typedef")
        elif (not f.btf_global_func and isinstance(t, Func)
              and t.linkage == BtfFuncLinkage.BTF_FUNC_GLOBAL):
            t.linkage = BtfFuncLinkage.BTF_FUNC_STATIC
            done.add("global func->static")
        elif not f.btf_float and isinstance(t, Float):
            new = Struct("", 0, False, t.size, [])
            done.add("float->struct")
        elif not f.btf_type_tag and isinstance(t, TypeTag):
            new = Const("", 0, False, t.type)
            done.add("type_tag->const")
        elif not f.btf_enum64 and isinstance(t, Enum) and t.kind_flag:
            t.kind_flag = False
            done.add("enum kflag")
        elif not f.btf_enum64 and isinstance(t, Enum64):
            if not placeholder:
                placeholder = btf.add_type(Int("enum64_placeholder", 0, False, 1, 0, 0, 8))
            new = Union(t.name, t.name_off, False, t.size,
                        [Member(v.name, v.name_off, placeholder, 0) for v in t.values])
            done.add("enum64->union")
        if new is not None:
            btf.types[i] = new
    if done:
        btf.invalidate_index()
    return sorted(done)
