//! bpfconform adapter for libbpf-rs (docs/adapter-protocol.md, version 1).
//!
//! libbpf-sys is built from its vendored libbpf, so this adapter reports the *current*
//! libbpf next to the system one the C adapter links. Each `run` opens the whole object
//! with `ObjectBuilder` (pin root, custom target BTF), loads it, test-runs one program
//! with `Program::test_run` and drops the object again. libbpf's messages reach the
//! adapter through `libbpf_rs::set_print`; the verifier log of a failed load is returned
//! in `verifier_log`, everything else goes to stderr. The adapter never judges.

use std::collections::BTreeMap;
use std::io::{self, BufRead, Write};
use std::panic::{self, AssertUnwindSafe};
use std::sync::{Mutex, MutexGuard};
use std::time::Instant;

mod compat;

use libbpf_rs::{AsRawLibbpf, PrintLevel, ProgramInput};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

const ADAPTER_VERSION: &str = env!("CARGO_PKG_VERSION");
/// Exact crate versions, read from Cargo.lock by build.rs.
const LIBBPF_SYS_VERSION: &str = env!("BPFCONFORM_LIBBPF_SYS_VERSION");
const LIBBPF_RS_VERSION: &str = env!("BPFCONFORM_LIBBPF_RS_VERSION");
/// Linux's ENOENT, the errno of a program name the object does not have.
const ENOENT: i32 = 2;
const DEFAULT_DATA_IN_LEN: usize = 64;
/// The verifier log can reach 16 MiB; a reply keeps its last 64 KiB.
const VERIFIER_LOG_CAP: usize = 64 * 1024;
const PROG_LOG_BEGIN: &str = "-- BEGIN PROG LOAD LOG --\n";
const PROG_LOG_END: &str = "-- END PROG LOAD LOG --";

/// What libbpf said during one request.
#[derive(Default)]
struct Capture {
    verifier_log: Option<String>,
    first_warning: Option<String>,
    btf_dropped: Option<String>,
}

/// `set_print` takes a plain `fn`, so the captured messages live here; reset per request.
static CAPTURE: Mutex<Capture> = Mutex::new(Capture {
    verifier_log: None,
    first_warning: None,
    btf_dropped: None,
});

/// The capture, also after a panic poisoned its lock (the next request resets it).
fn capture() -> MutexGuard<'static, Capture> {
    CAPTURE.lock().unwrap_or_else(|e| e.into_inner())
}

/// Where the last panic happened (`file:line:column`), recorded by the panic hook for the
/// reply; the default hook still prints the message to stderr.
static PANIC_SITE: Mutex<Option<String>> = Mutex::new(None);

/// `error_kind` of a failed reply: libbpf (or the kernel through it) declined the object.
const REFUSED: &str = "refused";
/// `error_kind` of a failed reply that is no refusal: a bad request, a panic.
const INTERNAL: &str = "internal";

fn print(level: PrintLevel, msg: String) {
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
fn tail(log: &str, cap: usize) -> String {
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
struct RunRequest {
    #[serde(default)]
    id: Value,
    elf: String,
    program: String,
    #[serde(default)]
    pin_root: Option<String>,
    #[serde(default)]
    btf_custom_path: Option<String>,
    #[serde(default)]
    data_in: Option<String>,
    #[serde(default)]
    ctx_in: Option<String>,
    #[serde(default)]
    repeat: Option<u32>,
    #[serde(default)]
    skip: Option<Vec<String>>,
    /// Load only `program`: every other program's autoload off (set_autoload).
    #[serde(default)]
    autoload_only: bool,
    /// Programs to attach with `Program::attach` after the load (protocol "Attach").
    #[serde(default)]
    attach: Option<Vec<String>>,
    /// A program test-run once after attaching, before `program`.
    #[serde(default)]
    trigger: Option<String>,
}

#[derive(Serialize)]
struct Reply {
    id: Value,
    phase: &'static str,
    retval: Option<u32>,
    errno: Option<i32>,
    error: Option<String>,
    verifier_log: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    btf: Option<String>,
    ns: BTreeMap<&'static str, u128>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error_kind: Option<&'static str>,
    /// The program whose attach was refused (protocol "Attach").
    #[serde(skip_serializing_if = "Option::is_none")]
    failed_program: Option<String>,
}

impl Reply {
    fn new(id: Value) -> Self {
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
    fn fail(self, phase: &'static str, errno: Option<i32>, error: String) -> Self {
        self.failed(phase, REFUSED, errno, error)
    }

    /// A failure of `kind` (REFUSED or INTERNAL).
    fn failed(
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
fn errno_of(err: &libbpf_rs::Error) -> Option<i32> {
    let text = format!("{err:#}");
    let start = text.rfind("(os error ")? + "(os error ".len();
    text[start..].split(')').next()?.parse().ok()
}

/// "<what>: <error>; <first libbpf warning>".
fn describe(what: &str, err: &libbpf_rs::Error, warning: Option<&str>) -> String {
    match warning {
        Some(w) => format!("{what}: {err:#}; {w}"),
        None => format!("{what}: {err:#}"),
    }
}

fn decode_hex(hex: &str) -> Option<Vec<u8>> {
    if !hex.len().is_multiple_of(2) || !hex.is_ascii() {
        return None;
    }
    (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).ok())
        .collect()
}

fn run(req: RunRequest) -> Reply {
    let mut reply = Reply::new(req.id.clone());
    if req.skip.as_ref().is_some_and(|s| !s.is_empty()) {
        let msg = "bad request: skip not supported".into();
        return reply.failed("open", INTERNAL, None, msg);
    }
    let data = match req.data_in.as_deref() {
        None => vec![0u8; DEFAULT_DATA_IN_LEN],
        Some(hex) => match decode_hex(hex) {
            Some(data) => data,
            None => {
                let msg = "bad request: 'data_in' is not an even-length hex string";
                return reply.failed("open", INTERNAL, None, msg.into());
            }
        },
    };
    let mut ctx = match req.ctx_in.as_deref().map(decode_hex) {
        None => None,
        Some(Some(ctx)) => Some(ctx),
        Some(None) => {
            let msg = "bad request: 'ctx_in' is not an even-length hex string";
            return reply.failed("open", INTERNAL, None, msg.into());
        }
    };

    let start = Instant::now();
    let open = compat::open_file(
        req.pin_root.as_deref(),
        req.btf_custom_path.as_deref(),
        &req.elf,
    );
    reply.ns.insert("open", start.elapsed().as_nanos());
    let mut open = match open {
        Ok(obj) => obj,
        Err(e) => {
            let warning = capture().first_warning.clone();
            let msg = describe(&format!("open_file({})", req.elf), &e, warning.as_deref());
            return reply.fail("open", errno_of(&e), msg);
        }
    };
    let has_btf = unsafe {
        // SAFETY: the pointer is the live bpf_object owned by `open`.
        !libbpf_rs::libbpf_sys::bpf_object__btf(open.as_libbpf_object().as_ptr()).is_null()
    };

    let start = Instant::now();
    if req.autoload_only {
        if !open.progs().any(|p| p.name() == req.program.as_str()) {
            reply.ns.insert("load", start.elapsed().as_nanos());
            let msg = format!("program '{}' not found in object {}", req.program, req.elf);
            return reply.fail("load", Some(ENOENT), msg);
        }
        for mut p in open.progs_mut() {
            let keep = p.name() == req.program.as_str();
            p.set_autoload(keep);
        }
    }
    let loaded = open.load();
    reply.ns.insert("load", start.elapsed().as_nanos());
    {
        let capture = capture();
        reply.btf = Some(match (&capture.btf_dropped, has_btf) {
            (_, false) => "none".into(),
            (Some(why), true) => format!("dropped: {why}"),
            (None, true) => "loaded".into(),
        });
    }
    let obj = match loaded {
        Ok(obj) => obj,
        Err(e) => {
            let capture = capture();
            reply.verifier_log = capture.verifier_log.clone();
            // libbpf's warning about an unreadable btf_custom_path does not name it
            let what = match &req.btf_custom_path {
                Some(btf) => format!("load({}, btf_custom_path {btf})", req.elf),
                None => format!("load({})", req.elf),
            };
            let msg = describe(&what, &e, capture.first_warning.as_deref());
            return reply.fail("load", errno_of(&e), msg);
        }
    };

    // docs/adapter-protocol.md "Attach": the library's attach call for each listed program
    // (a refusal is a load failure of that program); the links live until the request ends
    let mut links = Vec::new();
    for name in req.attach.as_deref().unwrap_or_default() {
        let Some(p) = obj.progs_mut().find(|p| p.name() == name.as_str()) else {
            let msg = format!("program '{name}' to attach not found in {}", req.elf);
            return reply.fail("load", Some(ENOENT), msg);
        };
        match p.attach() {
            Ok(link) => links.push(link),
            Err(e) => {
                let warning = capture().first_warning.clone();
                let msg = describe(&format!("attach({name})"), &e, warning.as_deref());
                reply.failed_program = Some(name.clone());
                return reply.fail("load", errno_of(&e), msg);
            }
        }
    }
    let repeat = req.repeat.unwrap_or(1);
    if repeat > 1 && !compat::SUPPORTS.contains(&"repeat") {
        let msg = format!("bad request: repeat {repeat} not supported by this libbpf-rs");
        return reply.failed("run", INTERNAL, None, msg);
    }
    if let Some(trigger) = req.trigger.as_deref() {
        let Some(t) = obj.progs_mut().find(|p| p.name() == trigger) else {
            let msg = format!("trigger program '{trigger}' not found in {}", req.elf);
            return reply.fail("run", Some(ENOENT), msg);
        };
        let input = ProgramInput {
            data_in: if data.is_empty() { None } else { Some(&data) },
            context_in: ctx.as_deref_mut().filter(|c| !c.is_empty()),
            ..Default::default()
        };
        if let Err(e) = t.test_run(compat::with_repeat(input, repeat)) {
            let msg = describe(&format!("test_run(trigger {trigger})"), &e, None);
            return reply.fail("run", errno_of(&e), msg);
        }
    }

    let start = Instant::now();
    let Some(prog) = obj.progs_mut().find(|p| p.name() == req.program.as_str()) else {
        reply.ns.insert("run", start.elapsed().as_nanos());
        let msg = format!("program '{}' not found in object {}", req.program, req.elf);
        return reply.fail("run", Some(ENOENT), msg);
    };
    let input = ProgramInput {
        // empty: no data at all (protocol "No data"), NULL rather than a dangling pointer
        data_in: if data.is_empty() { None } else { Some(&data) },
        // ctx_in (sk_lookup's struct bpf_sk_lookup): the kernel may write it back
        context_in: ctx.as_deref_mut().filter(|c| !c.is_empty()),
        ..Default::default()
    };
    let input = compat::with_repeat(input, repeat);
    let result = prog.test_run(input);
    reply.ns.insert("run", start.elapsed().as_nanos());
    drop(links);
    match result {
        Ok(out) => {
            reply.phase = "done";
            reply.retval = Some(out.return_value);
            reply
        }
        Err(e) => {
            let msg = describe(&format!("test_run({})", req.program), &e, None);
            reply.fail("run", errno_of(&e), msg)
        }
    }
}

fn hello() -> Value {
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

fn bad_request(id: Value, what: String) -> Value {
    let reply = Reply::new(id).failed("open", INTERNAL, None, format!("bad request: {what}"));
    serde_json::to_value(reply).unwrap_or(Value::Null)
}

/// Run one request; a panic (in libbpf-rs or the adapter) is an internal error, never a
/// refusal: the request's object is dropped while unwinding and the next request is served.
fn run_guarded(req: RunRequest) -> Reply {
    let id = req.id.clone();
    panic::catch_unwind(AssertUnwindSafe(|| run(req))).unwrap_or_else(|payload| {
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
