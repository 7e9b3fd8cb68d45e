//! bpfconform adapter for libbpf-rs (docs/adapter-protocol.md, version 1).
//!
//! libbpf-sys is built from its vendored libbpf, so this adapter reports the *current*
//! libbpf next to the system one the C adapter links. Each `run` opens the whole object
//! with `ObjectBuilder` (pin root, custom target BTF), loads it, test-runs one program
//! with `Program::test_run` and drops the object again. libbpf's messages reach the
//! adapter through `libbpf_rs::set_print`; the verifier log of a failed load is returned
//! in `verifier_log`, everything else goes to stderr. The adapter never judges.//!
//! Parts, as in every adapter: `main` (the request loop), `protocol` (records, libbpf's
//! messages, hello), `run` (one request), `info` (what is read back), `compat` (the
//! libbpf-rs release differences).

use std::io::{self, BufRead, Write};
use std::panic::{self, AssertUnwindSafe};
use std::sync::Mutex;

mod compat;
mod info;
mod protocol;
mod run;

use libbpf_rs::PrintLevel;
use serde_json::Value;

use protocol::{bad_request, capture, hello, print, Capture, Reply, RunRequest, INTERNAL};

/// Where the last panic happened (`file:line:column`), recorded by the panic hook for the
/// reply; the default hook still prints the message to stderr.
static PANIC_SITE: Mutex<Option<String>> = Mutex::new(None);

/// Run one request; a panic (in libbpf-rs or the adapter) is an internal error, never a
/// refusal: the request's object is dropped while unwinding and the next request is served.
fn run_guarded(req: RunRequest) -> Reply {
    let id = req.id.clone();
    panic::catch_unwind(AssertUnwindSafe(|| run::run(req))).unwrap_or_else(|payload| {
        let what = payload
            .downcast_ref::<&str>()
            .map(|s| (*s).to_owned())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "unknown panic".to_owned());
        let site = PANIC_SITE
            .lock()
            .ok()
            .and_then(|mut s| s.take())
            .unwrap_or_else(|| "unknown location".to_owned());
        let msg = format!("internal error: panic: {what} (at {site})");
        Reply::new(id).failed("open", INTERNAL, None, msg)
    })
}

/// One request line in, one reply out; `None` means `bye`.
fn handle(line: &str) -> Option<Value> {
    let value: Value = match serde_json::from_str(line) {
        Ok(v @ Value::Object(_)) => v,
        Ok(_) => return Some(bad_request(Value::Null, "not a JSON object".into())),
        Err(e) => return Some(bad_request(Value::Null, e.to_string())),
    };
    let id = value.get("id").cloned().unwrap_or(Value::Null);
    *capture() = Capture::default();
    match value.get("op").and_then(Value::as_str) {
        Some("bye") => None,
        Some("hello") => Some(hello()),
        Some("run") => Some(match serde_json::from_value::<RunRequest>(value) {
            Ok(req) => serde_json::to_value(run_guarded(req)).unwrap_or(Value::Null),
            Err(e) => bad_request(id, e.to_string()),
        }),
        other => Some(bad_request(id, format!("unknown op {other:?}"))),
    }
}

fn main() {
    libbpf_rs::set_print(Some((PrintLevel::Info, print)));
    let default_hook = panic::take_hook();
    panic::set_hook(Box::new(move |info| {
        if let (Some(at), Ok(mut site)) = (info.location(), PANIC_SITE.lock()) {
            *site = Some(at.to_string());
        }
        default_hook(info);
    }));
    let stdout = io::stdout();
    for line in io::stdin().lock().lines() {
        let Ok(line) = line else { break };
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        let Some(reply) = handle(line) else { break };
        let mut out = stdout.lock();
        if writeln!(out, "{reply}").and_then(|()| out.flush()).is_err() {
            break;
        }
    }
}
