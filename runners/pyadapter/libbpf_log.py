"""What libbpf prints on a tool's stderr, for adapters of command-line tools built on
libbpf (bpftool, tc/ip): the errno it names and the verifier log of a failed load."""

from __future__ import annotations

import errno
import os
import re

VERIFIER_LOG_CAP = 64 * 1024
LOG_RE = re.compile(r"-- BEGIN PROG LOAD LOG --\n(?P<log>.*?)-- END PROG LOAD LOG --", re.DOTALL)
NEG_ERRNO_RE = re.compile(r": -(\d+)\s*$", re.MULTILINE)
STRERROR = {os.strerror(code): code for code in errno.errorcode}


def errno_from(text: str) -> int | None:
    """The first errno libbpf (or the tool) names in `text` (`: -13` or a strerror message).

    The verifier log is left out: its own `-22`s are not the load's errno.
    """
    text = LOG_RE.sub("", text)
    match = NEG_ERRNO_RE.search(text)
    if match:
        return int(match.group(1))
    for message, code in STRERROR.items():
        if message in text:
            return code
    return None


def verifier_log(stderr: str) -> str | None:
    """The verifier log libbpf printed on a failed program load, tail-bounded."""
    match = LOG_RE.search(stderr)
    if not match:
        return None
    log = match.group("log")
    if len(log) > VERIFIER_LOG_CAP:
        log = "[... verifier log truncated ...]\n" + log[-VERIFIER_LOG_CAP:]
    return log
