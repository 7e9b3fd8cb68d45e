#!/bin/sh
# rustc wrapper (build.rustc-wrapper in .cargo/config.toml).
#
# aya 0.16.0 and aya-obj 0.6.0 declare rust-version 1.98 and use exactly one library API
# stabilised after the toolchain this project installs (Rust 1.95):
# Option::map_or_default (feature `result_option_map_or_default`). For the aya and aya_obj
# crates only, and only when rustc is older than 1.98, enable that feature; every other crate is
# compiled untouched. aya's sources are never modified.
rustc="$1"; shift
case " $* " in
  *" --crate-name aya "* | *" --crate-name aya_obj "*)
    minor=$("$rustc" --version | sed -n 's/^rustc 1\.\([0-9]*\).*/\1/p')
    if [ -n "$minor" ] && [ "$minor" -lt 98 ]; then
      RUSTC_BOOTSTRAP=1 exec "$rustc" "$@" -Zcrate-attr='feature(result_option_map_or_default)'
    fi ;;
esac
exec "$rustc" "$@"
