//! Captures the version of the `aya` crate resolved in Cargo.lock, so that the
//! adapter's `hello` reports the library it was really built against, and sets
//! `cfg(aya_legacy)` for aya before 0.14 (no `TestRun`, fewer `Program` and `Map`
//! variants, `map_pin_path`): the version axis builds those too (docs/versions.md).

use std::{env, fs, path::Path};

fn main() {
    let dir = env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR");
    let lock = Path::new(&dir).join("Cargo.lock");
    println!("cargo:rerun-if-changed={}", lock.display());
    let text = fs::read_to_string(&lock).expect("Cargo.lock is committed next to Cargo.toml");
    let version = locked_version(&text, "aya").expect("Cargo.lock has a package named aya");
    println!("cargo:rustc-env=AYA_VERSION={version}");
    println!("cargo::rustc-check-cfg=cfg(aya_legacy)");
    let minor = version
        .strip_prefix("0.")
        .and_then(|rest| rest.split('.').next());
    if minor
        .and_then(|m| m.parse::<u32>().ok())
        .is_some_and(|m| m < 14)
    {
        println!("cargo:rustc-cfg=aya_legacy");
    }
}

/// The `version` of the `[[package]]` entry called `name` in a Cargo.lock.
fn locked_version(lock: &str, name: &str) -> Option<String> {
    let wanted = format!("name = \"{name}\"");
    let mut lines = lock.lines();
    while let Some(line) = lines.next() {
        if line.trim() == wanted {
            let next = lines.next()?.trim();
            let version = next.strip_prefix("version = \"")?.strip_suffix('"')?;
            return Some(version.to_owned());
        }
    }
    None
}
