"""Build rule: a `*.bpfeb.bpf.c` source compiles with `-target bpfeb`, the rest bpfel."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.build.toolchain import Source, compile_flags


@pytest.mark.parametrize(("rel", "target"), [
    ("elf/big_endian.bpfeb.bpf.c", "bpfeb"),
    ("data/rodata.bpf.c", "bpfel"),
    ("core/btf/target.btf.c", "bpfel"),
    ("elf/bpfeb_in_the_name.bpf.c", "bpfel"),
], ids=["bpfeb-suffix", "plain", "btf-stub", "bpfeb-elsewhere-in-the-name"])
def test_the_target_follows_the_file_suffix(rel: str, target: str) -> None:
    src = Source(Path("/x") / rel, rel)
    assert src.target == target
    flags = compile_flags(src, Path("/inc"))
    assert flags[:2] == ("-target", target)
    assert ("bpfel" in flags) != ("bpfeb" in flags)
