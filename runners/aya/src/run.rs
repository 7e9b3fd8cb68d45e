//! One `run` request: `EbpfLoader::load_file`, `load()` of every program, one test run.

use std::{fs, os::fd::AsFd, path::Path, time::Instant};

use aya::{
    maps::{Map, MapData},
    programs::{Program, ProgramError},
    sys::SyscallError,
    Btf, Ebpf, EbpfLoader,
};
#[cfg(not(aya_legacy))]
use aya::{RawTracePointRunOptions, TestRun, TestRunOptions};

use crate::{
    errors::Failure,
    info::{self, Info},
    logger::LOGGER,
    protocol::{decode_hex, ErrorKind, Phase, RunReply, RunRequest},
    sections, test_run,
};

/// Runs requests; keeps only the parsed kernel BTF between them (no fd, no kernel object).
#[derive(Default)]
pub struct Runner {
    /// /sys/kernel/btf/vmlinux, parsed on first use and shared by later loaders, as aya's
    /// documentation suggests for programs that load several objects.
    vmlinux: Option<Btf>,
    /// The phase in progress, read by the caller if aya panics.
    current: Option<Phase>,
}

impl Runner {
    /// The phase that was in progress (for reporting a panic inside aya).
    pub fn current_phase(&self) -> Phase {
        self.current.unwrap_or(Phase::Open)
    }

    /// Handle one request. Every kernel object it creates is closed before it returns.
    pub fn run(&mut self, req: &RunRequest) -> RunReply {
        let _stale = LOGGER.take_dropped_btf();
        let mut reply = RunReply::failure(Some(req.id), Phase::Open, ErrorKind::Internal, "");
        match self.run_phases(req, &mut reply) {
            Ok(retval) => {
                reply.phase = Phase::Done;
                reply.retval = Some(retval);
                reply.error = None;
                reply.error_kind = None;
            }
            Err(failure) => {
                reply.phase = failure.phase;
                reply.error = Some(failure.error);
                reply.errno = failure.errno;
                reply.verifier_log = failure.verifier_log;
                reply.error_kind = Some(failure.kind);
                reply.failed_program = failure.failed_program;
            }
        }
        reply.btf = match LOGGER.take_dropped_btf() {
            Some(warning) => Some(format!("dropped: {warning}")),
            None => sections::has_btf(Path::new(&req.elf))
                .map(|has| if has { "loaded" } else { "none" }.to_owned()),
        };
        reply
    }

    fn run_phases(&mut self, req: &RunRequest, reply: &mut RunReply) -> Result<u32, Failure> {
        self.current = Some(Phase::Open);
        if !req.skip.is_empty() {
            return Err(Failure::bad_request(format!(
                "the aya adapter cannot skip behaviours (skip = {:?})",
                req.skip
            )));
        }
        let data_in =
            decode_hex(req.data_in.as_deref().unwrap_or("")).map_err(Failure::bad_request)?;
        let ctx_in = decode_hex(req.ctx_in.as_deref().unwrap_or(""))
            .map_err(|e| Failure::bad_request(format!("ctx_in: {e}")))?;

        // open: target BTF, then EbpfLoader::load_file (aya parses, relocates and creates
        // the maps in this one call).
        let start = Instant::now();
        let custom;
        let target: Option<&Btf> = match req.btf_custom_path.as_deref() {
            Some(path) => {
                // Target BTF serves CO-RE relocation, a load step (as in libbpf).
                custom = sections::target_btf(Path::new(path))
                    .map_err(|e| Failure::from_target_btf(path, &e))?;
                Some(&custom)
            }
            None => kernel_btf(&mut self.vmlinux),
        };
        let mut loader = EbpfLoader::new();
        if let Some(dir) = req.pin_root.as_deref().filter(|d| !d.is_empty()) {
            #[cfg(not(aya_legacy))]
            loader.default_map_pin_directory(dir);
            #[cfg(aya_legacy)]
            loader.map_pin_path(dir);
        }
        if let Some(btf) = target {
            #[cfg(not(aya_legacy))]
            loader.btf(btf);
            #[cfg(aya_legacy)]
            loader.btf(Some(btf));
        }
        let opened = loader.load_file(&req.elf);
        reply.ns.insert("open", elapsed_ns(start));
        let mut ebpf = opened.map_err(|e| Failure::from_ebpf(&req.elf, &e))?;

        // load: every program, the way an aya user does.
        self.current = Some(Phase::Load);
        let start = Instant::now();
        let only = req.autoload_only.then_some(req.program.as_str());
        if only.is_some() && ebpf.program(&req.program).is_none() {
            return Err(Failure::refused(
                Phase::Load,
                format!(
                    "{}: no program named {} in the object",
                    req.elf, req.program
                ),
                Some(libc::ENOENT),
            ));
        }
        let loaded = load_all(&mut ebpf, target, Path::new(&req.elf), only);
        reply.ns.insert("load", elapsed_ns(start));
        loaded?;

        // docs/adapter-protocol.md "Attach": aya's attach() of each listed program (a refusal
        // is a load failure of that program; the link belongs to the program, so it lives
        // until `ebpf` is dropped), then one test run of the trigger
        attach_all(&mut ebpf, &req.elf, &req.attach)?;
        if let Some(trigger) = req.trigger.as_deref() {
            self.current = Some(Phase::Run);
            run_one(&ebpf, &req.elf, trigger, &data_in, &ctx_in, req.repeat)?;
        }
        // docs/adapter-protocol.md "Iterators": `Iter::attach` (a refusal is a load failure
        // of that program), then its link's file read to its end
        if let Some(name) = req.read_iter.as_deref() {
            self.current = Some(Phase::Load);
            read_iter(&mut ebpf, &req.elf, name)?;
        }
        // docs/adapter-protocol.md "Extensions": the extension object loaded, its
        // `Extension::load` against the checked program, `attach()`; it lives (and the
        // link with it) until the run is done
        let _extension = match req.extension.as_ref() {
            Some(ext) => {
                self.current = Some(Phase::Load);
                Some(load_extension(&ebpf, target, req, ext)?)
            }
            None => None,
        };

        if req.info {
            // After load, before the test run; not part of any timed phase.
            reply.info = collect_info(&ebpf, &req.program);
        }

        // run
        self.current = Some(Phase::Run);
        let start = Instant::now();
        let ran = run_one(&ebpf, &req.elf, &req.program, &data_in, &ctx_in, req.repeat);
        reply.ns.insert("run", elapsed_ns(start));
        ran
        // `ebpf` (maps, programs, BTF fd) is dropped here: every fd is closed.
    }
}

/// The parsed kernel BTF, parsed on first use.
fn kernel_btf(cache: &mut Option<Btf>) -> Option<&Btf> {
    if cache.is_none() {
        match Btf::from_sys_fs() {
            Ok(btf) => *cache = Some(btf),
            Err(e) => eprintln!("[bpfconform-aya] no kernel BTF, aya will try itself: {e}"),
        }
    }
    cache.as_ref()
}

fn elapsed_ns(start: Instant) -> u64 {
    u64::try_from(start.elapsed().as_nanos()).unwrap_or(u64::MAX)
}

/// `load()` every program of the object (or only the program `only`: the request's
/// `autoload_only`), matching each `Program` variant.
fn load_all(
    ebpf: &mut Ebpf,
    btf: Option<&Btf>,
    elf: &Path,
    only: Option<&str>,
) -> Result<(), Failure> {
    let mut image: Option<Vec<u8>> = None;
    for (name, program) in ebpf.programs_mut() {
        if only.is_some_and(|o| o != name) {
            continue;
        }
        let mut target = || attach_target(&mut image, elf, name, btf);
        let result = match program {
            Program::KProbe(p) => p.load(),
            Program::UProbe(p) => p.load(),
            Program::TracePoint(p) => p.load(),
            Program::SocketFilter(p) => p.load(),
            #[cfg(not(aya_legacy))]
            Program::ReusePortSocketFilter(p) => p.load(),
            Program::Xdp(p) => p.load(),
            Program::SkMsg(p) => p.load(),
            Program::SkSkb(p) => p.load(),
            Program::CgroupSockAddr(p) => p.load(),
            Program::SockOps(p) => p.load(),
            Program::SchedClassifier(p) => p.load(),
            Program::CgroupSkb(p) => p.load(),
            Program::CgroupSysctl(p) => p.load(),
            Program::CgroupSockopt(p) => p.load(),
            Program::LircMode2(p) => p.load(),
            Program::PerfEvent(p) => p.load(),
            Program::RawTracePoint(p) => p.load(),
            #[cfg(not(aya_legacy))]
            Program::FlowDissector(p) => p.load(),
            Program::SkLookup(p) => p.load(),
            #[cfg(not(aya_legacy))]
            Program::SkReuseport(p) => p.load(),
            Program::CgroupSock(p) => p.load(),
            Program::CgroupDevice(p) => p.load(),
            Program::Lsm(p) => target().and_then(|(t, btf)| p.load(&t, btf)),
            #[cfg(not(aya_legacy))]
            Program::LsmCgroup(p) => target().and_then(|(t, btf)| p.load(&t, btf)),
            Program::BtfTracePoint(p) => target().and_then(|(t, btf)| p.load(&t, btf)),
            Program::FEntry(p) => target().and_then(|(t, btf)| p.load(&t, btf)),
            Program::FExit(p) => target().and_then(|(t, btf)| p.load(&t, btf)),
            #[cfg(not(aya_legacy))]
            Program::Iter(p) => target().and_then(|(t, btf)| p.load(&t, btf)),
            Program::Extension(_) => {
                // freplace needs a target program an aya user opens first; there is none.
                eprintln!("[bpfconform-aya] not loading extension program {name}: no target");
                continue;
            }
        };
        result.map_err(|e| Failure::from_program_load(name, &e))?;
    }
    Ok(())
}

/// `attach()` each program in `names` with the call of its aya program type (the target was
/// resolved by its `load(target, btf)` in `load_all`).
fn attach_all(ebpf: &mut Ebpf, elf: &str, names: &[String]) -> Result<(), Failure> {
    for name in names {
        let program = ebpf.program_mut(name).ok_or_else(|| {
            Failure::refused(
                Phase::Load,
                format!("{elf}: no program named {name} to attach in the object"),
                Some(libc::ENOENT),
            )
        })?;
        let attached = match program {
            Program::FEntry(p) => p.attach().map(drop),
            Program::FExit(p) => p.attach().map(drop),
            Program::BtfTracePoint(p) => p.attach().map(drop),
            Program::Lsm(p) => p.attach().map(drop),
            other => {
                return Err(Failure::internal(
                    Phase::Load,
                    format!(
                        "the aya adapter attaches fentry, fexit, tp_btf and lsm programs only, \
                         not {name} ({:?})",
                        other.prog_type()
                    ),
                ))
            }
        };
        attached.map_err(|e| Failure::from_attach(name, &e))?;
    }
    Ok(())
}

/// Make the iterator of program `name` (`Iter::attach`, `Iter::take_link`) and read its
/// `IterLink::into_file` to the end.
#[cfg(not(aya_legacy))]
fn read_iter(ebpf: &mut Ebpf, elf: &str, name: &str) -> Result<(), Failure> {
    use std::io::Read;
    let program = ebpf.program_mut(name).ok_or_else(|| {
        Failure::refused(
            Phase::Load,
            format!("{elf}: no iterator program named {name} in the object"),
            Some(libc::ENOENT),
        )
    })?;
    let Program::Iter(p) = program else {
        return Err(Failure::internal(
            Phase::Load,
            format!(
                "{name} is not an iterator program ({:?})",
                program.prog_type()
            ),
        ));
    };
    let link = p
        .attach()
        .and_then(|id| p.take_link(id))
        .map_err(|e| Failure::from_attach(name, &e))?;
    let mut file = link.into_file().map_err(|e| {
        Failure::refused(
            Phase::Run,
            format!("opening {name}'s iterator: {e}"),
            match &e {
                aya::programs::links::LinkError::SyscallError(s) => s.io_error.raw_os_error(),
                _ => None,
            },
        )
    })?;
    let mut text = Vec::new();
    file.read_to_end(&mut text).map_err(|e| {
        Failure::refused(
            Phase::Run,
            format!("reading {name}'s iterator: {e}"),
            e.raw_os_error(),
        )
    })?;
    Ok(())
}

/// Load the extension object `ext` and its `Extension` program against `req.program` of
/// `ebpf` (the function its section names), and attach it.
#[cfg(not(aya_legacy))]
fn load_extension(
    ebpf: &Ebpf,
    btf: Option<&Btf>,
    req: &RunRequest,
    ext: &crate::protocol::ExtensionRequest,
) -> Result<Ebpf, Failure> {
    use aya::programs::Extension;
    let target = ebpf
        .program(&req.program)
        .ok_or_else(|| {
            Failure::refused(
                Phase::Load,
                format!("{}: no program named {} to extend", req.elf, req.program),
                Some(libc::ENOENT),
            )
        })?
        .fd()
        .and_then(|fd| fd.try_clone().map_err(Into::into))
        .map_err(|e| Failure::from_program_load(&req.program, &e))?;
    let mut loader = EbpfLoader::new();
    if let Some(btf) = btf {
        loader.btf(btf);
    }
    let mut ext_ebpf = loader.load_file(&ext.elf).map_err(|e| {
        let mut f = Failure::from_ebpf(&ext.elf, &e);
        f.phase = Phase::Load;
        f
    })?;
    let image = fs::read(&ext.elf).map_err(|e| {
        Failure::refused(
            Phase::Load,
            format!("reading {}: {e}", ext.elf),
            e.raw_os_error(),
        )
    })?;
    let func = sections::section_of(&image, &ext.program)
        .and_then(|s| sections::attach_target(&s).map(str::to_owned))
        .ok_or_else(|| {
            Failure::refused(
                Phase::Load,
                format!(
                    "{}: no extension program {} naming a function",
                    ext.elf, ext.program
                ),
                Some(libc::ENOENT),
            )
        })?;
    let program: &mut Extension = ext_ebpf
        .program_mut(&ext.program)
        .ok_or_else(|| {
            Failure::refused(
                Phase::Load,
                format!("{}: no program named {}", ext.elf, ext.program),
                Some(libc::ENOENT),
            )
        })?
        .try_into()
        .map_err(|e| Failure::from_program_load(&ext.program, &e))?;
    program
        .load(target, &func)
        .map_err(|e| Failure::from_program_load(&ext.program, &e))?;
    program
        .attach()
        .map_err(|e| Failure::from_attach(&ext.program, &e))?;
    Ok(ext_ebpf)
}

/// aya before 0.14: the adapter does not list `extension`.
#[cfg(aya_legacy)]
fn load_extension(
    _: &Ebpf,
    _: Option<&Btf>,
    req: &RunRequest,
    _: &crate::protocol::ExtensionRequest,
) -> Result<Ebpf, Failure> {
    Err(Failure::internal(
        Phase::Load,
        format!("extension for {}: not offered by this aya", req.program),
    ))
}

/// aya before 0.14 has no `Iter`: the adapter does not list `read_iter`.
#[cfg(aya_legacy)]
fn read_iter(_: &mut Ebpf, _: &str, name: &str) -> Result<(), Failure> {
    Err(Failure::internal(
        Phase::Load,
        format!("read_iter {name}: this aya has no Iter program type"),
    ))
}

/// The attach target written in the program's section name, and the kernel BTF.
fn attach_target<'b>(
    image: &mut Option<Vec<u8>>,
    elf: &Path,
    name: &str,
    btf: Option<&'b Btf>,
) -> Result<(String, &'b Btf), ProgramError> {
    let not_found = |what: String| {
        ProgramError::SyscallError(SyscallError {
            call: "bpfconform-aya attach target",
            io_error: std::io::Error::other(what),
        })
    };
    let btf = btf.ok_or_else(|| not_found("no kernel BTF for the attach target".into()))?;
    if image.is_none() {
        *image = Some(fs::read(elf).map_err(|e| not_found(format!("reading {elf:?}: {e}")))?);
    }
    let data = image.as_deref().unwrap_or_default();
    let section = sections::section_of(data, name)
        .ok_or_else(|| not_found(format!("no section for program {name}")))?;
    let target = sections::attach_target(&section)
        .ok_or_else(|| not_found(format!("section {section} names no attach target")))?;
    Ok((target.to_owned(), btf))
}

/// Find `name` and test-run it: aya's `TestRun` where aya has one, else the raw syscall.
fn run_one(
    ebpf: &Ebpf,
    elf: &str,
    name: &str,
    data_in: &[u8],
    ctx_in: &[u8],
    repeat: u32,
) -> Result<u32, Failure> {
    let program = ebpf.program(name).ok_or_else(|| {
        let mut names: Vec<&str> = ebpf.programs().map(|(n, _)| n).collect();
        names.sort_unstable();
        // ENOENT, as libbpf's bpf_object__find_program_by_name
        Failure::refused(
            Phase::Run,
            format!(
                "{elf}: no program named {name} in the object (programs: {})",
                names.join(", ")
            ),
            Some(libc::ENOENT),
        )
    })?;
    #[cfg(not(aya_legacy))]
    let opts = || TestRunOptions {
        data_in: Some(data_in),
        // empty: no ctx_in (the protocol field is absent)
        ctx_in: (!ctx_in.is_empty()).then_some(ctx_in),
        repeat,
        ..TestRunOptions::default()
    };
    let result = match program {
        #[cfg(not(aya_legacy))]
        Program::SocketFilter(p) => p.test_run(opts()).map(|r| r.return_value),
        #[cfg(not(aya_legacy))]
        Program::ReusePortSocketFilter(p) => p.test_run(opts()).map(|r| r.return_value),
        #[cfg(not(aya_legacy))]
        Program::SchedClassifier(p) => p.test_run(opts()).map(|r| r.return_value),
        #[cfg(not(aya_legacy))]
        Program::Xdp(p) => p.test_run(opts()).map(|r| r.return_value),
        #[cfg(not(aya_legacy))]
        Program::CgroupSkb(p) => p.test_run(opts()).map(|r| r.return_value),
        #[cfg(not(aya_legacy))]
        Program::FlowDissector(p) => p.test_run(opts()).map(|r| r.return_value),
        // aya's raw_tp test run takes no data: with data (or a ctx) the request goes to the
        // kernel as sent below, which refuses data for raw_tp as it does for libbpf
        #[cfg(not(aya_legacy))]
        Program::RawTracePoint(p) if data_in.is_empty() && ctx_in.is_empty() => p
            .test_run(RawTracePointRunOptions::new())
            .map(|r| r.return_value),
        other => other.fd().and_then(|fd| {
            test_run::run(fd.as_fd(), data_in, ctx_in, repeat).map_err(|io_error| {
                ProgramError::SyscallError(SyscallError {
                    call: "bpf_prog_test_run",
                    io_error,
                })
            })
        }),
    };
    result.map_err(|e| Failure::from_run(name, &e))
}

/// The kernel's view of the program `name` (if it loaded) and of every map of the object.
fn collect_info(ebpf: &Ebpf, name: &str) -> Option<Info> {
    let fd = ebpf.program(name)?.fd().ok()?;
    let result = info::prog_info(fd.as_fd()).and_then(|prog| {
        let maps = ebpf
            .maps()
            .map(|(_, map)| info::map_info(map_data(map).fd().as_fd()))
            .collect::<std::io::Result<Vec<_>>>()?;
        Ok(Info { prog, maps })
    });
    result
        .map_err(|e| eprintln!("[bpfconform-aya] BPF_OBJ_GET_INFO_BY_FD for {name}: {e}"))
        .ok()
}

/// The `MapData` every `Map` variant wraps.
#[cfg(not(aya_legacy))]
const fn map_data(map: &Map) -> &MapData {
    match map {
        Map::Array(m)
        | Map::ArrayOfMaps(m)
        | Map::BloomFilter(m)
        | Map::CgroupArray(m)
        | Map::CgroupStorage(m)
        | Map::CgrpStorage(m)
        | Map::CpuMap(m)
        | Map::DevMap(m)
        | Map::DevMapHash(m)
        | Map::HashMap(m)
        | Map::HashOfMaps(m)
        | Map::InodeStorage(m)
        | Map::LpmTrie(m)
        | Map::LruHashMap(m)
        | Map::PerCpuArray(m)
        | Map::PerCpuCgroupStorage(m)
        | Map::PerCpuHashMap(m)
        | Map::PerCpuLruHashMap(m)
        | Map::PerfEventArray(m)
        | Map::ProgramArray(m)
        | Map::Queue(m)
        | Map::ReusePortSockArray(m)
        | Map::RingBuf(m)
        | Map::SockHash(m)
        | Map::SockMap(m)
        | Map::SkStorage(m)
        | Map::Stack(m)
        | Map::StackTraceMap(m)
        | Map::Unsupported(m)
        | Map::XskMap(m) => m,
    }
}

/// The `MapData` every `Map` variant of aya before 0.14 wraps.
#[cfg(aya_legacy)]
const fn map_data(map: &Map) -> &MapData {
    match map {
        Map::Array(m)
        | Map::BloomFilter(m)
        | Map::CpuMap(m)
        | Map::DevMap(m)
        | Map::DevMapHash(m)
        | Map::HashMap(m)
        | Map::LpmTrie(m)
        | Map::LruHashMap(m)
        | Map::PerCpuArray(m)
        | Map::PerCpuHashMap(m)
        | Map::PerCpuLruHashMap(m)
        | Map::PerfEventArray(m)
        | Map::ProgramArray(m)
        | Map::Queue(m)
        | Map::RingBuf(m)
        | Map::SockHash(m)
        | Map::SockMap(m)
        | Map::Stack(m)
        | Map::StackTraceMap(m)
        | Map::Unsupported(m)
        | Map::XskMap(m) => m,
    }
}
