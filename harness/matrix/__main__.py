"""`python3 -m harness.matrix matrix|report merge ...` (same as the bpfconform subcommands)."""

import sys

from harness.commands.matrix import main

sys.exit(main())
