/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * conformance.h - the one header every bpfconform program includes.
 *
 * Self-contained: no libbpf or kernel headers.  It provides
 *   - SEC(), __uint/__type/__array and the map/program constants the tests use;
 *   - the BPF helpers the tests call, declared by helper id;
 *   - assertion macros that `return __LINE__` on failure, so a failing program
 *     names the line of the assertion that failed (0 means success);
 *   - CONFORM(), which records a program's expectations in the non-allocated
 *     ELF section `.conform` (read by the harness, skipped by loaders).
 */
#ifndef BPFCONFORM_CONFORMANCE_H
#define BPFCONFORM_CONFORMANCE_H

typedef signed char __s8;
typedef unsigned char __u8;
typedef short __s16;
typedef unsigned short __u16;
typedef int __s32;
typedef unsigned int __u32;
typedef long long __s64;
typedef unsigned long long __u64;
typedef __u16 __be16;
typedef __u32 __be32;
typedef __u32 __wsum;

#ifndef NULL
#define NULL ((void *)0)
#endif
#ifndef bool
#define bool _Bool
#define true 1
#define false 0
#endif

/* ---- sections, attributes ------------------------------------------------ */

#define SEC(name) __attribute__((section(name), used))
#define __always_inline inline __attribute__((always_inline))
#define __noinline __attribute__((noinline))
#define __weak __attribute__((weak))
#define __hidden __attribute__((visibility("hidden")))
#define __ksym __attribute__((section(".ksyms")))
#define __kconfig __attribute__((section(".kconfig")))
#define __uint(name, val) int (*name)[val]
#define __type(name, val) typeof(val) *name
#define __array(name, val) typeof(val) *name[]
#define __ulong(name, val) enum { ___bpf_concat(__unique_value, __COUNTER__) = val } name
#define ___bpf_concat(a, b) a##b

#define barrier_var(var) asm volatile("" : "+r"(var))
#define READ_ONCE(x) (*(volatile typeof(x) *)&(x))
#define WRITE_ONCE(x, v) (*(volatile typeof(x) *)&(x) = (v))

/* ---- constants from include/uapi/linux/bpf.h ---------------------------- */

enum {
	BPF_MAP_TYPE_HASH = 1,
	BPF_MAP_TYPE_ARRAY = 2,
	BPF_MAP_TYPE_PROG_ARRAY = 3,
	BPF_MAP_TYPE_PERCPU_HASH = 5,
	BPF_MAP_TYPE_PERCPU_ARRAY = 6,
	BPF_MAP_TYPE_LRU_HASH = 9,
	BPF_MAP_TYPE_LPM_TRIE = 11,
	BPF_MAP_TYPE_ARRAY_OF_MAPS = 12,
	BPF_MAP_TYPE_HASH_OF_MAPS = 13,
};

enum {
	BPF_ANY = 0,
	BPF_NOEXIST = 1,
	BPF_EXIST = 2,
	BPF_F_LOCK = 4,
};

enum {
	BPF_F_NO_PREALLOC = (1U << 0),
	BPF_F_RDONLY_PROG = (1U << 7),
	BPF_F_MMAPABLE = (1U << 10),
};

/* errno values (include/uapi/asm-generic/errno-base.h); helpers return them negated. */
enum {
	ENOENT = 2,
	E2BIG = 7,
	EEXIST = 17,
	EINVAL = 22,
};

enum libbpf_pin_type {
	LIBBPF_PIN_NONE,
	LIBBPF_PIN_BY_NAME,
};

/* ---- helpers (ids from enum bpf_func_id) --------------------------------- */

static void *(*const bpf_map_lookup_elem)(void *map, const void *key) = (void *)1;
static long (*const bpf_map_update_elem)(void *map, const void *key, const void *value,
					 __u64 flags) = (void *)2;
static long (*const bpf_map_delete_elem)(void *map, const void *key) = (void *)3;
static __u64 (*const bpf_ktime_get_ns)(void) = (void *)5;
static long (*const bpf_trace_printk)(const char *fmt, __u32 fmt_size, ...) = (void *)6;
static __u32 (*const bpf_get_prandom_u32)(void) = (void *)7;
static __u32 (*const bpf_get_smp_processor_id)(void) = (void *)8;
static long (*const bpf_tail_call)(void *ctx, void *prog_array_map, __u32 index) = (void *)12;
static long (*const bpf_loop)(__u32 nr_loops, void *callback_fn, void *callback_ctx,
			      __u64 flags) = (void *)181;
static long (*const bpf_for_each_map_elem)(void *map, void *callback_fn, void *callback_ctx,
					   __u64 flags) = (void *)164;
/* Only valid on BPF_MAP_TYPE_PERCPU_{ARRAY,HASH}: the verifier rejects it on other maps. */
static void *(*const bpf_map_lookup_percpu_elem)(void *map, const void *key, __u32 cpu) = (void *)195;

/* ---- assertions: 0 is success, any other value is the failing __LINE__ --- */

/*
 * Each assertion reads its operands once.  Use them on values the loader is
 * responsible for (initialised data, relocated map references, call targets),
 * and write beside each one what an unpatched loader would produce.
 */
#define ASSERT(cond)                                                                     \
	do {                                                                             \
		if (!(cond))                                                             \
			return __LINE__;                                                 \
	} while (0)
#define ASSERT_EQ(a, b) ASSERT((a) == (b))
#define ASSERT_NE(a, b) ASSERT((a) != (b))
#define ASSERT_LT(a, b) ASSERT((a) < (b))
#define ASSERT_LE(a, b) ASSERT((a) <= (b))
#define ASSERT_GT(a, b) ASSERT((a) > (b))
#define ASSERT_GE(a, b) ASSERT((a) >= (b))
#define ASSERT_NULL(p) ASSERT((p) == NULL)
#define ASSERT_NOT_NULL(p) ASSERT((p) != NULL)
/* Propagate the line number returned by a checking subprogram. */
#define ASSERT_OK(expr)                                                                  \
	do {                                                                             \
		int __conform_ret = (expr);                                              \
		if (__conform_ret)                                                       \
			return __conform_ret;                                            \
	} while (0)
#define PASS() return 0

/* ---- expectations, kept in the ELF --------------------------------------- */

/*
 * CONFORM(prog, "key", "value") appends the string "prog:key=value" to the
 * non-allocated section `.conform`.  It emits no symbol, no BTF, no relocation;
 * loaders skip the section as an unknown non-allocated PROGBITS section.
 *
 * Keys (see docs/writing-tests.md):
 *   behaviour  catalogue id (suite/catalogue.toml)
 *   expect     pass | load_error | open_error
 *   level      required | optional | implementation-defined
 *   requires   comma-separated feature probes
 *   ref        spec reference (libbpf function, kernel doc section, ...)
 *   desc       one line: what the program checks
 *   data_in    hex bytes handed to BPF_PROG_TEST_RUN (default: 64 zero bytes), or none
 *   ctx_in     hex bytes of BPF_PROG_TEST_RUN's ctx_in (the context struct, host order)
 *   retval     the return value that means PASS (default 0), for types whose verifier
 *              limits the return (sk_lookup: SK_PASS)
 *   btf_custom_path  target BTF for CO-RE, relative to the object's directory
 *   btf_control_path control BTF the program must NOT pass against
 *   role       fixture: part of the object (a never-loaded SEC("?...") program, a
 *              tail-call target) but not test-run itself; needs no other key
 *   control    define: the positive control of a negative (load_error/open_error)
 *              program, mandatory for those; see "Positive controls" below
 *   before     <object path relative to this object's directory>:<program>: a setup
 *              step run first, sharing state through pins
 *   attach     comma-separated programs of the object the adapter attaches (its
 *              library's attach call) after the load (tracing programs)
 *   trigger    the program test-run after attaching, before this one (needs attach)
 *   read_iter  an iterator program (iter/...) whose iterator the adapter makes and reads
 *              to its end after any attach and trigger, before this one
 *   extension  <object path relative to this object's directory>:<program>: an
 *              extension (freplace) program loaded against this one and attached first
 * tests/programs checks that this list and docs/writing-tests.md name every key the
 * harness accepts (harness/suite/discovery.py KEYS).
 * Values must not contain double quotes or backslashes.
 *
 * Positive controls: a negative program's refusal proves something only when the loader
 * refuses the defect and nothing else, so its source has an `#ifdef CONFORM_CONTROL`
 * variant that removes exactly the defect and declares
 *     CONFORM(prog, "control", "define");
 * The toolchain builds any source whose text names CONFORM_CONTROL a second time with
 * -DCONFORM_CONTROL into <name>.control.bpf.o (always -target bpfel: a *.bpfeb.bpf.c
 * source's defect is its byte order), and the item PASSes only when the loader refuses
 * the object AND loads the control and its program of the same name returns 0. The
 * control asserts like any test, with a `control unpatched (...): value` note beside each
 * assertion; bpf-src/externs/kconfig_missing.bpf.c is the example and
 * docs/writing-tests.md ("Negative tests") the rules.
 */
#define CONFORM(prog, key, value)                                                        \
	asm(".pushsection .conform,\"\",@progbits\n\t"                                   \
	    ".asciz \"" #prog ":" key "=" value "\"\n\t"                                 \
	    ".popsection")

/* The usual header of a test: behaviour id, expected outcome, level. */
#define TEST(prog, behaviour, expect, level)                                             \
	CONFORM(prog, "behaviour", behaviour);                                           \
	CONFORM(prog, "expect", expect);                                                 \
	CONFORM(prog, "level", level)

/*
 * Every object carries a `license` section, "GPL" unless the test sets
 * CONFORM_LICENSE (another string) or CONFORM_NO_LICENSE (no section at all)
 * before including this header.
 */
#ifndef CONFORM_NO_LICENSE
#ifndef CONFORM_LICENSE
#define CONFORM_LICENSE "GPL"
#endif
char _license[] SEC("license") = CONFORM_LICENSE;
#endif

/* ---- CO-RE (owned by the CO-RE tests, bpf-src/core/) ------------------------ */
/*
 * The relocation kinds of Documentation/bpf/llvm_reloc.rst and libbpf's
 * relo_core.h, and bpf_core_* style macros over the clang builtins that emit
 * them (written here: the tests use no libbpf header).  Each macro yields the
 * value the *loader* computes against the target BTF; the compiler emits the
 * local value, so an unrelocated instruction keeps the local answer.
 */
enum bpf_field_info_kind {
	BPF_FIELD_BYTE_OFFSET = 0,
	BPF_FIELD_BYTE_SIZE = 1,
	BPF_FIELD_EXISTS = 2,
	BPF_FIELD_SIGNED = 3,
	BPF_FIELD_LSHIFT_U64 = 4,
	BPF_FIELD_RSHIFT_U64 = 5,
};
enum bpf_type_id_kind {
	BPF_TYPE_ID_LOCAL = 0,
	BPF_TYPE_ID_TARGET = 1,
};
enum bpf_type_info_kind {
	BPF_TYPE_EXISTS = 0,
	BPF_TYPE_SIZE = 1,
	BPF_TYPE_MATCHES = 2, /* clang >= 15 */
};
enum bpf_enum_value_kind {
	BPF_ENUMVAL_EXISTS = 0,
	BPF_ENUMVAL_VALUE = 1,
};

#define __core_pai __attribute__((preserve_access_index))

/* field: an access expression through a preserve_access_index type, e.g. p->a.b[2] */
#define bpf_core_field_offset(field) __builtin_preserve_field_info(field, BPF_FIELD_BYTE_OFFSET)
#define bpf_core_field_size(field) __builtin_preserve_field_info(field, BPF_FIELD_BYTE_SIZE)
#define bpf_core_field_exists(field) __builtin_preserve_field_info(field, BPF_FIELD_EXISTS)
#define bpf_core_field_signed(field) __builtin_preserve_field_info(field, BPF_FIELD_SIGNED)
#define bpf_core_field_lshift(field) __builtin_preserve_field_info(field, BPF_FIELD_LSHIFT_U64)
#define bpf_core_field_rshift(field) __builtin_preserve_field_info(field, BPF_FIELD_RSHIFT_U64)
/* type: a type name, e.g. struct foo, or a typedef */
#define bpf_core_type_id_local(type) __builtin_btf_type_id(*(typeof(type) *)0, BPF_TYPE_ID_LOCAL)
#define bpf_core_type_id_target(type) __builtin_btf_type_id(*(typeof(type) *)0, BPF_TYPE_ID_TARGET)
#define bpf_core_type_exists(type) __builtin_preserve_type_info(*(typeof(type) *)0, BPF_TYPE_EXISTS)
#define bpf_core_type_size(type) __builtin_preserve_type_info(*(typeof(type) *)0, BPF_TYPE_SIZE)
#define bpf_core_type_matches(type) __builtin_preserve_type_info(*(typeof(type) *)0, BPF_TYPE_MATCHES)
/* enum_type: e.g. enum foo; value: one of its enumerators */
#define bpf_core_enum_value_exists(enum_type, value)                                     \
	__builtin_preserve_enum_value(*(typeof(enum_type) *)value, BPF_ENUMVAL_EXISTS)
#define bpf_core_enum_value(enum_type, value)                                            \
	__builtin_preserve_enum_value(*(typeof(enum_type) *)value, BPF_ENUMVAL_VALUE)

/*
 * Read a bitfield of *s through the relocated byte offset, byte size and the
 * two shifts (libbpf's BPF_CORE_READ_BITFIELD): a direct load, so s must point
 * at memory the program may read (a map value, e.g. a global in .data).
 */
#define BPF_CORE_READ_BITFIELD(s, field)                                                 \
	({                                                                               \
		const void *__p = (const void *)(s) + bpf_core_field_offset((s)->field); \
		unsigned long long __v;                                                  \
		asm volatile("" : "=r"(__p) : "0"(__p));                                 \
		switch (bpf_core_field_size((s)->field)) {                               \
		case 1: __v = *(const unsigned char *)__p; break;                        \
		case 2: __v = *(const unsigned short *)__p; break;                       \
		case 4: __v = *(const unsigned int *)__p; break;                         \
		case 8: __v = *(const unsigned long long *)__p; break;                   \
		default: __v = 0; break;                                                 \
		}                                                                        \
		__v <<= bpf_core_field_lshift((s)->field);                               \
		if (bpf_core_field_signed((s)->field))                                   \
			__v = ((long long)__v) >> bpf_core_field_rshift((s)->field);     \
		else                                                                     \
			__v = __v >> bpf_core_field_rshift((s)->field);                  \
		__v;                                                                     \
	})
/* ---- end of CO-RE block --------------------------------------------------------- */

#endif /* BPFCONFORM_CONFORMANCE_H */
