"""``python3 -m refloader.adapter``."""

import sys

from refloader.adapter.main import main

sys.exit(main())
