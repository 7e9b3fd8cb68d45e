"""tests/packaging: the wheel and the Dockerfile, checked on a fresh machine's terms."""

from __future__ import annotations

import pytest


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "slow: minutes of building (a wheel, a bookworm root); still run by default")
