"""Differential oracle: did the loaders put the same program and maps into the kernel?

`bpfconform oracle` runs the suite like `run`, but asks every adapter that lists `info` in
its hello for the optional reply field `info` (docs/adapter-protocol.md): the tested
program's type, xlated instructions and map ids, and every map of the object, as
BPF_OBJ_GET_INFO_BY_FD reports them. Map ids are normalised to the map's position in the
program's map_ids (and, for the object's maps, to its name), BTF ids to "has BTF". Each
cell is then compared with libbpf's and with the reference loader's: "yes", "no" (with a
readable instruction diff) or "no info" (the adapter does not support `info`, or one side
did not load the program). results.json gets the columns `same_as_libbpf` and
`same_as_reference` and an `oracle` section; oracle.txt lists every divergence. Map names
are shown but not compared (internal map naming is each loader's own business).
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from harness.adapters.client import DEFAULT_TIMEOUT, AdapterClient
from harness.adapters.manifest import Manifest
from harness.adapters.protocol import RunReply, RunRequest
from harness.checks.oracle_disasm import PSEUDO, decode, text
from harness.run import runner

LIBBPF = "libbpf"
REFERENCE = "python"
NO_INFO = "no info"
MAX_BLOCKS = 6  # diff blocks shown per divergence
InfoKey = tuple[str, str, str | None]  # (elf, program, btf_custom_path)


class InfoClient(AdapterClient):
    """An AdapterClient that asks for `info` when the adapter supports it and keeps it."""

    def __init__(self, manifest: Manifest, repo_root: Path,
                 timeout: float = DEFAULT_TIMEOUT) -> None:
        super().__init__(manifest, repo_root, timeout)
        self.infos: dict[InfoKey, dict[str, Any] | None] = {}

    def supports_info(self) -> bool:
        """Whether the adapter's hello lists `info`."""
        return "info" in self.hello().supports

    def run(self, request: RunRequest) -> RunReply:
        """As AdapterClient.run; the reply's `info` is kept in `infos`."""
        if not self.supports_info():
            return super().run(request)
        reply, obj = self.run_raw(request, {"info": True})
        info = obj.get("info")
        key = (request.elf, request.program, request.btf_custom_path)
        self.infos.setdefault(key, info if isinstance(info, dict) else None)
        return reply


@dataclass(frozen=True)
class MapShape:
    """A map as the kernel holds it, ids normalised away. The name is shown but not
    compared: loaders name internal maps differently (libbpf `obj.data`, cilium `.data`)."""

    name: str = field(compare=False)
    type: int
    key_size: int
    value_size: int
    max_entries: int
    map_flags: int
    btf: bool

    def describe(self) -> str:
        """One line."""
        return (f"{self.name or '?'}: type {self.type} key {self.key_size} value "
                f"{self.value_size} max_entries {self.max_entries} flags {self.map_flags:#x}"
                f"{' btf' if self.btf else ' no-btf'}")


@dataclass(frozen=True)
class Loaded:
    """What one adapter put into the kernel for one program, normalised."""

    prog_type: int
    insns: tuple[str, ...]
    used_maps: tuple[MapShape, ...]  # by position in the program's map_ids
    maps: tuple[MapShape, ...]  # every map of the object, by name


def _shape(m: Mapping[str, Any]) -> MapShape:
    return MapShape(str(m.get("name", "")), int(m["type"]), int(m["key_size"]),
                    int(m["value_size"]), int(m["max_entries"]), int(m["map_flags"]),
                    bool(m.get("btf_id")))


def normalise(info: Mapping[str, Any]) -> Loaded:
    """Replace map ids by positions/names, BTF ids by presence; disassemble the code."""
    prog = info["prog"]
    map_ids = [int(i) for i in prog.get("map_ids", [])]
    by_id = {int(m["id"]): _shape(m) for m in info.get("maps", [])}
    lines = []
    for insn in decode(bytes.fromhex(str(prog.get("xlated", "")))):
        ref = None
        if insn.wide and insn.src in PSEUDO and insn.src != 4:
            mid = insn.imm & 0xFFFFFFFF
            ref = f"map#{map_ids.index(mid)}" if mid in map_ids else "map#?"
        lines.append(text(insn, ref))
    used = tuple(by_id.get(i, MapShape("?", -1, 0, 0, 0, 0, False)) for i in map_ids)
    return Loaded(int(prog["type"]), tuple(lines), used,
                  tuple(sorted(by_id.values(), key=_shape_key)))


def _shape_key(s: MapShape) -> tuple[int, int, int, int, int, bool, str]:
    return (s.type, s.key_size, s.value_size, s.max_entries, s.map_flags, s.btf, s.name)


def compare(a_name: str, a: Loaded, b_name: str, b: Loaded) -> list[str]:
    """Every difference between two loads, as readable lines (empty: the same)."""
    out: list[str] = []
    if a.prog_type != b.prog_type:
        out.append(f"program type: {a_name} {a.prog_type}, {b_name} {b.prog_type}")
    if a.used_maps != b.used_maps:
        out.append(f"maps the program uses ({a_name} / {b_name}):")
        for i in range(max(len(a.used_maps), len(b.used_maps))):
            x = a.used_maps[i] if i < len(a.used_maps) else None
            y = b.used_maps[i] if i < len(b.used_maps) else None
            if x != y:
                out.append(f"  map#{i}: {x.describe() if x else '-'}  /  "
                           f"{y.describe() if y else '-'}")
    if a.maps != b.maps:
        only_a = sorted(set(a.maps) - set(b.maps), key=_shape_key)
        only_b = sorted(set(b.maps) - set(a.maps), key=_shape_key)
        out.append("object maps: " + "; ".join(
            [f"{a_name} only {s.describe()}" for s in only_a]
            + [f"{b_name} only {s.describe()}" for s in only_b]))
    if a.insns != b.insns:
        out.extend(insn_diff(a_name, a.insns, b_name, b.insns))
    return out


def insn_diff(a_name: str, a: Sequence[str], b_name: str, b: Sequence[str]) -> list[str]:
    """Differing instruction blocks with their indexes on both sides."""
    out = [f"instructions: {a_name} {len(a)}, {b_name} {len(b)}"]
    blocks = [op for op in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes()
              if op[0] != "equal"]
    for _tag, i1, i2, j1, j2 in blocks[:MAX_BLOCKS]:
        out.append(f"  @{a_name} {i1}..{i2} / @{b_name} {j1}..{j2}:")
        out.extend(f"    - {i:4d}: {a[i]}" for i in range(i1, i2))
        out.extend(f"    + {j:4d}: {b[j]}" for j in range(j1, j2))
    if len(blocks) > MAX_BLOCKS:
        out.append(f"  ... {len(blocks) - MAX_BLOCKS} more differing blocks")
    return out


@dataclass(frozen=True)
class Divergence:
    """One cell that loaded something different from a reference loader."""

    item: str
    adapter: str
    reference: str
    verdict: str
    lines: tuple[str, ...]


@dataclass
class Oracle:
    """Per (item id, adapter): its normalised load (None: no info) and the comparisons."""

    loaded: dict[tuple[str, str], Loaded | None] = field(default_factory=dict)
    same: dict[tuple[str, str, str], str] = field(default_factory=dict)
    divergences: list[Divergence] = field(default_factory=list)

    def judge(self, results: Sequence[runner.Result], references: Sequence[str]) -> None:
        """Compare every cell with each reference adapter's cell of the same item."""
        for r in results:
            for ref in references:
                mine = self.loaded.get((r.item.id, r.adapter))
                theirs = self.loaded.get((r.item.id, ref))
                if mine is None or theirs is None:
                    self.same[(r.item.id, r.adapter, ref)] = NO_INFO
                    continue
                diff = compare(ref, theirs, r.adapter, mine)
                self.same[(r.item.id, r.adapter, ref)] = "no" if diff else "yes"
                if diff and r.adapter != ref:
                    self.divergences.append(Divergence(r.item.id, r.adapter, ref,
                                                       str(r.verdict), tuple(diff)))

    def counts(self, adapter: str, ref: str) -> dict[str, int]:
        """yes/no/no info counts of one adapter against one reference."""
        out = {"yes": 0, "no": 0, NO_INFO: 0}
        for (_item, a, r), v in self.same.items():
            if a == adapter and r == ref:
                out[v] += 1
        return out


def collect(results: Sequence[runner.Result], clients: Mapping[str, InfoClient]) -> Oracle:
    """Normalise the info each adapter returned for each result."""
    oracle = Oracle()
    for r in results:
        exp = r.item.expectations
        client = clients.get(r.adapter)
        info = None
        if client is not None and exp is not None:
            info = client.infos.get((str(r.item.obj), r.item.program, exp.btf_custom_path))
        loaded = None
        if info is not None and isinstance(info.get("prog"), dict):
            try:
                loaded = normalise(info)
            except (KeyError, TypeError, ValueError):
                loaded = None  # a malformed info is no info
        oracle.loaded[(r.item.id, r.adapter)] = loaded
    return oracle


def annotate(results_json: Path, oracle: Oracle, adapters: Sequence[str],
             references: Sequence[str]) -> None:
    """Add the `same_as_libbpf` / `same_as_reference` columns and the `oracle` section."""
    doc = json.loads(results_json.read_text())
    for rec in doc["results"]:
        item_id = f"{rec['file']}::{rec['program']}"
        rec["same_as_libbpf"] = oracle.same.get((item_id, rec["adapter"], LIBBPF), NO_INFO)
        rec["same_as_reference"] = oracle.same.get((item_id, rec["adapter"], REFERENCE),
                                                   NO_INFO)
    doc["oracle"] = {
        "references": list(references),
        "counts": {a: {ref: oracle.counts(a, ref) for ref in references} for a in adapters},
        "divergences": [asdict(d) for d in oracle.divergences],
    }
    results_json.write_text(json.dumps(doc, indent=1) + "\n")


def write_text(path: Path, oracle: Oracle) -> None:
    """oracle.txt: every divergence with its instruction diff."""
    lines = []
    for d in oracle.divergences:
        lines.append(f"DIVERGES {d.item} [{d.adapter}] vs {d.reference} "
                     f"(verdict {d.verdict}):")
        lines.extend(f"  {line}" for line in d.lines)
    path.write_text("\n".join(lines) + ("\n" if lines else ""))
