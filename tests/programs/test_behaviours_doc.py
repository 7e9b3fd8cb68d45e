"""docs/behaviours.md is generated: it must match what the generator writes today."""

from __future__ import annotations

import behaviours_doc
from require import require

from harness.build import toolchain


def test_docs_behaviours_md_is_up_to_date() -> None:
    require(toolchain.discover_compilers(), "no clang found",
            ".ci/install (apt-get install clang-19)")
    current = behaviours_doc.DOC_PATH.read_text() if behaviours_doc.DOC_PATH.exists() else ""
    assert current == behaviours_doc.generate(), (
        "docs/behaviours.md is stale: run "
        "`python3 tests/programs/behaviours_doc.py > docs/behaviours.md`"
    )
