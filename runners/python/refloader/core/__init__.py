"""The CO-RE engine of the reference loader (libbpf ``relo_core.c`` and the CO-RE part of
``libbpf.c``), pure: no syscalls. One relocation reads down the package:

* ``relocate`` — the contract (``relocate_programs``, called by ``loader`` before any other
  relocation), the per-record algorithm (``apply_core_relocations``) and the instruction
  patching;
* ``spec`` — access specs: parse the local one, match it against a candidate, field
  locations;
* ``target`` — the target BTF (vmlinux or ``btf_custom_path``): candidates by essential
  name, its cache.

The names other modules use are re-exported here.
"""

from refloader.core.relocate import (
    POISON_IMM,
    CoreResult,
    apply_core_relocations,
    relocate_programs,
    target_for,
)
from refloader.core.spec import names_match
from refloader.core.target import TargetBtf, essential_name, load_target

__all__ = [
    "POISON_IMM",
    "CoreResult",
    "TargetBtf",
    "apply_core_relocations",
    "essential_name",
    "load_target",
    "names_match",
    "relocate_programs",
    "target_for",
]
