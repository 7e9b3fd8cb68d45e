//! `BPF_PROG_TEST_RUN` on a raw program fd, for the program types aya 0.16 has no
//! [`aya::TestRun`] implementation for (kprobe, tracepoint, fentry, ...). aya's own
//! `TestRun` is used wherever it exists; this fallback only lets the kernel give its own
//! answer (usually `ENOTSUPP`) instead of the adapter inventing one.

use std::{io, mem, os::fd::AsRawFd, os::fd::BorrowedFd};

/// `BPF_PROG_TEST_RUN` from `enum bpf_cmd` (include/uapi/linux/bpf.h).
const BPF_PROG_TEST_RUN: libc::c_long = 10;

/// The `test` member of `union bpf_attr` (include/uapi/linux/bpf.h), kernel field names.
#[repr(C)]
#[derive(Default)]
struct BpfAttrTest {
    prog_fd: u32,
    retval: u32,
    data_size_in: u32,
    data_size_out: u32,
    data_in: u64,
    data_out: u64,
    repeat: u32,
    duration: u32,
    ctx_size_in: u32,
    ctx_size_out: u32,
    ctx_in: u64,
    ctx_out: u64,
    flags: u32,
    cpu: u32,
    batch_size: u32,
    _pad: u32,
}

/// Test-run the program behind `fd` on `data_in` and `ctx_in` (empty: none, e.g. no
/// `struct bpf_sk_lookup` for sk_lookup); return the program's return value.
pub fn run(fd: BorrowedFd<'_>, data_in: &[u8], ctx_in: &[u8], repeat: u32) -> io::Result<u32> {
    let mut attr = BpfAttrTest {
        prog_fd: fd.as_raw_fd() as u32,
        data_size_in: u32::try_from(data_in.len()).map_err(io::Error::other)?,
        // empty: no data at all (protocol "No data"), a NULL pointer, not a dangling one
        data_in: if data_in.is_empty() {
            0
        } else {
            data_in.as_ptr() as u64
        },
        repeat,
        ctx_size_in: u32::try_from(ctx_in.len()).map_err(io::Error::other)?,
        ctx_in: if ctx_in.is_empty() {
            0
        } else {
            ctx_in.as_ptr() as u64
        },
        ..BpfAttrTest::default()
    };
    // SAFETY: `attr` is a valid, fully initialised `bpf_attr.test` that outlives the
    // call; `data_in` and `ctx_in` outlive the call and the kernel only reads
    // `data_size_in` and `ctx_size_in` bytes of them.
    let ret = unsafe {
        libc::syscall(
            libc::SYS_bpf,
            BPF_PROG_TEST_RUN,
            &mut attr as *mut BpfAttrTest,
            mem::size_of::<BpfAttrTest>() as libc::c_uint,
        )
    };
    if ret < 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(attr.retval)
}
