"""The build: find compilers (`toolchain`), compile bpf-src into build/ (cached), an installed
wheel's prebuilt object sets (`prebuilt`), and the compiler choice with them (`builder`)."""
