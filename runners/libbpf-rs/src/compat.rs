//! The two calls whose libbpf-rs API differs in the release the version axis builds for older
//! libbpf-sys (libbpf-rs 0.24, `cfg(libbpf_rs_legacy)` set by build.rs; docs/versions.md).

use libbpf_rs::{ObjectBuilder, OpenObject, ProgramInput};

/// `ObjectBuilder` with the pin root and custom target BTF, then `open_file` (libbpf-rs 0.25+).
#[cfg(not(libbpf_rs_legacy))]
pub fn open_file(
    pin_root: Option<&str>,
    btf_custom_path: Option<&str>,
    elf: &str,
) -> libbpf_rs::Result<OpenObject> {
    let mut builder = ObjectBuilder::default();
    let mut opened = Ok(&mut builder);
    if let Some(root) = pin_root {
        opened = opened.and_then(|b| b.pin_root_path(root));
    }
    if let Some(btf) = btf_custom_path {
        opened = opened.and_then(|b| b.btf_custom_path(btf));
    }
    opened.and_then(|b| b.open_file(elf))
}

/// libbpf-rs 0.24's `ObjectBuilder` has no `btf_custom_path`: with one, the object is opened
/// as its users must, by `bpf_object__open_file` with their own `bpf_object_open_opts`.
#[cfg(libbpf_rs_legacy)]
pub fn open_file(
    pin_root: Option<&str>,
    btf_custom_path: Option<&str>,
    elf: &str,
) -> libbpf_rs::Result<OpenObject> {
    use std::{ffi::CString, ptr};
    let Some(btf) = btf_custom_path else {
        let mut builder = ObjectBuilder::default();
        if let Some(root) = pin_root {
            builder.pin_root_path(root)?;
        }
        return builder.open_file(elf);
    };
    let c = |s: &str| CString::new(s).map_err(|_| libbpf_rs::Error::from_raw_os_error(22));
    let (path, btf, pin) = (c(elf)?, c(btf)?, pin_root.map(c).transpose()?);
    let opts = libbpf_rs::libbpf_sys::bpf_object_open_opts {
        sz: std::mem::size_of::<libbpf_rs::libbpf_sys::bpf_object_open_opts>() as _,
        btf_custom_path: btf.as_ptr(),
        pin_root_path: pin.as_ref().map_or(ptr::null(), |p| p.as_ptr()),
        ..Default::default()
    };
    // SAFETY: every string and `opts` outlive the call; libbpf copies what it keeps.
    let obj = unsafe { libbpf_rs::libbpf_sys::bpf_object__open_file(path.as_ptr(), &opts) };
    match ptr::NonNull::new(obj) {
        // SAFETY: a non-NULL object just opened, owned by the `OpenObject` from here on.
        Some(obj) => Ok(unsafe { OpenObject::from_ptr(obj) }),
        None => Err(libbpf_rs::Error::from_raw_os_error(
            std::io::Error::last_os_error().raw_os_error().unwrap_or(22),
        )),
    }
}

/// `input` with `repeat` set (libbpf-rs 0.25+).
#[cfg(not(libbpf_rs_legacy))]
pub fn with_repeat(input: ProgramInput<'_>, repeat: u32) -> ProgramInput<'_> {
    ProgramInput { repeat, ..input }
}

/// libbpf-rs 0.24's `ProgramInput` has no `repeat`: one run (hello does not list `repeat`).
#[cfg(libbpf_rs_legacy)]
pub fn with_repeat(input: ProgramInput<'_>, _repeat: u32) -> ProgramInput<'_> {
    input
}

/// The request fields this build supports (hello's `supports`).
pub const SUPPORTS: &[&str] = &[
    "pin_root",
    "btf_custom_path",
    "data_in",
    #[cfg(not(libbpf_rs_legacy))]
    "repeat",
    "no_data",
    "ctx_in",
    "autoload_only",
    "attach",
    "read_iter",
    "extension",
];
