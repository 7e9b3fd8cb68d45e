"""`bpfconform matrix` and `bpfconform report merge`: arguments, progress, exit status.

Its SUBCOMMANDS are listed in harness.commands.registry; also runnable as
`python3 -m harness.matrix` (harness/matrix/__main__.py, a front-end).
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from harness.adapters.manifest import AdapterSet, AdapterUnavailable
from harness.commands.subcommand import Subcommand
from harness.matrix import merge
from harness.matrix.kernels import (
    MIRROR_ENV,
    PINS_FILE,
    REFRESH_COMMAND,
    KernelFetchError,
    KernelPin,
    MirrorError,
    PinsError,
    PrivateApt,
    default_cache,
    load_pins,
    refresh_pins,
    render_pins,
    resolve_mirror,
)
from harness.matrix.matrix import (
    HOST,
    Matrix,
    MatrixError,
    MatrixSpec,
    Progress,
    bad,
    is_image,
    kind_counts,
)
from harness.matrix.vm import VmConfig
from harness.run import runner
from harness.run.session import paths_for

#: VMs at once and CPUs per VM: two single-CPU guests beat one two-CPU guest on the
#: project's 2-core machine under TCG (bench/README.md, "matrix")
DEFAULT_VMS = 2
DEFAULT_VM_CPUS = 1


def add_matrix_args(p: argparse.ArgumentParser) -> None:
    """Arguments of `bpfconform matrix`."""
    p.add_argument("--kernel", action="append", metavar="K",
                   help="host, a kernel id of harness/matrix/kernels.toml (5.10, 6.1, "
                        "6.12, sid, ...), `all` (host and every pinned kernel), or the path of "
                        "a kernel image (bzImage) of your own, with --modules; repeatable; "
                        "default: host")
    p.add_argument("--compiler", action="append", metavar="ID",
                   help="compiler id, e.g. clang-14 (repeatable; default: clang-19)")
    p.add_argument("--adapter", action="append", metavar="NAME",
                   help="adapter (repeatable; `default`: every default adapter, as "
                        "`bpfconform run` uses; default: python and libbpf)")
    p.add_argument("--adapter-manifest", action="append", default=[], metavar="PATH",
                   help="an out-of-tree adapter.toml (repeatable; run in every cell)")
    p.add_argument("--adapter-command", action="append", default=[], metavar="NAME=CMD",
                   help="an adapter given as a command line (repeatable; run in every cell)")
    p.add_argument("--modules", metavar="DIR",
                   help="the module tree (lib/modules/<release>) of --kernel PATH images; "
                        "omit when the image has 9p/virtio built in")
    p.add_argument("--sensitivity", nargs="?", const="python", metavar="ADAPTER",
                   help="also run the sensitivity lane (bpfconform sensitivity through "
                        "ADAPTER, default python) on every kernel, with the first compiler: "
                        "programs a probe keeps off one kernel are checked where they run")
    p.add_argument("--corpus", action="append", default=[], metavar="PATH",
                   help="also run the corpus lane (bpfconform corpus) on these objects on every "
                        "kernel (repeatable; docs/corpus.md)")
    p.add_argument("--out", metavar="DIR", default="results", help="default: results/")
    p.add_argument("-k", dest="keyword", metavar="SUBSTR", help="only items whose id has it")
    p.add_argument("--timeout", type=float, default=60.0, metavar="S",
                   help="per-request adapter timeout (VMs run under TCG: keep it generous)")
    p.add_argument("--vm-timeout", type=float, default=1500.0, metavar="S",
                   help="wall time allowed for one VM boot with all its cells")
    p.add_argument("--vm-memory", default="2G", metavar="SIZE")
    p.add_argument("--vms", type=int, default=DEFAULT_VMS, metavar="N",
                   help=f"VM kernels booted at once (default {DEFAULT_VMS}: under TCG each "
                        "guest keeps one host core busy; bench/README.md)")
    p.add_argument("--vm-cpus", type=int, default=DEFAULT_VM_CPUS, metavar="N",
                   help=f"CPUs per VM, one cell driver each (default {DEFAULT_VM_CPUS})")
    p.add_argument("--accel", choices=("tcg", "kvm", "auto"), default="tcg",
                   help="qemu accelerator; auto: KVM only if a probe boot with it works "
                        "(KVM hangs at boot on the project's machines)")
    p.add_argument("--cache", metavar="DIR", help="kernel cache (default ~/.cache/bpfconform)")
    p.add_argument("--mirror", metavar="URI",
                   help=f"Debian mirror (default: ${MIRROR_ENV}, else the first Debian URI "
                        "of this machine's apt sources)")
    p.add_argument("--kernels-file", metavar="PATH", default=str(PINS_FILE),
                   help="the pinned kernel list (default: harness/matrix/kernels.toml)")
    p.add_argument("--refresh-kernels", action="store_true",
                   help="rewrite the kernel list from the mirror (one kernel per distinct "
                        "series), print what changed, and run nothing")


@dataclass
class Printer:
    """Progress on the terminal: one updating line on a tty, else one line per stage."""

    out: TextIO = field(default_factory=lambda: sys.stderr)
    last: str = ""
    last_at: float = -1e9
    every: float = 30.0  # without a tty: a line per stage, and one at least this often

    def __call__(self, p: Progress) -> None:
        """Show one progress event."""
        eta = f", ~{p.eta / 60:.1f} min left" if p.eta is not None else ""
        line = (f"[matrix {p.elapsed:6.0f} s] {p.kernel}: {p.stage} "
                f"({p.done}/{p.total} items{eta})")
        if self.out.isatty():
            self.out.write("\r\033[K" + line)
            if p.stage == "done" or p.stage.startswith("ERROR"):
                self.out.write("\n")
            self.out.flush()
        elif p.stage != self.last or p.elapsed - self.last_at >= self.every:
            print(line, file=self.out, flush=True)
            self.last_at = p.elapsed
        self.last = p.stage


def cmd_refresh(args: argparse.Namespace, out: TextIO) -> int:
    """`--refresh-kernels`: re-pin every distinct kernel series the mirror serves."""
    path = Path(args.kernels_file)
    try:
        old: dict[str, KernelPin] = load_pins(path) if path.exists() else {}
    except PinsError:
        old = {}
    cache = Path(args.cache) if args.cache else default_cache()
    try:
        apt = PrivateApt(cache / "apt", resolve_mirror(args.mirror))
        found = refresh_pins(apt)
    except (KernelFetchError, MirrorError, OSError) as exc:
        print(f"bpfconform: {exc}", file=sys.stderr)
        detail = getattr(exc, "output", "")
        if detail:
            print(_tail(detail), file=sys.stderr)
        return 2
    path.write_text(render_pins(found.pins, found.notes))
    for pin in found.pins:
        before = old.get(pin.id)
        change = ("new" if before is None else "unchanged" if before == pin
                  else f"was {before.version}")
        print(f"kernel {pin.id:<6} {pin.suite:<18} {pin.packages[0]} {pin.version} ({change})",
              file=out)
    for gone in sorted(set(old) - {p.id for p in found.pins}):
        print(f"kernel {gone:<6} dropped (the mirror serves no {old[gone].suite} kernel "
              "of its own series)", file=out)
    for note in found.notes:
        print(f"  not pinned: {note}", file=out)
    print(f"wrote {path} from {apt.mirror}", file=out)
    return 0


def expand_kernels(kernels: list[str], pins_file: Path) -> list[str]:
    """`all` is the host and every kernel pinned in `pins_file`, in its order."""
    out: list[str] = []
    for k in kernels:
        out += [HOST, *load_pins(pins_file)] if k == "all" else [k]
    return out


def expand_adapters(named: list[str], repo_root: Path) -> list[str]:
    """`default` is every in-tree adapter with `default = true` (what `bpfconform run`
    uses), in place."""
    out: list[str] = []
    for name in named:
        out += AdapterSet(repo_root).selected(None) if name == "default" else [name]
    return list(dict.fromkeys(out))


def cmd_matrix(args: argparse.Namespace) -> int:
    """Run the matrix, write matrix.json, junit per cell and report.html."""
    if args.refresh_kernels:
        return cmd_refresh(args, sys.stdout)
    try:
        extra = AdapterSet.from_options(runner.REPO_ROOT, args.adapter_manifest,
                                        args.adapter_command)
    except AdapterUnavailable as exc:
        print(f"bpfconform: {exc}", file=sys.stderr)
        return 2
    sources = {m.name: ("--adapter-manifest", str(m.path.resolve())) for m in extra.extra
               if m.root is not None and m.path.name.endswith(".toml")}
    sources.update({name: ("--adapter-command", spec) for spec in args.adapter_command
                    for name in [spec.partition("=")[0]]})
    named = list(args.adapter or ([] if sources else ["python", "libbpf"]))
    named = expand_adapters(named, runner.REPO_ROOT)
    try:
        kernels = expand_kernels(args.kernel or [HOST], Path(args.kernels_file))
    except PinsError as exc:
        print(f"bpfconform: {exc}", file=sys.stderr)
        return 2
    spec = MatrixSpec(
        kernels=tuple(dict.fromkeys(kernels)),  # one boot per kernel
        compilers=tuple(args.compiler or ["clang-19"]),
        adapters=tuple(dict.fromkeys([*named, *sources])),
        adapter_sources=sources,
        corpus=tuple(str(Path(c).resolve()) for c in args.corpus),
        sensitivity=args.sensitivity,
        modules=Path(args.modules).resolve() if args.modules else None,
        out=Path(args.out).resolve(),
        vm=VmConfig(accel=args.accel, memory=args.vm_memory, timeout=args.vm_timeout,
                    cpus=max(1, args.vm_cpus)),
        vms=max(1, args.vms),
        cache=Path(args.cache) if args.cache else default_cache(),
        keyword=args.keyword,
        request_timeout=args.timeout,
        paths=paths_for(),
        mirror=args.mirror,
        pins=Path(args.kernels_file),
    )
    unknown = _unknown_kernels(spec)
    if unknown:
        print(f"bpfconform: {unknown}", file=sys.stderr)
        return 2
    try:
        doc = Matrix(spec, Printer()).run()
    except MatrixError as exc:
        print(f"bpfconform: {exc}", file=sys.stderr)
        return 2
    summarise(doc, sys.stdout)
    print(f"matrix in {spec.out}/matrix.json, report {spec.out}/report.html")
    return 1 if bad(doc) else 0


def _tail(text: str, n: int = 10) -> str:
    return "\n".join(text.rstrip().splitlines()[-n:])


def _unknown_kernels(spec: MatrixSpec) -> str | None:
    """Why a `--kernel` names nothing (a typo is a usage error, not a column of ERRORs)."""
    try:
        pins = load_pins(spec.pins)
    except PinsError as exc:
        return str(exc)
    images = [k for k in spec.kernels if is_image(k)]
    missing = [k for k in images if not Path(k).is_file()]
    if missing:
        return f"no kernel image at {', '.join(missing)}"
    unknown = [k for k in spec.kernels if k != HOST and k not in pins and not is_image(k)]
    if not unknown:
        return None
    return (f"unknown kernel {', '.join(unknown)}: {spec.pins} pins {', '.join(pins)} "
            f"(`{REFRESH_COMMAND}` re-reads the mirror)")


def summarise(doc: dict[str, object], out: TextIO) -> None:
    """Per kernel: boot/wall time, probe flags; then the loader x kernel counts."""
    meta = doc["meta"]
    assert isinstance(meta, dict)
    for label, rec in meta.get("kernels", {}).items():
        b = rec.get("boot") or {}
        boot = f", boot {b.get('boot_seconds')} s" if b else ""
        err = rec.get("fetch_error") or (b.get("reason") if b else None)
        print(f"kernel {label}: wall {rec.get('wall_seconds')} s{boot}"
              + (f", ERROR: {err}" if err else ""), file=out)
        for flag in rec.get("probe_flags", []):
            print(f"  probe flag: {flag}", file=out)
        lane = rec.get("corpus")
        if lane is not None and lane.get("error"):
            print(f"  corpus: ERROR: {lane['error']}", file=out)
        elif lane is not None:
            for adapter, s in lane.get("summary", {}).items():
                print(f"  corpus {adapter:>12}: {s.get('programs')} programs: {s.get('agree')} "
                      f"agree, {s.get('stricter')} stricter, {s.get('looser')} looser, "
                      f"{s.get('retval_differs')} retval differs, {s.get('errors')} errors",
                      file=out)
        sens = rec.get("sensitivity")
        if sens is not None:
            for line in sensitivity_lines(sens):
                print(f"  sensitivity: {line}", file=out)
    checked = meta.get("sensitivity") or {}
    if checked:
        n = Counter(checked.values())
        print(f"sensitivity over every kernel: {len(checked)} programs, "
              + ", ".join(f"{n[k]} {k}" for k in sorted(n)), file=out)
    rows = doc["results"]
    assert isinstance(rows, list)
    for (adapter, kernel), n in sorted(merge.counts(rows).items()):
        parts = ", ".join(f"{n[v]} {v.lower()}" for v in merge.VERDICTS if n[v])
        print(f"{adapter:>12} @ {kernel}: {parts}", file=out)
    diffs = doc.get("compiler_differences") or []
    assert isinstance(diffs, list)
    for d in diffs:
        print(f"compiler difference: {d['kernel']} {d['adapter']} {d['file']}::{d['program']}"
              f" {d['verdicts']}", file=out)


def sensitivity_lines(lane: dict[str, Any]) -> list[str]:
    """A kernel's sensitivity lane: the count of each kind by rule, then each failure."""
    if lane.get("error"):
        return [f"ERROR: {lane['error']}"]
    lines = [f"{rule}: " + ", ".join(f"{n} {kind}" for kind, n in sorted(kinds.items()))
             for rule, kinds in sorted(kind_counts(lane.get("kinds", {})).items())]
    lines += [f"FAILED {f}" for f in lane.get("failed", [])]
    if lane.get("rc") != 0 and not lane.get("failed"):
        lines.append(f"ERROR: exit {lane.get('rc')}: {lane.get('log', '')}")
    return lines


def add_report_args(p: argparse.ArgumentParser) -> None:
    """Arguments of `bpfconform report` (subcommand `merge`)."""
    sub = p.add_subparsers(dest="report_command", required=True)
    m = sub.add_parser("merge", help="merge results directories from several machines")
    m.add_argument("dirs", nargs="+", metavar="DIR",
                   help="directories holding matrix.json or results.json")
    m.add_argument("--out", metavar="DIR", default="results", help="default: results/")


def cmd_report(args: argparse.Namespace) -> int:
    """`report merge DIR...`: one matrix.json, junit per cell and report.html."""
    try:
        doc = merge.merge_dirs([Path(d) for d in args.dirs])
    except merge.MergeError as exc:
        print(f"bpfconform: {exc}", file=sys.stderr)
        return 2
    out = Path(args.out)
    merge.write_outputs(out, doc)
    summarise(doc, sys.stdout)
    conflicts = doc["meta"]["conflicts"]
    for c in conflicts:
        print(f"conflict: {c['key']} {c['verdicts']}", file=sys.stderr)
    print(f"merged {len(args.dirs)} directories, {len(doc['results'])} rows into {out}/")
    return 1 if conflicts or bad(doc) else 0


SUBCOMMANDS = (
    Subcommand("matrix", "kernel x compiler x adapter matrix (VMs under qemu)",
               add_matrix_args, cmd_matrix),
    Subcommand("report", "report tools: `report merge DIR...`", add_report_args, cmd_report),
)


def main(argv: list[str] | None = None) -> int:
    """`python3 -m harness.matrix matrix ...` / `... report merge ...`."""
    p = argparse.ArgumentParser(prog="bpfconform")
    sub = p.add_subparsers(dest="command", required=True)
    m = sub.add_parser("matrix", help="kernel x compiler x adapter matrix")
    add_matrix_args(m)
    m.set_defaults(func=cmd_matrix)
    r = sub.add_parser("report", help="report tools")
    add_report_args(r)
    r.set_defaults(func=cmd_report)
    args = p.parse_args(argv)
    return int(args.func(args))
