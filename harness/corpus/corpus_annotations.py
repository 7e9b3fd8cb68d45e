"""The kernel selftests' `bpf_misc.h` annotations, read from an object's BTF, and the verdict
they give one adapter's outcome.

`__success`, `__failure`, `__retval(N)`, `__msg(...)`, `__description(...)` and friends are
`btf_decl_tag("comment:test_...")` attributes: BTF_KIND_DECL_TAG records (component_idx -1)
on the program's FUNC. test_loader.c reads them the same way and loads each program alone
(every other program's autoload off), which is why the corpus lane judges them with
`autoload_only` requests. Parsing uses the reference loader's BTF parser (pure Python, no
syscalls). Only the privileged expectations are judged: the lane runs as root.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from refloader.btf import Btf, DeclTag, Func
from refloader.errors import BTFError

TAG_PREFIX = "comment:"
#: test_loader.c parse_retval's named values (POINTER_VALUE is apart: it means any value)
NAMED_RETVALS = {"INT_MIN": -(2**31), "TEST_DATA_LEN": 64}
#: `__retval(POINTER_VALUE)`: test_loader checks that the program ran, not what it returned
#: (`retval != subspec->retval && subspec->retval != POINTER_VALUE`)
ANY_RETVAL = "POINTER_VALUE"
#: tags that make the program something this lane cannot reproduce faithfully (why)
_NOT_REPRODUCED = {
    "test_prog_flags": "needs BPF_PROG_LOAD flags {} (the protocol sends none)",
    "test_btf_path": "needs a custom target BTF {}",
    "load_mode": "loads only when the kernel's JIT is {}",
}


@dataclass(frozen=True)
class Annotation:
    """One program's test_loader expectations (privileged mode)."""

    tags: tuple[str, ...]
    expect: str | None  # "success" | "failure" | None (not judged)
    retval: int | None = None
    description: str | None = None
    msgs: tuple[str, ...] = ()
    not_judged: str | None = None  # why the program is not judged
    any_retval: bool = False  # __retval(POINTER_VALUE): it must run, any value will do

    def to_json(self) -> dict[str, object]:
        """The corpus.json `annotation` record."""
        return {"expect": self.expect, "retval": self.retval, "any_retval": self.any_retval,
                "description": self.description, "msgs": list(self.msgs),
                "not_judged": self.not_judged}


def decl_tags(btf_raw: bytes) -> dict[str, list[str]]:
    """FUNC name -> its `comment:` decl tags (prefix removed), in BTF order."""
    btf = Btf.parse(btf_raw)
    funcs: dict[int, str] = {}
    tags: list[DeclTag] = []
    for tid, t in btf:
        if isinstance(t, Func):
            funcs[tid] = t.name
        elif isinstance(t, DeclTag) and t.component_idx == -1 and t.name.startswith(TAG_PREFIX):
            tags.append(t)
    out: dict[str, list[str]] = {}
    for t in tags:
        if t.type in funcs:
            out.setdefault(funcs[t.type], []).append(t.name[len(TAG_PREFIX):])
    return out


def parse_retval(text: str) -> int | None:
    """test_loader.c parse_retval: a named value or a C integer; None if neither."""
    if text in NAMED_RETVALS:
        return NAMED_RETVALS[text]
    m = re.fullmatch(r"\(?\s*(-?)\s*(0[xX][0-9a-fA-F]+|\d+)[uUlL]*\s*\)?", text.strip())
    if m is None:
        return None
    return int(m.group(1) + m.group(2), 0)


def annotate(tags: Sequence[str], object_has_auxiliary: bool = False) -> Annotation | None:
    """The program's expectations from its tags, or None when it carries no test tag."""
    if not tags:
        return None
    expect: str | None = None
    retval: int | None = None
    any_retval = False
    description: str | None = None
    msgs: list[str] = []
    priv = False
    why: str | None = None
    for tag in tags:
        key, _, value = tag.partition("=")
        if key == "test_expect_success":
            expect, priv = "success", True
        elif key == "test_expect_failure":
            expect, priv = "failure", True
        elif key == "test_retval":
            priv = True
            any_retval = value == ANY_RETVAL
            retval = parse_retval(value)
            if retval is None and not any_retval:
                why = f"__retval({value}) is not a value test_loader knows"
        elif key == "test_expect_msg":
            priv = True
            msgs.append(value.partition("=")[2])
        elif key == "test_description":
            description = value
        elif key == "test_auxiliary":
            return Annotation(tuple(tags), None, not_judged="__auxiliary: loaded only with "
                              "another test program")
        elif key in _NOT_REPRODUCED and why is None:
            why = _NOT_REPRODUCED[key].format(value)
        elif key == "test_arch" and value != "X86_64" and why is None:
            why = f"for arch {value} only"
    unpriv_only = not priv and any(t.partition("=")[0].endswith("_unpriv") for t in tags)
    if unpriv_only:
        return Annotation(tuple(tags), None, retval, description, tuple(msgs),
                          "unprivileged expectations only (the lane runs as root)")
    if expect is None:  # test_loader: privileged, expected to succeed unless __failure
        expect = "success"
    if why is None and object_has_auxiliary:
        why = "the object has __auxiliary programs test_loader loads alongside"
    return Annotation(tuple(tags), expect, retval, description, tuple(msgs), why, any_retval)


def read_annotations(btf_raw: bytes | None, programs: Sequence[str]
                ) -> tuple[dict[str, Annotation], str | None]:
    """Each annotated program's Annotation, and why the BTF could not be read (or None)."""
    if btf_raw is None:
        return {}, None
    try:
        by_func = decl_tags(btf_raw)
    except BTFError as exc:
        return {}, f".BTF unreadable: {exc}"
    aux = any("test_auxiliary" in by_func.get(p, ()) for p in programs)
    out: dict[str, Annotation] = {}
    for p in programs:
        a = annotate(by_func.get(p, []), aux)
        if a is not None:
            out[p] = a
    return out, None


def judge(ann: Annotation, phase: str, retval: int | None, broke: bool) -> tuple[str, str]:
    """(PASS|FAIL|ERROR|NOT_JUDGED, why) of one adapter's outcome against `ann`.

    success: the program loads and, with `__retval`, returns it; failure: it is refused at
    load (a refusal at open is of the object, before any verifier: FAIL, the wrong reason).
    An adapter that broke (internal error, crash, hang) is ERROR."""
    if broke:
        return "ERROR", "the adapter broke"
    if ann.expect is None or ann.not_judged:
        return "NOT_JUDGED", ann.not_judged or "no expectation"
    refused = phase in ("open", "load")
    if ann.expect == "failure":
        if phase == "open":  # the object was refused, not the program: the wrong reason
            return "FAIL", "__failure, but refused at open (the object, before any verifier)"
        return ("PASS", "refused at load") if refused else ("FAIL", "__failure but it loaded")
    if refused:
        return "FAIL", "__success but refused at " + phase
    if ann.retval is None and not ann.any_retval:
        return "PASS", "loaded"
    want = ANY_RETVAL if ann.any_retval else str(ann.retval)
    if phase != "done":
        return "FAIL", f"__retval({want}) but the test run failed"
    if ann.any_retval or ann.retval is None:
        return "PASS", "ran (__retval(POINTER_VALUE): any value)"
    if retval is not None and (retval - ann.retval) % 2**32 == 0:
        return "PASS", f"returned {ann.retval}"
    return "FAIL", f"__retval({ann.retval}) but returned {retval}"
