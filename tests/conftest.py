"""The project's tests: one rule for what a test needs from the machine
(tests/support/require.py, importable from every test module as `require`)."""

from __future__ import annotations

import contextlib
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent

# pytest's default import mode put tests/ on sys.path to import this file. Take it off
# again: from there tests/refloader/ and tests/harness/ would import as namespace packages
# in place of the installed `refloader` and `harness`. Only tests/support/ goes on it.
with contextlib.suppress(ValueError):
    sys.path.remove(str(HERE))
if str(HERE / "support") not in sys.path:
    sys.path.insert(0, str(HERE / "support"))
