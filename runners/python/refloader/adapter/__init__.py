"""The reference loader's adapter: ``python3 -m refloader.adapter``.

Speaks docs/adapter-protocol.md v1 (JSON Lines on stdin/stdout, diagnostics on stderr).
Each ``run`` opens the whole object, loads it, test-runs one program and closes every fd
it opened; errors become a reply (never a traceback on stdout).

Its parts have the names every adapter of this project uses (runners/*/): ``main`` (the
loop), ``protocol`` (hello, the request and reply records), ``run`` (one request through
the loader), ``info`` (the ``info`` reply field).
"""

from refloader.adapter.info import kernel_info
from refloader.adapter.main import main, serve
from refloader.adapter.protocol import PROTOCOL, SUPPORTS, BadRequest, Reply, hello
from refloader.adapter.run import Session

# (the function that serves one request is refloader.adapter.run.run: the part's name is not
# shadowed by it here)
__all__ = ["PROTOCOL", "SUPPORTS", "BadRequest", "Reply", "Session", "hello", "kernel_info",
           "main", "serve"]
