//! Records of the adapter protocol v1 (docs/adapter-protocol.md) and their JSON forms.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::info::Info;

/// Request fields this adapter honours (reported in `hello`).
pub const SUPPORTS: &[&str] = &[
    "pin_root",
    "btf_custom_path",
    "data_in",
    "repeat",
    "info",
    "no_data",
    "ctx_in",
    "autoload_only",
    "attach",
    // aya before 0.14 has no `Iter` program type
    #[cfg(not(aya_legacy))]
    "read_iter",
    #[cfg(not(aya_legacy))]
    "extension",
];

/// One `run` request: load the whole object, test-run one program.
#[derive(Debug, Deserialize)]
pub struct RunRequest {
    /// Echoed in the reply.
    pub id: i64,
    /// Absolute path of the ELF object.
    pub elf: String,
    /// The program (ELF symbol name) to test-run.
    pub program: String,
    /// bpffs directory for maps pinned by name.
    #[serde(default)]
    pub pin_root: Option<String>,
    /// Target BTF for CO-RE instead of /sys/kernel/btf/vmlinux.
    #[serde(default)]
    pub btf_custom_path: Option<String>,
    /// Hex bytes handed to BPF_PROG_TEST_RUN as data_in.
    #[serde(default)]
    pub data_in: Option<String>,
    /// Hex bytes handed to BPF_PROG_TEST_RUN as ctx_in (sk_lookup's struct bpf_sk_lookup).
    #[serde(default)]
    pub ctx_in: Option<String>,
    /// BPF_PROG_TEST_RUN repeat count.
    #[serde(default = "one")]
    pub repeat: u32,
    /// Behaviours to skip: only the reference loader supports this.
    #[serde(default)]
    pub skip: Vec<String>,
    /// Whether the reply should carry the kernel's view of the program and maps.
    #[serde(default)]
    pub info: bool,
    /// Load only `program` (the object's other programs are not loaded).
    #[serde(default)]
    pub autoload_only: bool,
    /// Programs to attach after the load, with aya's attach call (protocol "Attach").
    #[serde(default)]
    pub attach: Vec<String>,
    /// A program test-run once after attaching, before `program`.
    #[serde(default)]
    pub trigger: Option<String>,
    /// An iterator program whose iterator is made and read to its end before `program`
    /// (protocol "Iterators").
    #[serde(default)]
    pub read_iter: Option<String>,
    /// An extension (freplace) program of another object, loaded against `program` and
    /// attached before it runs (protocol "Extensions").
    #[serde(default)]
    pub extension: Option<ExtensionRequest>,
}

/// The `extension` field: the extension's object and program.
#[derive(Debug, Deserialize)]
#[cfg_attr(aya_legacy, allow(dead_code))] // no `Extension::load(ProgramFd, ..)` before 0.14
pub struct ExtensionRequest {
    /// The extension's object file.
    pub elf: String,
    /// Its program.
    pub program: String,
}

const fn one() -> u32 {
    1
}

/// The phase that failed, or `Done`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Phase {
    /// Parsing the object.
    Open,
    /// Creating maps, loading programs.
    Load,
    /// Finding the program, BPF_PROG_TEST_RUN.
    Run,
    /// The program ran; `retval` is set.
    Done,
}

/// Why a reply failed: the library's verdict on the object, or a breakage.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ErrorKind {
    /// aya (or the kernel through it) returned an error: it declined the object.
    Refused,
    /// Not a refusal: a bad request, an unsupported field, a panic.
    Internal,
}

/// The reply to a `run` request (or to a request that could not be parsed).
#[derive(Debug, Serialize)]
pub struct RunReply {
    /// The request's id, or null when it could not be read.
    pub id: Option<i64>,
    /// See [`Phase`].
    pub phase: Phase,
    /// The program's return value when `phase` is `done`.
    pub retval: Option<u32>,
    /// The positive errno of the failing call, when known.
    pub errno: Option<i32>,
    /// One line describing the failure.
    pub error: Option<String>,
    /// The kernel verifier log when a load failed.
    pub verifier_log: Option<String>,
    /// `dropped: <reason>` when aya went on without the object's BTF.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub btf: Option<String>,
    /// Wall time of each phase that ran, in nanoseconds.
    pub ns: BTreeMap<&'static str, u64>,
    /// `BPF_OBJ_GET_INFO_BY_FD` of the program and maps, when requested and loaded.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub info: Option<Info>,
    /// Set on every failure (`phase` other than `done`), absent when done.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_kind: Option<ErrorKind>,
    /// The program whose attach was refused (protocol "Attach").
    #[serde(skip_serializing_if = "Option::is_none")]
    pub failed_program: Option<String>,
}

impl RunReply {
    /// A failure of `kind` in `phase` with a one-line message.
    pub fn failure(
        id: Option<i64>,
        phase: Phase,
        kind: ErrorKind,
        error: impl Into<String>,
    ) -> Self {
        Self {
            id,
            phase,
            retval: None,
            errno: None,
            error: Some(one_line(&error.into())),
            verifier_log: None,
            btf: None,
            ns: BTreeMap::new(),
            info: None,
            error_kind: Some(kind),
            failed_program: None,
        }
    }
}

/// The reply to `{"op": "hello"}`.
#[derive(Debug, Serialize)]
pub struct Hello {
    /// Always "hello".
    pub op: &'static str,
    /// Protocol version.
    pub protocol: u32,
    /// Adapter name used by `--adapter`.
    pub name: &'static str,
    /// This adapter's version.
    pub adapter_version: &'static str,
    /// The loader library.
    pub library: &'static str,
    /// The loader library's version, as resolved in Cargo.lock.
    pub library_version: &'static str,
    /// Request fields honoured.
    pub supports: &'static [&'static str],
}

impl Hello {
    /// The hello reply of this adapter.
    pub const fn new() -> Self {
        Self {
            op: "hello",
            protocol: 1,
            name: "aya",
            adapter_version: env!("CARGO_PKG_VERSION"),
            library: "aya",
            library_version: env!("AYA_VERSION"),
            supports: SUPPORTS,
        }
    }
}

/// Collapse whitespace runs (newlines included) so a message fits on one line.
pub fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Decode a hex string (no separators) into bytes.
pub fn decode_hex(hex: &str) -> Result<Vec<u8>, String> {
    if !hex.len().is_multiple_of(2) {
        return Err(format!(
            "data_in has an odd number of hex digits ({})",
            hex.len()
        ));
    }
    (0..hex.len())
        .step_by(2)
        .map(|i| {
            hex.get(i..i + 2)
                .and_then(|pair| u8::from_str_radix(pair, 16).ok())
                .ok_or_else(|| format!("data_in is not hex at offset {i}"))
        })
        .collect()
}
