"""The differential oracle: normalisation, comparison, disassembly, and a real run."""

from __future__ import annotations

import json
import struct
import subprocess
import sys
from pathlib import Path
from typing import Any

from harness.checks.oracle import Loaded, compare, normalise
from harness.checks.oracle_disasm import decode, text
from harness.run.runner import REPO_ROOT


def _insn(code: int, dst: int = 0, src: int = 0, off: int = 0, imm: int = 0) -> bytes:
    return struct.pack("<BBhi", code, dst | (src << 4), off, imm)


def _ld_map(dst: int, map_id: int, src: int = 1, off: int = 0) -> bytes:
    return _insn(0x18, dst, src, 0, map_id) + _insn(0, 0, 0, 0, off)


EXIT = _insn(0x95)
MOV_R0_0 = _insn(0xB7, 0, 0, 0, 0)


def _info(xlated: bytes, map_ids: list[int], maps: list[dict[str, Any]]) -> dict[str, Any]:
    return {"prog": {"type": 1, "xlated": xlated.hex(), "map_ids": map_ids}, "maps": maps}


def _map(mid: int, name: str, value_size: int = 8, btf_id: int = 7) -> dict[str, Any]:
    return {"id": mid, "name": name, "type": 2, "key_size": 4, "value_size": value_size,
            "max_entries": 1, "map_flags": 0, "btf_id": btf_id}


def test_map_ids_and_btf_ids_are_normalised_away() -> None:
    a = normalise(_info(_ld_map(1, 100) + MOV_R0_0 + EXIT, [100],
                        [_map(100, "x.data", btf_id=5)]))
    b = normalise(_info(_ld_map(1, 900) + MOV_R0_0 + EXIT, [900],
                        [_map(900, "x.data", btf_id=77)]))
    assert a == b
    assert a.insns[0] == "r1 = map_fd map#0 ll"
    assert compare("libbpf", a, "other", b) == []


def test_different_code_is_a_divergence_with_instruction_indexes() -> None:
    a = normalise(_info(_ld_map(1, 1, src=2, off=4) + MOV_R0_0 + EXIT, [1], [_map(1, "d")]))
    b = normalise(_info(_ld_map(1, 2, src=2, off=0) + MOV_R0_0 + EXIT, [2], [_map(2, "d")]))
    diff = compare("libbpf", a, "other", b)
    assert diff[0] == "instructions: libbpf 3, other 3"
    assert "    -    0: r1 = map_value map#0 + 4 ll" in diff
    assert "    +    0: r1 = map_value map#0 + 0 ll" in diff


def test_a_map_with_other_sizes_or_without_btf_is_a_divergence() -> None:
    code = _ld_map(1, 1) + MOV_R0_0 + EXIT
    a = normalise(_info(code, [1], [_map(1, "m")]))
    b = normalise(_info(code, [1], [_map(1, "m", value_size=16, btf_id=0)]))
    diff = compare("libbpf", a, "other", b)
    assert any("value 16" in line and "no-btf" in line for line in diff), diff


def test_the_disassembler_reads_the_usual_opcodes() -> None:
    raw = (_insn(0x07, 1, 0, 0, 8) + _insn(0xBF, 2, 1) + _insn(0x61, 3, 1, 4)
           + _insn(0x7B, 10, 3, -8) + _insn(0x15, 3, 0, 2, 0) + _insn(0x85, 0, 0, 0, 1)
           + _insn(0xDB, 10, 2, -8, 0x01) + _insn(0x05, 0, 0, -3) + EXIT)
    assert [text(i) for i in decode(raw)] == [
        "r1 += 8", "r2 = r1", "r3 = *(u32 *)(r1 +4)", "*(u64 *)(r10 -8) = r3",
        "if r3 == 0 goto +2", "call helper 1", "lock *(u64 *)(r10 -8) += r2 fetch",
        "goto -3", "exit"]


def test_loaded_records_compare_by_value() -> None:
    x = Loaded(1, ("exit",), (), ())
    assert compare("a", x, "b", Loaded(2, ("exit",), (), ())) == [
        "program type: a 1, b 2"]


#: an out-of-tree adapter: the reference loader told, on its own command line, to skip
#: calls.static (a section-symbol call's imm addend dropped): it still loads, other code
MUTANT = "mutant=env BPFCONFORM_SKIP=calls.static python3 -m refloader.adapter"


def test_the_oracle_compares_libbpf_and_the_reference_loader_on_real_loads(
        tmp_path: Path) -> None:
    """Expectations that do not come from the oracle itself: the reference loader lays out
    every calls/ program exactly as libbpf does (docs/reliability.md: 0 code divergences),
    so each such cell with info is "yes"; a loader known to load other code (the mutant)
    is "no" on calls/static against both references, with an instruction diff."""
    proc = subprocess.run([sys.executable, "-m", "harness.cli", "oracle", "-k", "calls/",
                           "--adapter", "libbpf", "--adapter", "python",
                           "--adapter-command", MUTANT, "--out", str(tmp_path)],
                          cwd=REPO_ROOT, capture_output=True, text=True, timeout=600,
                          check=False)
    assert "divergences; reports in" in proc.stdout, proc.stdout + proc.stderr
    doc = json.loads((tmp_path / "results.json").read_text())
    cells = doc["results"]
    assert doc["oracle"]["references"] == ["libbpf", "python"]
    py = {c["program"]: c["same_as_libbpf"] for c in cells
          if c["adapter"] == "python" and c["same_as_libbpf"] != "no info"}
    assert len(py) >= 5, py  # calls/ has 10 loadable programs
    assert set(py.values()) == {"yes"}, py
    static = [c for c in cells if c["adapter"] == "mutant" and c["program"] == "call_static"]
    assert len(static) == 1
    assert (static[0]["same_as_libbpf"], static[0]["same_as_reference"]) == ("no", "no")
    assert static[0]["verdict"] == "FAIL"  # the mutation is also caught by the program
    mutant_divs = [d for d in doc["oracle"]["divergences"]
                   if d["adapter"] == "mutant" and d["item"].endswith("::call_static")]
    assert {d["reference"] for d in mutant_divs} == {"libbpf", "python"}
    assert not [d for d in doc["oracle"]["divergences"] if d["adapter"] != "mutant"]
    text_report = (tmp_path / "oracle.txt").read_text()
    for d in mutant_divs:
        assert f"DIVERGES {d['item']} [mutant] vs {d['reference']}" in text_report
        assert any(line.startswith("    -") for line in d["lines"])  # an instruction diff


def test_map_names_are_shown_but_not_compared() -> None:
    code = _ld_map(1, 1) + MOV_R0_0 + EXIT
    a = normalise(_info(code, [1], [_map(1, "obj.data")]))
    b = normalise(_info(code, [1], [_map(1, ".data")]))
    assert compare("libbpf", a, "cilium", b) == []
    c = normalise(_info(code, [1], [_map(1, ".data", btf_id=0)]))
    assert any(".data" in line and "obj.data" in line for line in compare("libbpf", a, "x", c))
