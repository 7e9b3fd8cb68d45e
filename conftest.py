"""Repository-level pytest configuration.

The bpfconform plugin (harness/pytest_plugin.py: --adapter, --compiler, --bpf-timeout,
--bpf-src and the suite/ collector) is registered under the `pytest11` entry point when
the package is installed (`pip install -e .`); from a plain checkout this conftest loads it.
"""

import sys

# An installed bpfconform has already imported the plugin through its entry point;
# registering it a second time would make pluggy refuse the duplicate.
pytest_plugins = [] if "harness.pytest_plugin" in sys.modules else ["harness.pytest_plugin"]
