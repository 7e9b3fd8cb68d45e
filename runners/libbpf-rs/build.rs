//! Records the exact libbpf-sys and libbpf-rs versions from Cargo.lock for `hello`, and
//! sets `cfg(libbpf_rs_legacy)` for libbpf-rs before 0.25 (src/compat.rs).

use std::fs;

fn locked_version(lock: &str, name: &str) -> String {
    let marker = format!("name = \"{name}\"\nversion = \"");
    lock.find(&marker)
        .and_then(|at| lock[at + marker.len()..].split('"').next())
        .unwrap_or("unknown")
        .to_string()
}

fn main() {
    println!("cargo:rerun-if-changed=Cargo.lock");
    let lock = fs::read_to_string("Cargo.lock").unwrap_or_default();
    for (env, name) in [
        ("BPFCONFORM_LIBBPF_SYS_VERSION", "libbpf-sys"),
        ("BPFCONFORM_LIBBPF_RS_VERSION", "libbpf-rs"),
    ] {
        println!("cargo:rustc-env={env}={}", locked_version(&lock, name));
    }
    // libbpf-rs before 0.25 (the last that takes libbpf-sys 1.4): src/compat.rs
    println!("cargo::rustc-check-cfg=cfg(libbpf_rs_legacy)");
    let rs = locked_version(&lock, "libbpf-rs");
    let minor = rs.strip_prefix("0.").and_then(|r| r.split('.').next());
    if minor
        .and_then(|m| m.parse::<u32>().ok())
        .is_some_and(|m| m < 25)
    {
        println!("cargo:rustc-cfg=libbpf_rs_legacy");
    }
}
