"""BTF attach targets of tracing programs, and attaching them (libbpf ``find_attach_btf_id``,
``bpf_program__attach_trace``).

A ``SEC_ATTACH_BTF`` section (``fentry/``, ``fexit/``, ``fmod_ret/`` and their ``.s``
forms, ``tp_btf/``, ``lsm/``, ``lsm.s/``, ``lsm_cgroup/``, ``iter/``, ``iter.s/``) names its
target after the ``/``. The program is loaded with ``attach_btf_id`` = the id of that target
in vmlinux BTF, looked up as libbpf's ``find_attach_btf_id`` does: ``tp_btf`` the TYPEDEF
``btf_trace_<tp>``, ``lsm`` the FUNC ``bpf_lsm_<hook>``, ``iter`` the FUNC
``bpf_iter_<target>``, the rest the FUNC ``<func>``. A target vmlinux BTF lacks fails the
program's load (ESRCH, libbpf "failed to find kernel BTF type ID"). ``freplace/<func>``
(an extension, BPF_PROG_TYPE_EXT) targets a loaded program instead: the caller names it
first (libbpf ``bpf_program__set_attach_target``), the program is loaded with
``attach_prog_fd`` = its fd and ``attach_btf_id`` = the FUNC ``<func>`` in the BTF that
program was loaded with (libbpf ``libbpf_find_prog_btf_id``), and attached like the rest.

After the load, the library's attach call links a tracing program to its target:
``BPF_RAW_TRACEPOINT_OPEN`` with no name (what libbpf's ``bpf_program__attach_trace`` does
where ``BPF_LINK_CREATE`` of tracing programs is not probed, and what every kernel with
tracing programs accepts); the link lives until its fd is closed. An iterator program
(``iter/``) is not attached but read (libbpf ``bpf_program__attach_iter`` +
``bpf_iter_create``): ``BPF_LINK_CREATE`` with ``BPF_TRACE_ITER`` and no parameter, then
``BPF_ITER_CREATE`` on the link, whose fd is read to its end; the program runs once per
element and once more at the end.
"""

from __future__ import annotations

import ctypes
import errno
import os
from collections.abc import Callable
from dataclasses import dataclass

from refloader import syscall as sc
from refloader.btf import BtfKind, index_names
from refloader.errors import KernelError, LoaderError
from refloader.mutations import Plan
from refloader.sections import BpfAttachType, BpfProgType, SecDef

BPF_RAW_TRACEPOINT_OPEN = 17
BPF_LINK_CREATE = 28
BPF_ITER_CREATE = 33

#: (sec_def.sec prefix without '+', how libbpf names the target in vmlinux BTF, kind)
_PREFIXES: dict[str, tuple[str, BtfKind]] = {
    "tp_btf": ("btf_trace_", BtfKind.TYPEDEF),
    "lsm": ("bpf_lsm_", BtfKind.FUNC), "lsm.s": ("bpf_lsm_", BtfKind.FUNC),
    "lsm_cgroup": ("bpf_lsm_", BtfKind.FUNC),
    "iter": ("bpf_iter_", BtfKind.FUNC), "iter.s": ("bpf_iter_", BtfKind.FUNC),
}
#: what each section kind is called in mutations (Plan.tracing_attach_skip, ...)
_FAMILY = {
    int(BpfAttachType.BPF_TRACE_FENTRY): "fentry", int(BpfAttachType.BPF_TRACE_FEXIT): "fexit",
    int(BpfAttachType.BPF_MODIFY_RETURN): "fmod_ret", int(BpfAttachType.BPF_TRACE_RAW_TP): "tp_btf",
    int(BpfAttachType.BPF_LSM_MAC): "lsm", int(BpfAttachType.BPF_LSM_CGROUP): "lsm",
    int(BpfAttachType.BPF_TRACE_ITER): "iter",
}

#: vmlinux BTF id of a (kind, name), or None
Lookup = Callable[[int, str], "int | None"]


@dataclass(frozen=True)
class AttachTarget:
    """Where a tracing program attaches: the name looked up and its vmlinux BTF id."""

    name: str
    kind: BtfKind
    btf_id: int | None


def family(sd: SecDef) -> str:
    """``fentry``, ``fexit``, ``fmod_ret``, ``tp_btf``, ``lsm`` or ``iter``."""
    return _FAMILY.get(int(sd.expected_attach_type), sd.sec.rstrip("+"))


def resolve_target(sd: SecDef, section: str, lookup: Lookup, plan: Plan) -> AttachTarget:
    """The vmlinux target of a program of section ``section`` (its ``?`` stripped) with
    definition ``sd``. LoaderError when the section names no target or is ``freplace``."""
    base = sd.sec.rstrip("+")
    _, sep, name = section.partition("/")
    if not sep or not name:
        raise LoaderError(f"section '{section}': no attach target after '{base}/' (a target "
                          "set at run time is not supported)", section=section,
                          errno=errno.EINVAL)
    prefix, kind = _PREFIXES.get(base, ("", BtfKind.FUNC))
    full = prefix + name
    return AttachTarget(full, kind, lookup(int(kind), full))


class _RawTpAttr(ctypes.Structure):
    """``union bpf_attr`` for BPF_RAW_TRACEPOINT_OPEN."""

    _fields_ = [("name", ctypes.c_uint64), ("prog_fd", ctypes.c_uint32)]


class _LinkCreateAttr(ctypes.Structure):
    """``union bpf_attr`` for BPF_LINK_CREATE of an iterator: ``iter_info`` left NULL (no
    map or cgroup parameter)."""

    _fields_ = [("prog_fd", ctypes.c_uint32), ("target_fd", ctypes.c_uint32),
                ("attach_type", ctypes.c_uint32), ("flags", ctypes.c_uint32),
                ("iter_info", ctypes.c_uint64), ("iter_info_len", ctypes.c_uint32)]


class _IterCreateAttr(ctypes.Structure):
    """``union bpf_attr`` for BPF_ITER_CREATE."""

    _fields_ = [("link_fd", ctypes.c_uint32), ("flags", ctypes.c_uint32)]


def _kernel_error(what: str, program: str, exc: OSError) -> KernelError:
    name = errno.errorcode.get(exc.errno or 0, str(exc.errno))
    return KernelError(f"prog '{program}': {what}: {name} ({exc.strerror})", exc.errno or 0,
                       None, symbol=program)


def iter_link(prog_fd: int, program: str, sd: SecDef) -> int:
    """The iterator link of a loaded ``iter/`` program (BPF_LINK_CREATE, BPF_TRACE_ITER);
    its fd."""
    if sd.expected_attach_type != BpfAttachType.BPF_TRACE_ITER:
        raise LoaderError(f"prog '{program}': a {sd.sec} program is not an iterator",
                          symbol=program, errno=errno.EINVAL)
    try:
        return sc.sys_bpf(BPF_LINK_CREATE, _LinkCreateAttr(
            prog_fd=prog_fd, attach_type=int(BpfAttachType.BPF_TRACE_ITER)))
    except OSError as exc:
        raise _kernel_error("BPF_LINK_CREATE", program, exc) from exc


def read_iter(link_fd: int, program: str) -> int:
    """Make an iterator of ``link_fd`` (BPF_ITER_CREATE), read it to its end and close it;
    the number of bytes it gave."""
    try:
        fd = sc.sys_bpf(BPF_ITER_CREATE, _IterCreateAttr(link_fd=link_fd))
    except OSError as exc:
        raise _kernel_error("BPF_ITER_CREATE", program, exc) from exc
    total = 0
    try:
        while chunk := os.read(fd, 1 << 16):
            total += len(chunk)
    except OSError as exc:
        raise _kernel_error("read of the iterator", program, exc) from exc
    finally:
        os.close(fd)
    return total


def prog_func_id(target_fd: int, name: str) -> int | None:
    """The id of FUNC ``name`` in the BTF loaded program ``target_fd`` was loaded with
    (libbpf ``libbpf_find_prog_btf_id``); None when it has none or no BTF. KernelError
    when the kernel does not give the BTF."""
    btf_id = sc.prog_btf_id(target_fd)
    if not btf_id:
        return None
    raw = sc.btf_raw_by_id(btf_id)
    return index_names(raw, frozenset({BtfKind.FUNC})).get((int(BtfKind.FUNC), name))


def attach_trace(prog_fd: int, program: str, sd: SecDef) -> int:
    """Attach a loaded tracing program to its load-time target; the link fd. Only the
    types BPF_RAW_TRACEPOINT_OPEN attaches with a NULL name (TRACING but iter, LSM, EXT)."""
    if sd.prog_type not in (BpfProgType.BPF_PROG_TYPE_TRACING, BpfProgType.BPF_PROG_TYPE_LSM,
                            BpfProgType.BPF_PROG_TYPE_EXT) \
            or sd.expected_attach_type == BpfAttachType.BPF_TRACE_ITER \
            or sd.expected_attach_type == BpfAttachType.BPF_LSM_CGROUP:
        raise LoaderError(f"prog '{program}': attaching a {sd.sec} program is not supported "
                          "by the reference loader", symbol=program, errno=errno.EOPNOTSUPP)
    try:
        return sc.sys_bpf(BPF_RAW_TRACEPOINT_OPEN, _RawTpAttr(name=0, prog_fd=prog_fd))
    except OSError as exc:
        name = errno.errorcode.get(exc.errno or 0, str(exc.errno))
        raise KernelError(f"prog '{program}': BPF_RAW_TRACEPOINT_OPEN: {name} "
                          f"({exc.strerror})", exc.errno or 0, None, symbol=program) from exc
