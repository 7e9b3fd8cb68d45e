//! The ELF section name of a program, for program types whose aya `load()` needs the
//! attach target an aya user would write by hand (`fentry/<fn>`, `lsm/<hook>`, ...).

use std::{fs, path::Path};

use aya::{Btf, BtfError, Endianness};
use object::{Object, ObjectSection, ObjectSymbol};

/// The section holding the function symbol `program` in the ELF image `data`.
pub fn section_of(data: &[u8], program: &str) -> Option<String> {
    let file = object::File::parse(data).ok()?;
    let symbol = file
        .symbols()
        .find(|s| s.is_definition() && s.name() == Ok(program))?;
    let index = symbol.section_index()?;
    let section = file.section_by_index(index).ok()?;
    section.name().ok().map(str::to_owned)
}

/// The attach target in a section name: what follows the first `/` (`fentry/foo` → `foo`).
pub fn attach_target(section: &str) -> Option<&str> {
    section
        .split_once('/')
        .map(|(_, target)| target)
        .filter(|t| !t.is_empty())
}

/// Whether the object at `path` carries a `.BTF` section (None if it cannot be read).
pub fn has_btf(path: &Path) -> Option<bool> {
    let data = fs::read(path).ok()?;
    let file = object::File::parse(&*data).ok()?;
    Some(file.section_by_name(".BTF").is_some())
}

/// Target BTF from `path`: raw BTF (like /sys/kernel/btf/vmlinux), or the `.BTF` section of
/// an ELF object, which is how a target stub compiled with clang arrives. `Btf::parse_file`
/// reads raw BTF only; an aya user holding an object extracts `.BTF` first, as done here
/// (libbpf's `btf__parse` accepts both forms).
pub fn target_btf(path: &Path) -> Result<Btf, BtfError> {
    let data = fs::read(path).map_err(|error| BtfError::FileError {
        path: path.to_owned(),
        error,
    })?;
    let Ok(file) = object::File::parse(&*data) else {
        return Btf::parse(&data, Endianness::default());
    };
    let endianness = if file.is_little_endian() {
        Endianness::Little
    } else {
        Endianness::Big
    };
    let section = file
        .section_by_name(".BTF")
        .ok_or_else(|| BtfError::FileError {
            path: path.to_owned(),
            error: std::io::Error::other("ELF object without a .BTF section"),
        })?;
    let bytes = section.data().map_err(|e| BtfError::FileError {
        path: path.to_owned(),
        error: std::io::Error::other(e.to_string()),
    })?;
    Btf::parse(bytes, endianness)
}
