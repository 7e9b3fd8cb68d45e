//! Records the exact libbpf-sys and libbpf-rs versions from Cargo.lock for `hello`.

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
}
