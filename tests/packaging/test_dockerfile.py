"""The Dockerfile, proven without a Docker daemon (issue 21, item 8).

A bookworm root made by `debootstrap --variant=minbase` (what `debian:bookworm` is) gets the
host's trust store, apt mirror configuration and resolv.conf (a container build brings its
own; in a chroot pip, cargo, rustup and go reach their registries only with them); then the
Dockerfile's steps run in it through chroot, with /proc, /sys, a fresh bpffs on /sys/fs/bpf
and /dev mounted as a privileged container has them; then `bpfconform run --adapter python
--adapter libbpf` runs inside against the host kernel: 0 FAIL, ERROR or XPASS, and every
default adapter built.

The cache (`$BPFCONFORM_CACHE/dockerfile/`, default ~/.cache/bpfconform) works like
Docker's layer cache: the root after the steps before `COPY` is kept under the hash of the
Dockerfile (and of this file's base-root recipe); `COPY . /src` and every step after it
run each time, against the current checkout. /src/build (ignored by .dockerignore, so
never copied) survives between runs like a BuildKit cache mount, so a warm run rebuilds
only what changed. From cold, everything is built.
"""

from __future__ import annotations

import contextlib
import fcntl
import fnmatch
import hashlib
import json
import os
import re
import shlex
import shutil
import signal
import subprocess
import time
from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import pytest
from require import require_tool

from harness.matrix.kernels import default_cache
from harness.run.runner import REPO_ROOT

DOCKERFILE = REPO_ROOT / "Dockerfile"
DOCKERIGNORE = REPO_ROOT / ".dockerignore"
SUITE = "bookworm"
MIRROR = "http://deb.debian.org/debian"
#: bumped when the base root's recipe (prepare_root) changes: part of every cache key
BASE_FORMAT = 1
#: Docker's environment for a root process in debian:bookworm
BASE_ENV = {"PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
            "HOME": "/root", "HOSTNAME": "bpfconform", "LANG": "C.UTF-8"}
STEP_TIMEOUT = 3 * 3600
KNOWN = ("FROM", "ENV", "RUN", "WORKDIR", "COPY", "CMD")


@dataclass(frozen=True)
class Step:
    """One Dockerfile instruction: `kind` (upper case) and its argument text."""

    kind: str
    arg: str


def parse_dockerfile(text: str) -> list[Step]:
    """The instructions, continuation lines joined; an instruction this runner does not know
    is an error (never silently left out)."""
    steps: list[Step] = []
    pending = ""
    for line in text.splitlines():
        stripped = line.strip()
        if not pending and (not stripped or stripped.startswith("#")):
            continue
        if pending and stripped.startswith("#"):
            continue  # a comment inside a continued instruction
        if stripped.endswith("\\"):
            pending += stripped[:-1] + " "
            continue
        full = pending + stripped
        pending = ""
        kind, _, arg = full.partition(" ")
        if kind.upper() not in KNOWN:
            raise ValueError(f"Dockerfile instruction {kind} is not run by this test")
        steps.append(Step(kind.upper(), arg.strip()))
    if pending:
        raise ValueError("Dockerfile ends inside a continued line")
    return steps


_VAR = re.compile(r"\$(?:\{(\w+)\}|(\w+))")


def apply_env(arg: str, env: Mapping[str, str]) -> dict[str, str]:
    """`env` after `ENV arg` (`K=V ...`, values may name earlier variables as $K/${K})."""
    out = dict(env)
    for token in shlex.split(arg):
        key, eq, value = token.partition("=")
        if not eq:
            raise ValueError(f"ENV {arg!r}: only the K=V form is run by this test")
        out[key] = _VAR.sub(lambda m: out.get(m.group(1) or m.group(2), ""), value)
    return out


def ignore_patterns(text: str) -> list[str]:
    """The .dockerignore patterns (comments and blank lines dropped; `!` is refused)."""
    patterns = [ln.strip().strip("/") for ln in text.splitlines()
                if ln.strip() and not ln.strip().startswith("#")]
    if any(p.startswith("!") for p in patterns):
        raise ValueError(".dockerignore exceptions (!) are not supported by this test")
    return patterns


def ignored(rel: str, patterns: list[str]) -> bool:
    """Whether context path `rel` (or a directory above it) matches a pattern; `**/x`
    matches x at any depth, as Docker's."""
    parts = rel.split("/")
    prefixes = ["/".join(parts[: i + 1]) for i in range(len(parts))]
    for pat in patterns:
        anywhere = pat.startswith("**/")
        for prefix in prefixes:
            if fnmatch.fnmatchcase(prefix, pat):
                return True
            if anywhere and fnmatch.fnmatchcase(prefix.rsplit("/", 1)[-1], pat[3:]):
                return True
    return False


def copy_context(src: Path, dest: Path, patterns: list[str]) -> int:
    """`COPY . dest` of the build context `src` without the ignored paths; returns the
    number of files. dest/build (ignored, never copied) is kept: the build cache."""
    dest.mkdir(parents=True, exist_ok=True)
    for child in dest.iterdir():
        if child.name == "build":
            continue
        if child.is_dir() and not child.is_symlink():
            shutil.rmtree(child)
        else:
            child.unlink()
    count = 0
    for dirpath, dirnames, filenames in os.walk(src):
        rel_dir = Path(dirpath).relative_to(src)
        dirnames[:] = [d for d in dirnames
                       if not ignored((rel_dir / d).as_posix(), patterns)]
        (dest / rel_dir).mkdir(parents=True, exist_ok=True)
        for name in filenames:
            rel = rel_dir / name
            if ignored(rel.as_posix(), patterns):
                continue
            shutil.copy2(src / rel, dest / rel, follow_symlinks=False)
            count += 1
    return count


def mounts_under(root: Path) -> list[str]:
    """Mount points at or below `root` (from /proc/self/mounts)."""
    base = str(root.resolve())
    with open("/proc/self/mounts") as f:
        points = [ln.split()[1].replace("\\040", " ") for ln in f]
    return [p for p in points if p == base or p.startswith(base + "/")]


def kill_chroot_processes(root: Path) -> None:
    """SIGKILL every process whose root directory is `root`: started by this test's chroot
    (a daemon a package's postinst left behind would keep the mounts busy)."""
    base = os.path.realpath(root)
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        with contextlib.suppress(OSError):
            if os.readlink(entry / "root") == base:
                os.kill(int(entry.name), signal.SIGKILL)


@contextlib.contextmanager
def container_mounts(root: Path) -> Iterator[None]:
    """/proc, /sys, a fresh bpffs at /sys/fs/bpf and /dev (a recursive bind, made a slave so
    nothing propagates back to the host) as a privileged container has them; every mount is
    lazily unmounted afterwards, whatever happened."""
    plan = [
        (["-t", "proc", "proc"], "proc", False),
        (["-t", "sysfs", "sysfs"], "sys", False),
        (["-t", "bpf", "bpf"], "sys/fs/bpf", False),
        (["--rbind", "/dev"], "dev", True),
    ]
    done: list[Path] = []
    try:
        for args, target, slave in plan:
            point = root / target
            point.mkdir(parents=True, exist_ok=True)
            subprocess.run(["mount", *args, str(point)], check=True)
            done.append(point)
            if slave:
                subprocess.run(["mount", "--make-rslave", str(point)], check=True)
        yield
    finally:
        kill_chroot_processes(root)
        for point in reversed(done):
            subprocess.run(["umount", "-l", str(point)], check=False)
        left = mounts_under(root)
        assert not left, f"mounts left under {root}: {left}"


def _safe_rmtree(path: Path) -> None:
    """Remove a root only when nothing is mounted in it (never delete through /dev)."""
    if not path.exists():
        return
    busy = mounts_under(path)
    if busy:
        raise AssertionError(f"refusing to remove {path}: still mounted: {busy}")
    shutil.rmtree(path)


def prepare_root(root: Path) -> None:
    """The host's trust store, apt mirror configuration and resolver in the root, plus
    Docker's `policy-rc.d` (no service starts in a build)."""
    shutil.copytree("/etc/ssl", root / "etc/ssl", symlinks=True, dirs_exist_ok=True)
    local_ca = Path("/usr/local/share/ca-certificates")
    if local_ca.is_dir():
        shutil.copytree(local_ca, root / "usr/local/share/ca-certificates",
                        symlinks=True, dirs_exist_ok=True)
    host_sources = Path("/etc/apt/sources.list.d/debian.sources")
    if host_sources.is_file():  # the image's layout: deb822 sources, no sources.list
        shutil.copy2(host_sources, root / "etc/apt/sources.list.d/debian.sources")
        (root / "etc/apt/sources.list").unlink(missing_ok=True)
    conf = root / "etc/apt/apt.conf.d"
    for f in Path("/etc/apt/apt.conf.d").iterdir():
        if f.is_file() and not (conf / f.name).exists():
            shutil.copy2(f, conf / f.name)
    refresh_resolver(root)
    rc = root / "usr/sbin/policy-rc.d"
    rc.write_text("#!/bin/sh\nexit 101\n")
    rc.chmod(0o755)


def refresh_resolver(root: Path) -> None:
    """The host's resolv.conf and hosts (a container gets them at start)."""
    for name in ("resolv.conf", "hosts"):
        target = root / "etc" / name
        target.unlink(missing_ok=True)
        shutil.copy2(Path("/etc") / name, target)


def base_root(cache: Path, root: Path, log: Path) -> None:
    """A fresh `debian:bookworm`: `debootstrap --variant=minbase`, kept as a tarball."""
    tarball = cache / f"debootstrap-{SUITE}-minbase.tar"
    _safe_rmtree(root)
    root.mkdir(parents=True)
    if not tarball.exists():
        debootstrap = require_tool("debootstrap", ".ci/install (harness/apt.txt)")
        _logged(["unshare", "--mount", "--propagation", "private", debootstrap,
                 "--variant=minbase", SUITE, str(root), MIRROR], log, dict(os.environ))
        tmp = tarball.with_suffix(".tmp")
        subprocess.run(["tar", "-C", str(root), "-cf", str(tmp), "."], check=True)
        tmp.replace(tarball)
    else:
        subprocess.run(["tar", "-C", str(root), "-xpf", str(tarball)], check=True)


def _logged(argv: list[str], log: Path, env: Mapping[str, str]) -> None:
    with log.open("a") as out:
        out.write(f"\n$ {shlex.join(argv)}\n")
        out.flush()
        proc = subprocess.run(argv, stdout=out, stderr=subprocess.STDOUT, env=dict(env),
                              timeout=STEP_TIMEOUT, check=False)
    if proc.returncode != 0:
        tail = "".join(log.read_text(errors="replace").splitlines(True)[-60:])
        raise AssertionError(f"exit {proc.returncode}: {shlex.join(argv)}\n... {log}:\n{tail}")


def in_root(root: Path, workdir: str, command: str, env: Mapping[str, str],
            log: Path) -> None:
    """`/bin/sh -c command` in the root, from `workdir`, with exactly `env` (a RUN step)."""
    _logged(["chroot", str(root), "/usr/bin/env", f"--chdir={workdir}", "/bin/sh", "-c",
             command], log, env)


@dataclass
class Image:
    """The state a Dockerfile leaves: environment and working directory."""

    env: dict[str, str]
    workdir: str = "/"


def run_steps(root: Path, steps: list[Step], image: Image, log: Path, context: Path,
              execute: bool) -> Image:
    """Apply `steps` to the root (`execute` False: only ENV/WORKDIR, the cached RUN/COPY
    having run before)."""
    for step in steps:
        if step.kind == "ENV":
            image.env = apply_env(step.arg, image.env)
        elif step.kind == "WORKDIR":
            image.workdir = step.arg
            (root / step.arg.lstrip("/")).mkdir(parents=True, exist_ok=True)
        elif step.kind == "RUN" and execute:
            if step.arg.startswith("["):
                raise ValueError("exec-form RUN is not run by this test")
            in_root(root, image.workdir, step.arg, image.env, log)
        elif step.kind == "COPY" and execute:
            src, dest = step.arg.split()
            assert src == ".", f"COPY {step.arg}: only `COPY . DIR` is run by this test"
            patterns = ignore_patterns(DOCKERIGNORE.read_text())
            n = copy_context(context, root / dest.lstrip("/"), patterns)
            with log.open("a") as out:
                out.write(f"\n# COPY . {dest}: {n} files\n")
    return image


@contextlib.contextmanager
def locked(cache: Path) -> Iterator[None]:
    """One build of the cached root at a time (two pytest runs on one machine)."""
    cache.mkdir(parents=True, exist_ok=True)
    with open(cache / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield


def cache_key(dockerfile: str) -> str:
    """The cached system layer's key: the Dockerfile and the base-root recipe."""
    h = hashlib.sha256(f"{BASE_FORMAT}\0{SUITE}\0{MIRROR}\0".encode())
    h.update(dockerfile.encode())
    return h.hexdigest()[:16]


# ---- fast checks of the machinery ----------------------------------------------------------


def test_the_dockerfile_parses_and_installs_no_debian_go_or_rust() -> None:
    steps = parse_dockerfile(DOCKERFILE.read_text())
    assert steps[0] == Step("FROM", "debian:bookworm")
    kinds = [s.kind for s in steps]
    assert kinds.count("COPY") == 1 and "RUN" in kinds[: kinds.index("COPY")]
    runs = " ".join(s.arg for s in steps if s.kind == "RUN")
    # bookworm's golang-go (1.19) and rustc/cargo (1.63) build neither cilium/ebpf nor aya
    words = set(runs.split())
    assert not words & {"golang-go", "rustc", "cargo"}, words & {"golang-go", "rustc", "cargo"}
    assert "golang-1.23-go" in words and "bookworm-backports" in words
    env = Image(dict(BASE_ENV))
    for s in steps:
        if s.kind == "ENV":
            env.env = apply_env(s.arg, env.env)
    assert env.env["GOTOOLCHAIN"] == "auto"
    assert env.env["PATH"].startswith("/opt/venv/bin:")
    assert env.env["PATH"].endswith(BASE_ENV["PATH"])


def test_parse_joins_continuations_and_refuses_unknown_instructions() -> None:
    steps = parse_dockerfile("FROM x\n# c\nRUN a \\\n  # inner\n  && b\nENV A=1 B=$A:2\n")
    assert steps == [Step("FROM", "x"), Step("RUN", "a  && b"), Step("ENV", "A=1 B=$A:2")]
    assert apply_env(steps[2].arg, {})["B"] == "1:2"
    with pytest.raises(ValueError, match="ARG"):
        parse_dockerfile("FROM x\nARG y\n")


def test_dockerignore_patterns() -> None:
    pats = ignore_patterns(DOCKERIGNORE.read_text())
    assert ignored("build/clang-19/a.o", pats)
    assert ignored("harness/__pycache__/x.pyc", pats)
    assert ignored("runners/aya/target/release/x", pats)
    assert ignored("bpfconform.egg-info/PKG-INFO", pats)
    assert ignored(".git/HEAD", pats)
    assert not ignored("harness/run/runner.py", pats)
    assert not ignored("runners/libbpf/Makefile", pats)
    assert not ignored("bpf-src/include/conformance.h", pats)


# ---- the image, built in a chroot ------------------------------------------------------------


@pytest.mark.slow
def test_dockerfile_builds_in_a_bookworm_root_and_runs_the_suite() -> None:
    for tool in ("chroot", "mount", "umount", "unshare", "tar"):
        require_tool(tool)
    text = DOCKERFILE.read_text()
    steps = parse_dockerfile(text)
    assert steps[0] == Step("FROM", "debian:bookworm"), "the base this test makes"
    first_copy = next(i for i, s in enumerate(steps) if s.kind == "COPY")
    system, rest = steps[1:first_copy], steps[first_copy:]
    cache = default_cache() / "dockerfile"
    key = cache_key(text)
    layer = cache / key
    root = layer / "root"
    done = layer / "system.done"
    log = layer / "build.log"
    started = time.monotonic()
    with locked(cache):
        for stale in cache.iterdir():  # other Dockerfiles' roots: GBs each
            if stale.is_dir() and stale.name != key:
                _safe_rmtree(stale)
        layer.mkdir(parents=True, exist_ok=True)
        log.write_text("")
        image = Image(dict(BASE_ENV))
        cold = not done.exists()
        if cold:
            base_root(cache, root, log)
            prepare_root(root)
            with container_mounts(root):
                image = run_steps(root, system, image, log, REPO_ROOT, execute=True)
            done.write_text(json.dumps({"env": image.env, "workdir": image.workdir}))
        else:
            image = run_steps(root, system, image, log, REPO_ROOT, execute=False)
        refresh_resolver(root)
        out = "/tmp/bpfconform-results"
        with container_mounts(root):
            image = run_steps(root, rest, image, log, REPO_ROOT, execute=True)
            in_root(root, image.workdir, "bpfconform adapters --json > /tmp/adapters.json",
                    image.env, log)
            shutil.rmtree(root / out.lstrip("/"), ignore_errors=True)
            # the CMD's bpffs mount is already there (container_mounts); the run may exit
            # non-zero (a FAIL): the verdicts are read from results.json below
            in_root(root, image.workdir,
                    f"bpfconform run --adapter python --adapter libbpf --out {out} "
                    "> /tmp/run.txt 2>&1; echo $? > /tmp/run.rc", image.env, log)
        adapters = json.loads((root / "tmp/adapters.json").read_text())
        doc = json.loads((root / out.lstrip("/") / "results.json").read_text())
        run_txt = (root / "tmp/run.txt").read_text(errors="replace")
        rc = (root / "tmp/run.rc").read_text().strip()
    elapsed = time.monotonic() - started
    print(f"dockerfile root {root}: {elapsed:.0f} s ({'cold' if cold else 'warm'} system layer)")
    unbuilt = {a["name"]: a["unavailable"] for a in adapters
               if a.get("default") and "unavailable" in a}
    assert not unbuilt, f"default adapters the image did not build: {unbuilt}"
    verdicts = Counter((r["adapter"], r["verdict"]) for r in doc["results"])
    bad = [r for r in doc["results"] if r["verdict"] in ("FAIL", "ERROR", "XPASS")]
    assert not bad, "\n".join(f"{r['verdict']} {r['file']} {r['program']} [{r['adapter']}]: "
                              f"{r['reason']}" for r in bad[:20])
    for adapter in ("python", "libbpf"):
        assert verdicts[(adapter, "PASS")] > 0, (adapter, verdicts, run_txt[-2000:])
        assert "unavailable" not in doc["meta"]["adapters"][adapter]
    assert rc == "0", run_txt[-3000:]
