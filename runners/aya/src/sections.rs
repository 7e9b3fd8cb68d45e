//! The ELF section name of a program, for program types whose aya `load()` needs the
//! attach target an aya user would write by hand (`fentry/<fn>`, `lsm/<hook>`, ...).

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
