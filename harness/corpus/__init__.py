"""The corpus lane: third-party objects (or the kernel's selftests) through every loader,
compared with libbpf (`corpus`), with the selftests build (`corpus_selftests`), annotations
(`corpus_annotations`) and its HTML (`corpus_html`)."""
