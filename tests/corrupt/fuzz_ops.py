"""Mutation operations and fuzz targets shared by the hypothesis tests and bench/fuzz.py.

An input is (seed object, list of ops); an op is (kind, position, value). Positions are
taken modulo the region they apply to, so any integers make a valid op: hypothesis and a
plain random loop can both generate them. Targets run parsing only (no bpf() call): the
reference loader's `open_object` (ELF, BTF, BTF.ext, relocations, maps), and `Btf.parse` /
`BtfExt.parse` on a mutated section directly. A target "crashes" when it raises anything
but a LoaderError or takes more than a second.
"""

from __future__ import annotations

import hashlib
import struct
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from corrupt_corpus import Elf
from corrupt_worker import TIME_LIMIT, Timeout, signature, time_limit
from refloader.btf import Btf
from refloader.btf_ext import BtfExt
from refloader.errors import LoaderError
from refloader.loader import open_object

INTERESTING = (0, 1, 2, 7, 8, 0x7F, 0x80, 0xFF, 0xFFFF, 0x10000, 0x7FFFFFFF, 0x80000000,
               0xFFFFFFFF, 0xFFFFFFF8)
OP_KINDS = ("byte", "u32", "u32_in_section", "truncate", "delete", "duplicate")
Op = tuple[str, int, int]
FOCUS = (".BTF", ".BTF.ext", ".symtab", ".strtab", ".maps")


def apply_ops(raw: bytes, ops: Sequence[Op]) -> bytes:
    """Apply `ops` in order; every op is valid for every input."""
    data = bytearray(raw)
    try:
        elf: Elf | None = Elf.parse(raw)
    except Exception:  # seeds are valid objects, but a regression input may not be
        elf = None
    for kind, pos, value in ops:
        n = len(data)
        if n == 0:
            break
        if kind == "byte":
            data[pos % n] = value & 0xFF
        elif kind == "u32" and n >= 4:
            struct.pack_into("<I", data, (pos % (n - 3)) & ~3, value & 0xFFFFFFFF)
        elif kind == "u32_in_section" and elf is not None:
            secs = [s for s in elf.sections if s.name in FOCUS or s.sh_type == 9]
            if secs:
                s = secs[value % len(secs)]
                if s.size >= 4 and s.offset + s.size <= n:
                    at = s.offset + ((pos % (s.size - 3)) & ~3)
                    struct.pack_into("<I", data, at, INTERESTING[pos % len(INTERESTING)])
        elif kind == "truncate":
            del data[pos % n:]
        elif kind == "delete":
            at = pos % n
            del data[at:at + (value % 64) + 1]
        elif kind == "duplicate":
            at = pos % n
            data[at:at] = data[at:at + (value % 64) + 1]
    return bytes(data)


@dataclass(frozen=True)
class Crash:
    """A target that raised something other than a LoaderError (or hung)."""

    target: str
    type: str
    summary: str  # the exception and its innermost frame
    #: for a hang: sha256 prefix of the input (a hang has no frame to tell two bugs apart)
    digest: str = ""

    def signature(self) -> str:
        """Type plus innermost frame: the same bug found twice has the same signature. A hang
        is its own signature, the target and the input's hash (bench/fuzz.py names a kept
        input `fuzz-<target>-<digest>.o`): every hang fails unless that exact input is
        listed, instead of all hangs sharing one signature that one listed entry excused."""
        if self.type == "Timeout":
            return f"{self.target}:Timeout:{self.digest}"
        return signature(self.target, self.type, self.summary)


def _crash(target: str, exc: BaseException) -> Crash:
    frames = traceback.extract_tb(exc.__traceback__)
    ours = [f for f in frames if "/refloader/" in f.filename] or frames
    where = f"{ours[-1].filename}:{ours[-1].lineno} in {ours[-1].name}" if ours else "?"
    return Crash(target, type(exc).__name__, f"{exc} at {where}")


def _section(raw: bytes, name: str) -> bytes | None:
    try:
        elf = Elf.parse(raw)
    except Exception:  # the input is mutated; the harness's own parser may refuse it
        return None
    s = elf.by_name(name)
    return raw[s.offset:s.offset + s.size] if s is not None else None


def target_open(raw: bytes) -> None:
    """The reference loader's whole parse of an object (`open_object`, no syscall)."""
    open_object("fuzz.bpf.o", raw=raw)


def target_btf(raw: bytes) -> None:
    """`Btf.parse` then `BtfExt.parse` on the object's (mutated) sections."""
    btf_raw = _section(raw, ".BTF")
    if btf_raw is None:
        return
    btf = Btf.parse(btf_raw)
    ext_raw = _section(raw, ".BTF.ext")
    if ext_raw is not None:
        BtfExt.parse(ext_raw, btf.strings)


TARGETS: dict[str, Callable[[bytes], None]] = {"open": target_open, "btf": target_btf}


def check(raw: bytes, target: str = "open", limit: float = TIME_LIMIT) -> Crash | None:
    """Run one target on `raw`: None when it returned or raised a LoaderError; `limit` is
    the hang detector's (corrupt_worker.TIME_LIMIT), not a time budget."""
    try:
        with time_limit(limit):
            TARGETS[target](raw)
    except LoaderError:
        return None
    except Timeout:
        digest = hashlib.sha256(raw).hexdigest()[:12]
        return Crash(target, "Timeout", f"no verdict within {limit:g} s on input {digest}",
                     digest)
    except Exception as exc:
        return _crash(target, exc)
    return None
