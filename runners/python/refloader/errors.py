"""The reference loader's exception tree.

``LoaderError`` is the root; every error names what it is about (file, section, offset,
instruction index, symbol) both in its message and as attributes; one caused by a
failed system call keeps its ``errno``.  Third-party errors
(pyelftools, struct) are converted to these at the parsing boundary.
"""

from __future__ import annotations


class LoaderError(Exception):
    """Any failure of the reference loader."""

    def __init__(
        self,
        message: str,
        *,
        section: str | None = None,
        offset: int | None = None,
        insn: int | None = None,
        symbol: str | None = None,
        errno: int | None = None,
    ) -> None:
        self.errno = errno  # of the underlying OSError or bpf(2) call, when there is one
        self.section = section
        self.offset = offset
        self.insn = insn
        self.symbol = symbol
        #: the program whose load failed, when the failure is one program's (set by the
        #: loader's load loop; reported as the reply's ``failed_program``)
        self.program: str | None = None
        where = []
        if section is not None:
            where.append(f"section {section}")
        if offset is not None:
            where.append(f"offset {offset:#x}")
        if insn is not None:
            where.append(f"insn {insn}")
        if symbol is not None:
            where.append(f"symbol {symbol}")
        self.message = message
        super().__init__(f"{message} ({', '.join(where)})" if where else message)


class ParseError(LoaderError):
    """The ELF object (or its BTF) is malformed or not a BPF object."""


class BTFError(LoaderError):
    """BTF or BTF.ext content is malformed or inconsistent."""


class RelocationError(LoaderError):
    """A relocation cannot be applied (unknown type, bad symbol, call into nowhere)."""


class KernelError(LoaderError):
    """A bpf(2) call failed; ``errno`` and ``verifier_log`` are attributes."""

    def __init__(
        self,
        message: str,
        errno: int,
        verifier_log: str | None = None,
        **where: str | int | None,
    ) -> None:
        self.verifier_log = verifier_log
        super().__init__(message, errno=errno, **where)  # type: ignore[arg-type]
