"""refloader: the bpfconform reference loader, a readable pure-Python eBPF ELF loader.

Layers (each module has one concern):

* parsing, no syscalls (kernel facts arrive as arguments): ``elf``, ``btf``, ``btf_ext``,
  ``reloc``, ``sections``, ``maps_spec``, ``insn``, ``linker``, ``sanitize``, ``mutations``;
* the one module calling ``bpf(2)``: ``syscall``; feature probes: ``probes``;
* the library API: ``loader``; the adapter executable: ``adapter``.
"""

from refloader.errors import (
    BTFError,
    KernelError,
    LoaderError,
    ParseError,
    RelocationError,
)

__all__ = ["BTFError", "KernelError", "LoaderError", "ParseError", "RelocationError"]
__version__ = "0.1.0"
