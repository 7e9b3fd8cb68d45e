//! `BPF_OBJ_GET_INFO_BY_FD` for the optional `info` reply field (docs/adapter-protocol.md):
//! what the kernel holds for the tested program and for every map of the object. aya's
//! `ProgramInfo`/`MapInfo` expose neither the xlated instructions nor a map's BTF id, so this
//! reads `struct bpf_prog_info` / `struct bpf_map_info` with the raw syscall.

use std::{io, mem, os::fd::AsRawFd, os::fd::BorrowedFd};

use serde::Serialize;

/// `BPF_OBJ_GET_INFO_BY_FD` from `enum bpf_cmd` (include/uapi/linux/bpf.h).
const BPF_OBJ_GET_INFO_BY_FD: libc::c_long = 15;

/// The `info` member of `union bpf_attr`.
#[repr(C)]
struct BpfAttrInfo {
    bpf_fd: u32,
    info_len: u32,
    info: u64,
}

/// The leading fields of `struct bpf_prog_info`, up to `map_ids` (the kernel accepts a
/// shorter `info_len` and fills only what fits).
#[repr(C)]
#[derive(Default)]
struct BpfProgInfo {
    type_: u32,
    id: u32,
    tag: [u8; 8],
    jited_prog_len: u32,
    xlated_prog_len: u32,
    jited_prog_insns: u64,
    xlated_prog_insns: u64,
    load_time: u64,
    created_by_uid: u32,
    nr_map_ids: u32,
    map_ids: u64,
}

/// `struct bpf_map_info` up to `map_extra`.
#[repr(C)]
#[derive(Default)]
struct BpfMapInfo {
    type_: u32,
    id: u32,
    key_size: u32,
    value_size: u32,
    max_entries: u32,
    map_flags: u32,
    name: [u8; 16],
    ifindex: u32,
    btf_vmlinux_value_type_id: u32,
    netns_dev: u64,
    netns_ino: u64,
    btf_id: u32,
    btf_key_type_id: u32,
    btf_value_type_id: u32,
    btf_vmlinux_id: u32,
    map_extra: u64,
}

/// The tested program, as the kernel holds it.
#[derive(Debug, Serialize)]
pub struct ProgInfo {
    /// `bpf_prog_info.type`.
    #[serde(rename = "type")]
    pub type_: u32,
    /// `xlated_prog_insns` as hex.
    pub xlated: String,
    /// `map_ids` in the kernel's order.
    pub map_ids: Vec<u32>,
}

/// One map of the object, as the kernel holds it.
#[derive(Debug, Serialize)]
pub struct MapInfo {
    /// `bpf_map_info.id`.
    pub id: u32,
    /// `bpf_map_info.name`.
    pub name: String,
    /// `bpf_map_info.type`.
    #[serde(rename = "type")]
    pub type_: u32,
    /// `bpf_map_info.key_size`.
    pub key_size: u32,
    /// `bpf_map_info.value_size`.
    pub value_size: u32,
    /// `bpf_map_info.max_entries`.
    pub max_entries: u32,
    /// `bpf_map_info.map_flags`.
    pub map_flags: u32,
    /// `bpf_map_info.btf_id`.
    pub btf_id: u32,
}

/// The reply's `info` object.
#[derive(Debug, Serialize)]
pub struct Info {
    /// The tested program.
    pub prog: ProgInfo,
    /// Every map of the object (any order).
    pub maps: Vec<MapInfo>,
}

fn get_info<T>(fd: BorrowedFd<'_>, info: &mut T) -> io::Result<()> {
    let mut attr = BpfAttrInfo {
        bpf_fd: fd.as_raw_fd() as u32,
        info_len: mem::size_of::<T>() as u32,
        info: info as *mut T as u64,
    };
    // SAFETY: `attr` points at `info`, a live `#[repr(C)]` prefix of the kernel struct,
    // `info_len` bytes long; any array pointers inside it point at live buffers of the
    // advertised lengths (see `prog_info`).
    let ret = unsafe {
        libc::syscall(
            libc::SYS_bpf,
            BPF_OBJ_GET_INFO_BY_FD,
            &mut attr as *mut BpfAttrInfo,
            mem::size_of::<BpfAttrInfo>() as libc::c_uint,
        )
    };
    if ret < 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

/// Type, xlated instructions and map ids of the program behind `fd`.
pub fn prog_info(fd: BorrowedFd<'_>) -> io::Result<ProgInfo> {
    let mut sizes = BpfProgInfo::default();
    get_info(fd, &mut sizes)?;
    let mut xlated = vec![0u8; sizes.xlated_prog_len as usize];
    let mut map_ids = vec![0u32; sizes.nr_map_ids as usize];
    let mut info = BpfProgInfo {
        xlated_prog_len: sizes.xlated_prog_len,
        xlated_prog_insns: xlated.as_mut_ptr() as u64,
        nr_map_ids: sizes.nr_map_ids,
        map_ids: map_ids.as_mut_ptr() as u64,
        ..BpfProgInfo::default()
    };
    get_info(fd, &mut info)?;
    xlated.truncate(info.xlated_prog_len.min(sizes.xlated_prog_len) as usize);
    map_ids.truncate(info.nr_map_ids.min(sizes.nr_map_ids) as usize);
    Ok(ProgInfo {
        type_: info.type_,
        xlated: xlated.iter().map(|b| format!("{b:02x}")).collect(),
        map_ids,
    })
}

/// The kernel's view of the map behind `fd`.
pub fn map_info(fd: BorrowedFd<'_>) -> io::Result<MapInfo> {
    let mut info = BpfMapInfo::default();
    get_info(fd, &mut info)?;
    let len = info
        .name
        .iter()
        .position(|&b| b == 0)
        .unwrap_or(info.name.len());
    Ok(MapInfo {
        id: info.id,
        name: String::from_utf8_lossy(&info.name[..len]).into_owned(),
        type_: info.type_,
        key_size: info.key_size,
        value_size: info.value_size,
        max_entries: info.max_entries,
        map_flags: info.map_flags,
        btf_id: info.btf_id,
    })
}
