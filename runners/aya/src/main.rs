//! bpfconform adapter for aya: JSON Lines requests on stdin, one reply line per request on
//! stdout, diagnostics on stderr (docs/adapter-protocol.md, protocol v1).

mod errors;
mod info;
mod logger;
mod protocol;
mod run;
mod sections;
mod test_run;

use std::{
    io::{self, BufRead, Write},
    panic::{self, AssertUnwindSafe},
    sync::Mutex,
};

use serde_json::Value;

use crate::{
    protocol::{ErrorKind, Hello, Phase, RunReply, RunRequest},
    run::Runner,
};

/// Where the last panic happened (`file:line:column`), recorded by the panic hook for the
/// reply; the default hook still prints the message to stderr.
static PANIC_SITE: Mutex<Option<String>> = Mutex::new(None);

fn main() -> io::Result<()> {
    logger::LOGGER.install();
    let default_hook = panic::take_hook();
    panic::set_hook(Box::new(move |info| {
        if let (Some(at), Ok(mut site)) = (info.location(), PANIC_SITE.lock()) {
            *site = Some(at.to_string());
        }
        default_hook(info);
    }));
    let stdin = io::stdin();
    let mut input = stdin.lock();
    let mut stdout = io::stdout().lock();
    let mut runner = Runner::default();
    let mut raw = Vec::new();
    loop {
        raw.clear();
        if input.read_until(b'\n', &mut raw)? == 0 {
            return Ok(()); // EOF means bye
        }
        let line = String::from_utf8_lossy(&raw);
        if line.trim().is_empty() {
            continue;
        }
        let reply = match handle(&mut runner, &line) {
            Some(reply) => reply,
            None => return Ok(()), // bye
        };
        stdout.write_all(reply.as_bytes())?;
        stdout.write_all(b"\n")?;
        stdout.flush()?;
    }
}

/// The reply line for one request line, or None for `bye`.
fn handle(runner: &mut Runner, line: &str) -> Option<String> {
    let value: Value = match serde_json::from_str(line) {
        Ok(value) => value,
        Err(e) => return Some(bad_request(None, &format!("not JSON: {e}"))),
    };
    let id = value.get("id").and_then(Value::as_i64);
    let Some(op) = value
        .as_object()
        .and_then(|o| o.get("op"))
        .and_then(Value::as_str)
    else {
        return Some(bad_request(id, "not a JSON object with a string \"op\""));
    };
    match op {
        "hello" => Some(to_line(&Hello::new())),
        "bye" => None,
        "run" => Some(match serde_json::from_value::<RunRequest>(value) {
            Ok(req) => to_line(&run_guarded(runner, &req)),
            Err(e) => bad_request(id, &e.to_string()),
        }),
        other => Some(bad_request(id, &format!("unknown op {other:?}"))),
    }
}

/// Run one request; a panic (in aya or the adapter) becomes an internal error of the phase it
/// happened in, never a refusal; the request's kernel objects are dropped while unwinding.
fn run_guarded(runner: &mut Runner, req: &RunRequest) -> RunReply {
    match panic::catch_unwind(AssertUnwindSafe(|| runner.run(req))) {
        Ok(reply) => reply,
        Err(payload) => {
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
            RunReply::failure(
                Some(req.id),
                runner.current_phase(),
                ErrorKind::Internal,
                format!("internal error: panic: {what} (at {site})"),
            )
        }
    }
}

fn bad_request(id: Option<i64>, why: &str) -> String {
    to_line(&RunReply::failure(
        id,
        Phase::Open,
        ErrorKind::Internal,
        format!("bad request: {why}"),
    ))
}

fn to_line<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_string(value).unwrap_or_else(|e| {
        format!("{{\"id\":null,\"phase\":\"open\",\"error_kind\":\"internal\",\"error\":\"cannot encode reply: {e}\"}}")
    })
}
