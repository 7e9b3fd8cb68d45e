"""The build as a run needs it: a compiler (an installed wheel's prebuilt set when no
compiler is there), its `cc:*` probes computed once, and every object built with them.

`harness.build.toolchain` compiles, `harness.build.prebuilt` serves and writes prebuilt sets; this
module chooses between them, so that neither imports the other's caller.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from harness.build import prebuilt, toolchain
from harness.probes.probes import ProbeResult


def select_compiler(compilers: Sequence[toolchain.Compiler],
                    wanted: str | None) -> toolchain.Compiler:
    """The compiler named `wanted` (an id such as `clang-19`), or the default one; when
    there is no such compiler, an installed wheel's prebuilt objects of that id (kind
    toolchain.PREBUILT_KIND) when it has them, else ToolchainError."""
    try:
        return toolchain.select_compiler(compilers, wanted)
    except toolchain.ToolchainError:
        found = prebuilt.find(wanted)
        if found is None:
            raise
        return found


def cc_probes(compiler: toolchain.Compiler, out_dir: Path) -> dict[str, ProbeResult]:
    """The compiler's capability probes (`cc:*`), cached under out_dir/<compiler-id>/ (a
    prebuilt set's: those it was built with)."""
    if compiler.kind == toolchain.PREBUILT_KIND:
        return prebuilt.cc_probes(compiler)
    return toolchain.cc_probes(compiler, out_dir)


def build(compiler: toolchain.Compiler, bpf_src: Path, out_dir: Path, jobs: int = 2
          ) -> tuple[list[toolchain.BuildResult], dict[str, ProbeResult]]:
    """Every source under bpf_src built (cached), and the compiler probes the build used
    (read once: the build's `-DCONFORM_CC_*` and the `cc:*` requirements agree)."""
    cc = cc_probes(compiler, out_dir)
    if compiler.kind == toolchain.PREBUILT_KIND:
        return prebuilt.builds(compiler, bpf_src), cc
    return toolchain.build_all(compiler, bpf_src, out_dir, jobs, cc), cc
