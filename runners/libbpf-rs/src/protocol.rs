//! protocol: the JSON Lines side of the adapter (docs/adapter-protocol.md, version 1): the
//! request and reply records, libbpf's messages captured through `set_print` for `error` and
//! `verifier_log`, request field decoding and the hello reply.

use std::collections::BTreeMap;
use std::sync::{Mutex, MutexGuard};

use libbpf_rs::PrintLevel;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::compat;

pub(crate) const ADAPTER_VERSION: &str = env!("CARGO_PKG_VERSION");
/// Exact crate versions, read from Cargo.lock by build.rs.
pub(crate) const LIBBPF_SYS_VERSION: &str = env!("BPFCONFORM_LIBBPF_SYS_VERSION");
pub(crate) const LIBBPF_RS_VERSION: &str = env!("BPFCONFORM_LIBBPF_RS_VERSION");
/// Linux's ENOENT, the errno of a program name the object does not have.
pub(crate) const ENOENT: i32 = 2;
pub(crate) const DEFAULT_DATA_IN_LEN: usize = 64;
/// The verifier log can reach 16 MiB; a reply keeps its last 64 KiB.
pub(crate) const VERIFIER_LOG_CAP: usize = 64 * 1024;
pub(crate) const PROG_LOG_BEGIN: &str = "-- BEGIN PROG LOAD LOG --\n";
pub(crate) const PROG_LOG_END: &str = "-- END PROG LOAD LOG --";

/// What libbpf said during one request.
#[derive(Default)]
pub(crate) struct Capture {
    pub(crate) verifier_log: Option<String>,
    pub(crate) first_warning: Option<String>,
    pub(crate) btf_dropped: Option<String>,
}

/// `set_print` takes a plain `fn`, so the captured messages live here; reset per request.
pub(crate) static CAPTURE: Mutex<Capture> = Mutex::new(Capture {
    verifier_log: None,
    first_warning: None,
    btf_dropped: None,
});

/// The capture, also after a panic poisoned its lock (the next request resets it).
pub(crate) fn capture() -> MutexGuard<'static, Capture> {
    CAPTURE.lock().unwrap_or_else(|e| e.into_inner())
}

/// `error_kind` of a failed reply: libbpf (or the kernel through it) declined the object.
pub(crate) const REFUSED: &str = "refused";
/// `error_kind` of a failed reply that is no refusal: a bad request, a panic.
pub(crate) const INTERNAL: &str = "internal";

pub(crate) fn print(level: PrintLevel, msg: String) {
    let mut capture = capture();
    if let Some(begin) = msg.find(PROG_LOG_BEGIN) {
        let log = &msg[begin + PROG_LOG_BEGIN.len()..];
        let log = &log[..log.find(PROG_LOG_END).unwrap_or(log.len())];
        eprintln!("libbpf: program load log ({} bytes) captured", log.len());
        if capture.verifier_log.is_none() {
            capture.verifier_log = Some(tail(log, VERIFIER_LOG_CAP));
        }
        return;
    }
    eprint!("{msg}");
    if level == PrintLevel::Warn {
        let line = msg.lines().next().unwrap_or("").to_string();
        if msg.contains("BTF is optional, ignoring") {
            capture.btf_dropped = Some(line.clone());
        }
        capture.first_warning.get_or_insert(line);
    }
}

/// The last `cap` bytes of `log` (on a char boundary), marked when cut.
pub(crate) fn tail(log: &str, cap: usize) -> String {
    if log.len() <= cap {
        return log.to_string();
    }
    let mut start = log.len() - cap;
    while !log.is_char_boundary(start) {
        start += 1;
    }
    format!("[... verifier log truncated ...]\n{}", &log[start..])
}

#[derive(Deserialize)]
pub(crate) struct RunRequest {
    #[serde(default)]
    pub(crate) id: Value,
    pub(crate) elf: String,
    pub(crate) program: String,
    #[serde(default)]
    pub(crate) pin_root: Option<String>,
    #[serde(default)]
    pub(crate) btf_custom_path: Option<String>,
    #[serde(default)]
    pub(crate) data_in: Option<String>,
    #[serde(default)]
    pub(crate) ctx_in: Option<String>,
    #[serde(default)]
    pub(crate) repeat: Option<u32>,
    #[serde(default)]
    pub(crate) skip: Option<Vec<String>>,
    /// Load only `program`: every other program's autoload off (set_autoload).
    #[serde(default)]
    pub(crate) autoload_only: bool,
    /// Programs to attach with `Program::attach` after the load (protocol "Attach").
    #[serde(default)]
    pub(crate) attach: Option<Vec<String>>,
    /// A program test-run once after attaching, before `program`.
    #[serde(default)]
    pub(crate) trigger: Option<String>,
    /// An iterator program whose iterator is made (`Program::attach`) and read to its end
    /// (`Iter`) before `program` (protocol "Iterators").
    #[serde(default)]
    pub(crate) read_iter: Option<String>,
    /// An extension (freplace) program of another object, loaded against `program` and
    /// attached before it runs (protocol "Extensions").
    #[serde(default)]
    pub(crate) extension: Option<Extension>,
}

/// The `extension` field: the extension's object and program.
#[derive(Debug, Deserialize)]
pub(crate) struct Extension {
    pub(crate) elf: String,
    pub(crate) program: String,
}

#[derive(Serialize)]
pub(crate) struct Reply {
    pub(crate) id: Value,
    pub(crate) phase: &'static str,
    pub(crate) retval: Option<u32>,
    pub(crate) errno: Option<i32>,
    pub(crate) error: Option<String>,
    pub(crate) verifier_log: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) btf: Option<String>,
    pub(crate) ns: BTreeMap<&'static str, u128>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) error_kind: Option<&'static str>,
    /// The program whose attach was refused (protocol "Attach").
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) failed_program: Option<String>,
}

impl Reply {
    pub(crate) fn new(id: Value) -> Self {
        Reply {
            id,
            phase: "open",
            retval: None,
            errno: None,
            error: None,
            verifier_log: None,
            btf: None,
            ns: BTreeMap::new(),
            error_kind: None,
            failed_program: None,
        }
    }

    /// A refusal: libbpf-rs's open/load/test_run returned an error (or the program is absent).
    pub(crate) fn fail(self, phase: &'static str, errno: Option<i32>, error: String) -> Self {
        self.failed(phase, REFUSED, errno, error)
    }

    /// A failure of `kind` (REFUSED or INTERNAL).
    pub(crate) fn failed(
        mut self,
        phase: &'static str,
        kind: &'static str,
        errno: Option<i32>,
        error: String,
    ) -> Self {
        self.phase = phase;
        self.errno = errno;
        self.error = Some(error.split_whitespace().collect::<Vec<_>>().join(" "));
        self.error_kind = Some(kind);
        self
    }
}

/// libbpf-rs keeps the errno inside an `io::Error`; its text ends in "(os error N)".
pub(crate) fn errno_of(err: &libbpf_rs::Error) -> Option<i32> {
    let text = format!("{err:#}");
    let start = text.rfind("(os error ")? + "(os error ".len();
    text[start..].split(')').next()?.parse().ok()
}

/// "<what>: <error>; <first libbpf warning>".
pub(crate) fn describe(what: &str, err: &libbpf_rs::Error, warning: Option<&str>) -> String {
    match warning {
        Some(w) => format!("{what}: {err:#}; {w}"),
        None => format!("{what}: {err:#}"),
    }
}

pub(crate) fn decode_hex(hex: &str) -> Option<Vec<u8>> {
    if !hex.len().is_multiple_of(2) || !hex.is_ascii() {
        return None;
    }
    (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).ok())
        .collect()
}

pub(crate) fn hello() -> Value {
    let (major, minor) = unsafe {
        // SAFETY: plain getters without arguments.
        (
            libbpf_rs::libbpf_sys::libbpf_major_version(),
            libbpf_rs::libbpf_sys::libbpf_minor_version(),
        )
    };
    // libbpf-sys versions read "1.7.0+v1.7.0": the part after "+v" is the vendored libbpf tag.
    let vendored = LIBBPF_SYS_VERSION
        .split_once("+v")
        .map_or(LIBBPF_SYS_VERSION, |(_, tag)| tag);
    json!({
        "op": "hello",
        "protocol": 1,
        "name": "libbpf-rs",
        "adapter_version": ADAPTER_VERSION,
        "library": "libbpf (vendored by libbpf-sys)",
        "library_version": vendored,
        "library_runtime_version": format!("{major}.{minor}"),
        "libbpf_rs_version": LIBBPF_RS_VERSION,
        "libbpf_sys_version": LIBBPF_SYS_VERSION,
        "supports": compat::SUPPORTS,
    })
}

pub(crate) fn bad_request(id: Value, what: String) -> Value {
    let reply = Reply::new(id).failed("open", INTERNAL, None, format!("bad request: {what}"));
    serde_json::to_value(reply).unwrap_or(Value::Null)
}
