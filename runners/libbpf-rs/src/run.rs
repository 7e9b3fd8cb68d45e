//! run: one `run` request through libbpf-rs's normal API: the whole object opened with
//! `ObjectBuilder` (pin root, custom target BTF), loaded, the listed programs attached, the
//! named iterator read (`Program::attach` + `Iter`), one program test-run with `Program::test_run`, and the object dropped again.

use std::io::Read;
use std::os::fd::{AsFd, AsRawFd};
use std::time::Instant;

use libbpf_rs::{AsRawLibbpf, Iter, ProgramInput};

use crate::compat;
use crate::info;
use crate::protocol::{
    capture, decode_hex, describe, errno_of, Reply, RunRequest, DEFAULT_DATA_IN_LEN, ENOENT,
    INTERNAL,
};

pub(crate) fn run(req: RunRequest) -> Reply {
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
        reply.btf = Some(info::btf_state(has_btf, &capture()));
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

    // docs/adapter-protocol.md "Iterators": the iterator's link (a refusal is a load
    // failure of that program), then an iterator read to its end, before the checked run
    if let Some(name) = req.read_iter.as_deref() {
        let Some(p) = obj.progs_mut().find(|p| p.name() == name) else {
            let msg = format!("iterator program '{name}' not found in {}", req.elf);
            return reply.fail("load", Some(ENOENT), msg);
        };
        let link = match p.attach() {
            Ok(link) => link,
            Err(e) => {
                let warning = capture().first_warning.clone();
                let msg = describe(&format!("attach({name})"), &e, warning.as_deref());
                reply.failed_program = Some(name.to_string());
                return reply.fail("load", errno_of(&e), msg);
            }
        };
        let mut iter = match Iter::new(&link) {
            Ok(iter) => iter,
            Err(e) => {
                let msg = describe(&format!("Iter::new({name})"), &e, None);
                return reply.fail("run", errno_of(&e), msg);
            }
        };
        let mut text = Vec::new();
        if let Err(e) = iter.read_to_end(&mut text) {
            let msg = format!("read of {name}'s iterator: {e}");
            return reply.fail("run", e.raw_os_error(), msg);
        }
        links.push(link);
    }

    // docs/adapter-protocol.md "Extensions": the extension object opened, its program's
    // attach target set to the checked program (the function its section names), loaded,
    // and attached with `Program::attach`; a refusal is a load failure of that program
    let mut _ext_obj = None;
    if let Some(ext) = req.extension.as_ref() {
        let Some(target) = obj.progs().find(|p| p.name() == req.program.as_str()) else {
            let msg = format!(
                "program '{}' to extend not found in {}",
                req.program, req.elf
            );
            return reply.fail("load", Some(ENOENT), msg);
        };
        let target_fd = target.as_fd().as_raw_fd();
        let mut open_ext = match compat::open_file(None, None, &ext.elf) {
            Ok(open) => open,
            Err(e) => {
                let warning = capture().first_warning.clone();
                let msg = describe(&format!("open_file({})", ext.elf), &e, warning.as_deref());
                return reply.fail("load", errno_of(&e), msg);
            }
        };
        let Some(mut p) = open_ext
            .progs_mut()
            .find(|p| p.name() == ext.program.as_str())
        else {
            let msg = format!(
                "extension program '{}' not found in {}",
                ext.program, ext.elf
            );
            return reply.fail("load", Some(ENOENT), msg);
        };
        let func = p
            .section()
            .to_string_lossy()
            .split_once('/')
            .map(|(_, f)| f.to_string());
        let loaded = p
            .set_attach_target(target_fd, func)
            .and_then(|()| open_ext.load());
        let ext_obj = match loaded {
            Ok(ext_obj) => ext_obj,
            Err(e) => {
                let capture = capture();
                reply.verifier_log = capture.verifier_log.clone();
                let msg = describe(
                    &format!("load({})", ext.elf),
                    &e,
                    capture.first_warning.as_deref(),
                );
                reply.failed_program = Some(ext.program.clone());
                return reply.fail("load", errno_of(&e), msg);
            }
        };
        let attached = match ext_obj
            .progs_mut()
            .find(|p| p.name() == ext.program.as_str())
        {
            Some(p) => p.attach(),
            None => Err(libbpf_rs::Error::from_raw_os_error(ENOENT)),
        };
        match attached {
            Ok(link) => links.push(link),
            Err(e) => {
                let warning = capture().first_warning.clone();
                let msg = describe(&format!("attach({})", ext.program), &e, warning.as_deref());
                reply.failed_program = Some(ext.program.clone());
                return reply.fail("load", errno_of(&e), msg);
            }
        }
        _ext_obj = Some(ext_obj);
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
