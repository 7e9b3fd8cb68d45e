//! Turning aya's errors into the protocol's phase, errno, message and verifier log.

use std::{error::Error, io};

use aya::{programs::ProgramError, BtfError, EbpfError};

use crate::protocol::{one_line, ErrorKind, Phase};

/// Verifier logs longer than this keep only their tail (where the verdict is).
const MAX_LOG: usize = 64 * 1024;

/// What a failed aya call tells the harness.
#[derive(Debug)]
pub struct Failure {
    /// The phase that failed.
    pub phase: Phase,
    /// One line: the error and all its sources.
    pub error: String,
    /// The positive errno of the failing syscall, when aya kept it.
    pub errno: Option<i32>,
    /// The kernel verifier log, when the failing call was a program or BTF load.
    pub verifier_log: Option<String>,
    /// A refusal by aya or the kernel, or an internal error of the adapter.
    pub kind: ErrorKind,
    /// The program whose attach was refused (protocol "Attach").
    pub failed_program: Option<String>,
}

impl Failure {
    /// A request the adapter cannot serve (bad field, unsupported skip): never a refusal.
    pub fn bad_request(error: impl Into<String>) -> Self {
        Self {
            phase: Phase::Open,
            error: one_line(&format!("bad request: {}", error.into())),
            errno: None,
            verifier_log: None,
            kind: ErrorKind::Internal,
            failed_program: None,
        }
    }

    /// A request the adapter cannot serve in `phase`: never a refusal.
    pub fn internal(phase: Phase, error: impl Into<String>) -> Self {
        Self {
            phase,
            error: one_line(&error.into()),
            errno: None,
            verifier_log: None,
            kind: ErrorKind::Internal,
            failed_program: None,
        }
    }

    /// A refusal in `phase` with a message and errno, not from an aya error value.
    pub fn refused(phase: Phase, error: impl Into<String>, errno: Option<i32>) -> Self {
        Self {
            phase,
            error: one_line(&error.into()),
            errno,
            verifier_log: None,
            kind: ErrorKind::Refused,
            failed_program: None,
        }
    }

    /// A failure of `EbpfLoader::load_file`: parsing is `open`, the rest `load`.
    pub fn from_ebpf(elf: &str, err: &EbpfError) -> Self {
        let phase = match err {
            EbpfError::FileError { .. } | EbpfError::ParseError(_) => Phase::Open,
            _ => Phase::Load,
        };
        let verifier_log = match err {
            EbpfError::BtfError(btf) => btf_log(btf),
            EbpfError::ProgramError(prog) => program_log(prog),
            _ => None,
        };
        let mut failure = Self::with_chain(phase, "", err, verifier_log);
        if !failure.error.contains(elf) {
            failure.error = format!("{elf}: {}", failure.error);
        }
        failure
    }

    /// A failure to read or parse the target BTF named by `btf_custom_path`.
    pub fn from_target_btf(path: &str, err: &BtfError) -> Self {
        Self::with_chain(Phase::Load, &format!("target BTF {path}: "), err, None)
    }

    /// A failure of one program's `load()`.
    pub fn from_program_load(name: &str, err: &ProgramError) -> Self {
        Self::with_chain(
            Phase::Load,
            &format!("loading program {name}: "),
            err,
            program_log(err),
        )
    }

    /// A refused `attach()` of program `name`: a load failure of that program.
    pub fn from_attach(name: &str, err: &ProgramError) -> Self {
        let mut failure = Self::with_chain(
            Phase::Load,
            &format!("attaching program {name}: "),
            err,
            None,
        );
        failure.failed_program = Some(name.to_owned());
        failure
    }

    /// A failure of a test run (or of finding the program's fd).
    pub fn from_run(name: &str, err: &ProgramError) -> Self {
        Self::with_chain(
            Phase::Run,
            &format!("test-running program {name}: "),
            err,
            None,
        )
    }

    fn with_chain(
        phase: Phase,
        prefix: &str,
        err: &(dyn Error + 'static),
        verifier_log: Option<String>,
    ) -> Self {
        let mut error = one_line(&format!("{prefix}{}", chain(err)));
        if verifier_log.is_some() {
            // aya's message embeds the whole log; it travels in `verifier_log` instead.
            if let Some(cut) = error.find(" Verifier output:") {
                error.truncate(cut);
            }
        }
        Self {
            phase,
            error,
            errno: errno(err),
            verifier_log: verifier_log.map(|log| tail(&log)),
            kind: ErrorKind::Refused,
            failed_program: None,
        }
    }
}

/// "outer: inner: innermost", skipping a source already quoted by its parent.
fn chain(err: &(dyn Error + 'static)) -> String {
    let mut text = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        let part = cause.to_string();
        if !text.contains(&part) {
            text.push_str(": ");
            text.push_str(&part);
        }
        source = cause.source();
    }
    text
}

/// The first OS error code found in the error's source chain.
fn errno(err: &(dyn Error + 'static)) -> Option<i32> {
    let mut current = Some(err);
    while let Some(e) = current {
        if let Some(code) = e
            .downcast_ref::<io::Error>()
            .and_then(io::Error::raw_os_error)
        {
            return Some(code);
        }
        current = e.source();
    }
    None
}

fn program_log(err: &ProgramError) -> Option<String> {
    match err {
        ProgramError::LoadError { verifier_log, .. } => Some(verifier_log.to_string()),
        _ => None,
    }
}

fn btf_log(err: &BtfError) -> Option<String> {
    match err {
        BtfError::LoadError { verifier_log, .. } => Some(verifier_log.to_string()),
        _ => None,
    }
}

/// The last `MAX_LOG` bytes of a log, cut on a character boundary.
fn tail(log: &str) -> String {
    if log.len() <= MAX_LOG {
        return log.to_owned();
    }
    let mut start = log.len() - MAX_LOG;
    while !log.is_char_boundary(start) {
        start += 1;
    }
    format!("[... truncated]\n{}", &log[start..])
}
