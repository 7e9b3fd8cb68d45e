"""refloader: the bpfconform reference loader, a readable pure-Python eBPF ELF loader.

The layers are the import-linter contract in pyproject.toml (the one truth: the parsing
modules it lists import no ``ctypes``, ``subprocess``, ``refloader.syscall`` or harness) and
the "Layers" table of runners/python/README.md.
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
