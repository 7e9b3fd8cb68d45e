from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from harness.suite import discovery

CATALOGUE = frozenset({"data.data", "maps.btf.type"})
CompileSnippet = Callable[[str], tuple[Path, Path]]

HEAD = '/* discovery test */\n#include "conformance.h"\n'
PROG = 'SEC("socket") int {name}(void *ctx) {{ return 0; }}\n'


def _items(compile_snippet: CompileSnippet, code: str) -> list[discovery.Item]:
    obj, src = compile_snippet(HEAD + code)
    return discovery.discover_object(obj, src, "t/snippet.bpf.c", CATALOGUE)


def test_a_well_annotated_program_is_one_item_with_its_expectations(
    compile_snippet: CompileSnippet,
) -> None:
    (item,) = _items(compile_snippet, """
TEST(prog, "data.data", "pass", "required");
CONFORM(prog, "desc", "a value with spaces: and colons = signs");
CONFORM(prog, "requires", "bpf_loop");
CONFORM(prog, "data_in", "00ff");
CONFORM(prog, "btf_custom_path", "target.btf.o");
""" + PROG.format(name="prog"))
    assert item.error is None
    assert item.id == "t/snippet.bpf.c::prog"
    exp = item.expectations
    assert exp is not None
    assert (exp.behaviour, exp.expect, exp.level) == ("data.data", "pass", "required")
    assert exp.desc == "a value with spaces: and colons = signs"
    assert exp.requires == ("bpf_loop",)
    assert exp.data_in == "00ff"
    assert exp.btf_custom_path == str(item.obj.parent / "target.btf.o")


def test_the_default_data_in_is_64_zero_bytes(compile_snippet: CompileSnippet) -> None:
    (item,) = _items(compile_snippet,
                     'TEST(p, "data.data", "load_error", "optional");\n' + PROG.format(name="p"))
    assert item.expectations is not None
    assert bytes.fromhex(item.expectations.data_in) == bytes(64)


def test_static_functions_and_text_subprograms_are_not_entry_points(
    compile_snippet: CompileSnippet,
) -> None:
    items = _items(compile_snippet, """
__noinline int helper(int x) { return x - 1; }
static __noinline int local(int x) { return x + 1; }
TEST(prog, "data.data", "pass", "required");
SEC("socket") int prog(void *ctx) { return helper(local(0)); }
""")
    assert [i.program for i in items] == ["prog"]


def test_two_programs_in_one_object_are_two_items(compile_snippet: CompileSnippet) -> None:
    items = _items(compile_snippet, """
TEST(a, "data.data", "pass", "required");
TEST(b, "maps.btf.type", "load_error", "implementation-defined");
""" + PROG.format(name="a") + PROG.format(name="b"))
    assert {i.program: i.expectations.behaviour for i in items if i.expectations} == {
        "a": "data.data", "b": "maps.btf.type"}


@pytest.mark.parametrize(
    ("code", "program", "reason"),
    [
        (PROG.format(name="p"), "<object>", "no .conform section"),
        ('TEST(q, "data.data", "pass", "required");\n' + PROG.format(name="p")
         + PROG.format(name="q"), "p", "program 'p' has no .conform metadata"),
        ('TEST(p, "data.data", "pass", "required");\nTEST(ghost, "data.data", "pass", '
         '"required");\n' + PROG.format(name="p"), "ghost", "not an entry-point program"),
        ('TEST(p, "data.data", "pass", "required");\nCONFORM(p, "colour", "blue");\n'
         + PROG.format(name="p"), "p", "unknown .conform key 'colour'"),
        ('TEST(p, "data.data", "maybe", "required");\n' + PROG.format(name="p"), "p",
         "expect='maybe' is not one of"),
        ('TEST(p, "data.data", "pass", "mandatory");\n' + PROG.format(name="p"), "p",
         "level='mandatory' is not one of"),
        ('TEST(p, "no.such.behaviour", "pass", "required");\n' + PROG.format(name="p"), "p",
         "behaviour 'no.such.behaviour' is not in suite/catalogue.toml"),
        ('CONFORM(p, "behaviour", "data.data");\nCONFORM(p, "expect", "pass");\n'
         + PROG.format(name="p"), "p", "missing .conform key(s): level"),
        ('TEST(p, "data.data", "pass", "required");\nCONFORM(p, "data_in", "zz");\n'
         + PROG.format(name="p"), "p", "data_in='zz' is not a hex string"),
        ('TEST(p, "data.data", "pass", "required");\nCONFORM(p, "requires", "time_travel");\n'
         + PROG.format(name="p"), "p", "unknown probes ['time_travel']"),
        ('TEST(p, "data.data", "pass", "required");\nCONFORM(p, "expect", "pass");\n'
         + PROG.format(name="p"), "p", "duplicate .conform key 'expect'"),
        ('asm(".pushsection .conform,\\"\\",@progbits\\n.asciz \\"no separator\\"\\n'
         '.popsection");\nTEST(p, "data.data", "pass", "required");\n'
         + PROG.format(name="p"), "<malformed>", "malformed .conform entry 'no separator'"),
    ],
    ids=["no-conform-section", "program-without-metadata", "metadata-for-missing-program",
         "unknown-key", "unknown-expect", "unknown-level", "unknown-behaviour",
         "missing-level", "bad-data_in", "unknown-probe", "duplicate-key", "malformed-entry"],
)
def test_bad_metadata_is_an_error_item_with_a_precise_reason(
    compile_snippet: CompileSnippet, code: str, program: str, reason: str
) -> None:
    items = {i.program: i for i in _items(compile_snippet, code)}
    assert program in items, items
    assert items[program].error is not None
    assert reason in items[program].error
    assert items[program].expectations is None


def test_an_unreadable_elf_is_an_error_item(tmp_path: Path) -> None:
    obj = tmp_path / "junk.bpf.o"
    obj.write_bytes(b"\x7fELF this is not really an ELF file")
    (item,) = discovery.discover_object(obj, tmp_path / "junk.bpf.c", "junk.bpf.c", CATALOGUE)
    assert item.error is not None and "unreadable ELF" in item.error


def test_an_empty_glob_is_an_error() -> None:
    with pytest.raises(discovery.DiscoveryError, match="empty"):
        discovery.discover({}, CATALOGUE)


def test_the_catalogue_is_a_table_keyed_by_id(tmp_path: Path) -> None:
    cat = tmp_path / "catalogue.toml"
    cat.write_text('["a.b"]\ntitle = "x"\n["c.d"]\ntitle = "y"\n')
    assert discovery.load_catalogue(cat) == {"a.b", "c.d"}
    cat.write_text("not toml [")
    with pytest.raises(discovery.DiscoveryError, match="catalogue"):
        discovery.load_catalogue(cat)


def test_a_weak_entry_program_without_metadata_is_an_error_item(
    compile_snippet: CompileSnippet,
) -> None:
    items = _items(compile_snippet, """
SEC("?socket") __weak int hidden_by_weak(void *ctx) { return 1; }
TEST(prog, "data.data", "pass", "required");
""" + PROG.format(name="prog"))
    by_name = {i.program: i for i in items}
    assert set(by_name) == {"hidden_by_weak", "prog"}
    assert by_name["hidden_by_weak"].error == (
        "program 'hidden_by_weak' has no .conform metadata")
    assert by_name["prog"].error is None


def test_a_fixture_program_is_part_of_the_object_but_not_an_item(
    compile_snippet: CompileSnippet,
) -> None:
    items = _items(compile_snippet, """
CONFORM(never_loaded, "role", "fixture");
CONFORM(never_loaded, "desc", "an invalid SEC(?socket) program nobody loads");
SEC("?socket") int never_loaded(void *ctx) { return 1; }
CONFORM(weak_fixture, "role", "fixture");
SEC("socket/1") __weak int weak_fixture(void *ctx) { return 2; }
TEST(prog, "data.data", "pass", "required");
""" + PROG.format(name="prog"))
    assert [(i.program, i.error) for i in items] == [("prog", None)]


def test_a_bad_role_or_a_broken_fixture_is_an_error_item(compile_snippet: CompileSnippet) -> None:
    items = _items(compile_snippet, """
CONFORM(a, "role", "helper");
SEC("socket") int a(void *ctx) { return 1; }
CONFORM(b, "role", "fixture");
CONFORM(b, "colour", "blue");
SEC("socket") int b(void *ctx) { return 1; }
""")
    errors = {i.program: i.error for i in items}
    assert "role='helper' is not one of fixture" in (errors["a"] or "")
    assert "unknown .conform key 'colour'" in (errors["b"] or "")


def test_ctx_in_and_retval_keys(compile_snippet: CompileSnippet) -> None:
    (item,) = _items(compile_snippet, """
TEST(p, "data.data", "pass", "required");
CONFORM(p, "data_in", "none");
CONFORM(p, "ctx_in", "0200ABcd");
CONFORM(p, "retval", "1");
""" + PROG.format(name="p"))
    assert item.error is None and item.expectations is not None
    exp = item.expectations
    assert (exp.data_in, exp.ctx_in, exp.retval) == ("", "0200abcd", 1)


def test_without_ctx_in_and_retval_keys_no_ctx_is_sent_and_zero_passes(
    compile_snippet: CompileSnippet,
) -> None:
    (item,) = _items(compile_snippet,
                     'TEST(p, "data.data", "pass", "required");\n' + PROG.format(name="p"))
    assert item.expectations is not None
    assert (item.expectations.ctx_in, item.expectations.retval) == (None, 0)


@pytest.mark.parametrize(("key", "value", "reason"), [
    ("ctx_in", "zz", "ctx_in='zz' is not a hex string"),
    ("ctx_in", "", "ctx_in= is empty"),
    ("retval", "-1", "retval='-1' is not an unsigned 32-bit decimal integer"),
    ("retval", "4294967296", "is not an unsigned 32-bit"),
])
def test_bad_ctx_in_or_retval_is_an_error_item(
    compile_snippet: CompileSnippet, key: str, value: str, reason: str
) -> None:
    (item,) = _items(compile_snippet, f'TEST(p, "data.data", "pass", "required");\n'
                     f'CONFORM(p, "{key}", "{value}");\n' + PROG.format(name="p"))
    assert item.error is not None and reason in item.error
