"""The conformance suite: `pytest suite --adapter libbpf`.

This directory holds `catalogue.toml` (behaviour ids) and `expectations/<adapter>.toml`
(known failures). Its items are not Python tests: harness.pytest_plugin collects it with a
custom Directory collector that builds bpf-src/ and yields one item per (program, adapter).
"""

collect_ignore_glob = ["expectations/*"]
