/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * core_types.h - the shared type definitions of the CO-RE tests (bpf-src/core/).
 *
 * One source, three layouts of every type:
 *   LOCAL    what a test program is compiled against (preserve_access_index);
 *   TARGET   the layout of target BTF "A" (btf/layout_a.btf.c, built with
 *            -DTARGET): the one each test expects the loader to relocate to;
 *   CONTROL  the layout of target BTF "B" (btf/layout_b.btf.c, -DTARGET
 *            -DCORE_CONTROL via its #define): the negative control; every
 *            value a test checks differs there, so a test must NOT pass
 *            against it.
 *
 * In a test (no TARGET), CORE_STRUCT(name, P) declares
 *   struct name       { P_LOCAL }  with preserve_access_index: what the program accesses,
 *   struct name__img  { P_TARGET } the target layout as plain C: its offsetof/sizeof are the
 *                                  expected answers, and a global of this type is the
 *                                  target-layout memory a relocated load reads,
 *   struct name__ctl  { P_CONTROL} the control layout, used only in _Static_assert.
 * In a stub (TARGET), it declares struct name with the stub's layout and an
 * anchor global so that clang emits its BTF.
 *
 * Field lists are function-like macros of a suffix S so that a nested struct
 * refers to the right variant (struct cr_inner##S).
 */
#ifndef BPFCONFORM_CORE_TYPES_H
#define BPFCONFORM_CORE_TYPES_H

#include "conformance.h"

#define __core_cat(a, b) a##b

#if defined(TARGET) && defined(CORE_CONTROL)
#define CORE_STRUCT(name, P)                                                             \
	struct name { P##_CONTROL() };                                                   \
	struct name *__core_cat(name, __anchor)
#define CORE_UNION(name, P)                                                              \
	union name { P##_CONTROL() };                                                    \
	union name *__core_cat(name, __anchor)
#elif defined(TARGET)
#define CORE_STRUCT(name, P)                                                             \
	struct name { P##_TARGET() };                                                    \
	struct name *__core_cat(name, __anchor)
#define CORE_UNION(name, P)                                                              \
	union name { P##_TARGET() };                                                     \
	union name *__core_cat(name, __anchor)
#else
#define CORE_STRUCT(name, P)                                                             \
	struct name { P##_LOCAL() } __core_pai;                                          \
	struct __core_cat(name, __img) { P##_TARGET(__img) };                            \
	struct __core_cat(name, __ctl) { P##_CONTROL(__ctl) }
#define CORE_UNION(name, P)                                                              \
	union name { P##_LOCAL() } __core_pai;                                           \
	union __core_cat(name, __img) { P##_TARGET(__img) };                             \
	union __core_cat(name, __ctl) { P##_CONTROL(__ctl) }
/* The relocated answer differs from the local one and from the control's (sensitivity). */
#define CORE_OFF_DIFFERS(name, field)                                                    \
	_Static_assert(__builtin_offsetof(struct name, field) !=                          \
			       __builtin_offsetof(struct __core_cat(name, __img), field),        \
		       #name "." #field ": target offset equals the local one");                \
	_Static_assert(__builtin_offsetof(struct __core_cat(name, __ctl), field) !=       \
			       __builtin_offsetof(struct __core_cat(name, __img), field),        \
		       #name "." #field ": target offset equals the control's")
#define CORE_SIZE_DIFFERS(type_l, type_t, type_c)                                        \
	_Static_assert(sizeof(type_l) != sizeof(type_t), #type_t ": same size as local");  \
	_Static_assert(sizeof(type_c) != sizeof(type_t), #type_t ": same size as control")
#define IMG(name) struct __core_cat(name, __img)
#define CTL(name) struct __core_cat(name, __ctl)

/*
 * The header of a test against the custom target BTF: target A is what it must pass
 * against, control B what it must not pass against (the harness runs both).
 */
#define CORE_TEST(prog, behaviour, level, ref, desc)                                     \
	TEST(prog, behaviour, "pass", level);                                            \
	CONFORM(prog, "ref", ref);                                                       \
	CONFORM(prog, "desc", desc);                                                     \
	CONFORM(prog, "btf_custom_path", "btf/layout_a.btf.o");                          \
	CONFORM(prog, "btf_control_path", "btf/layout_b.btf.o")

/*
 * BPF_TYPE_MATCHES crashes a compiler without it (clang 14: "Incorrect flag for
 * llvm.bpf.preserve.type.info intrinsic"), so it is compiled only when the harness's
 * compiler probe `cc:type_matches` defined CONFORM_CC_TYPE_MATCHES. Without it the macro
 * is a placeholder no assertion accepts; a test using it says
 * CONFORM(p, "requires", "cc:type_matches") and is SKIPped, never run.
 */
#ifndef CONFORM_CC_TYPE_MATCHES
#undef bpf_core_type_matches
#define bpf_core_type_matches(type) (-1)
#endif

/* Keep the optimizer from seeing through a pointer into target-layout memory. */
#define CORE_PTR(type, mem)                                                              \
	({                                                                               \
		type *__cp = (type *)(void *)&(mem);                                     \
		barrier_var(__cp);                                                       \
		__cp;                                                                    \
	})
#endif

/*
 * ---- cr_tid_a / cr_tid_b: BPF_CORE_TYPE_ID_TARGET --------------------------------
 * Stub A declares them last, after about a hundred other types, so their target ids
 * are >= CR_TID_MIN; stub B declares them first (ids < CR_TID_MIN), and so do the test
 * objects, whose BTF holds only a few types before them (local ids < CR_TID_MIN).
 */
#define CR_TID_MIN 32
#if defined(TARGET) && defined(CORE_CONTROL)
struct cr_tid_a { int a; } *cr_tid_a__anchor;
struct cr_tid_b { long long b; } *cr_tid_b__anchor;
#elif !defined(TARGET)
struct cr_tid_a { int a; };
struct cr_tid_b { long long b; };
#endif

/* ---- cr_point: fields reordered ------------------------------------------------ */
#define CR_POINT_LOCAL(S) int x; int y; int z;
#define CR_POINT_TARGET(S) int w; int z; int y; int pad; int x;
#define CR_POINT_CONTROL(S) int y; int x; int z;
CORE_STRUCT(cr_point, CR_POINT);

/* ---- cr_sizes: fields resized (all integers stay compatible) -------------------- */
#define CR_SIZES_LOCAL(S) char c; short s; int i; long long ll; char arr[8];
#define CR_SIZES_TARGET(S) long long c; int s; short i; char ll; char arr[12];
#define CR_SIZES_CONTROL(S) int c; char s; long long i; short ll; char arr[3];
CORE_STRUCT(cr_sizes, CR_SIZES);

/* ---- cr_inner / cr_nested: a struct inside a struct, both reordered; gone not in A - */
#define CR_INNER_LOCAL(S) int a; int b; int gone;
#define CR_INNER_TARGET(S) long long pad; int b; int a;
#define CR_INNER_CONTROL(S) int b; int a; int gone;
CORE_STRUCT(cr_inner, CR_INNER);
#define CR_NESTED_LOCAL(S) int a; struct __core_cat(cr_inner, S) in;
#define CR_NESTED_TARGET(S) int pad[3]; struct __core_cat(cr_inner, S) in; int a;
#define CR_NESTED_CONTROL(S) struct __core_cat(cr_inner, S) in; int a;
CORE_STRUCT(cr_nested, CR_NESTED);

/* ---- cr_arr: arrays, a 2-D array, an array of structs --------------------------- */
#define CR_ARR_LOCAL(S) int n; int arr[4]; int m[2][3]; struct __core_cat(cr_inner, S) items[2];
#define CR_ARR_TARGET(S) long long arr[8]; int m[3][4]; int n; struct __core_cat(cr_inner, S) items[3];
#define CR_ARR_CONTROL(S) int arr[6]; short pad; int m[2][5]; int n; struct __core_cat(cr_inner, S) items[2];
CORE_STRUCT(cr_arr, CR_ARR);

/* ---- cr_mod: const/volatile/typedef chains ----------------------------------------- */
typedef int cr_int_t;
typedef const volatile cr_int_t cr_cvint_t;
typedef long long cr_ll_t;
#define CR_MOD_LOCAL(S) const int a; volatile long long b; cr_int_t c; cr_cvint_t d;
#define CR_MOD_TARGET(S) cr_cvint_t d; cr_int_t c; long long pad; const volatile cr_ll_t b; int a;
#define CR_MOD_CONTROL(S) cr_ll_t b; int a; cr_int_t c; cr_cvint_t d;
CORE_STRUCT(cr_mod, CR_MOD);
typedef struct cr_mod cr_mod_t;
typedef const volatile cr_mod_t cr_mod_cv_t;
#ifdef TARGET
cr_mod_cv_t *cr_mod_cv_t__anchor;
#endif

/* ---- cr_anon: members moved into anonymous structs/unions ------------------------- */
#define CR_ANON_LOCAL(S) int a; int b;
#define CR_ANON_TARGET(S)                                                                \
	int pad;                                                                         \
	union { int a; long long a64; };                                                 \
	struct { int x; int b; };
#define CR_ANON_CONTROL(S) struct { int b; int a; };
CORE_STRUCT(cr_anon, CR_ANON);

/* ---- cr_un: a union, resized ------------------------------------------------------ */
#define CR_UN_LOCAL(S) int i; char c[4];
#define CR_UN_TARGET(S) long long l; int i; char c[12];
#define CR_UN_CONTROL(S) short i; char c[5];
CORE_UNION(cr_un, CR_UN);

/*
 * ---- cr_bits: bitfields --------------------------------------------------------------
 * Bit positions (little-endian, SysV packing), and what libbpf's
 * bpf_core_calc_field_relo derives from them (byte offset, byte size, lshift, rshift):
 *   local:   u3 0..2, s5 3..7, u7 8..14, s12 15..26, u40 64..103, plain at byte 16,
 *            w4 160..163
 *     u3  -> 0, 4, 61, 61     w4 -> 20, 4, 60, 60
 *   target:  plain at 0, s5 38..42, u3 43..45, u7 46..52, s12 64..75, u40 86..125,
 *            w4 128..136 (9 bits)
 *     u3  -> 4, 4, 50, 61     s5 -> 4, 4, 53, 59     u7 -> 4, 4, 43, 57
 *     s12 -> 8, 4, 52, 52     u40 -> 8, 8, 2, 24     w4 -> 16, 4, 55, 55
 *   control: u7 0..6, u3 7..9, s12 10..21, s5 22..26, u40 64..103, plain at byte 16,
 *            w4 160..161 (2 bits)
 *     u3  -> 0, 4, 54, 61     s12 -> 0, 4, 42, 52    u40 -> 8, 8, 24, 24   w4 -> 20, 4, 62, 62
 */
#define CR_BITS_LOCAL(S)                                                                 \
	unsigned int u3 : 3; int s5 : 5; unsigned int u7 : 7; int s12 : 12;             \
	unsigned long long u40 : 40; int plain; unsigned int w4 : 4;
#define CR_BITS_TARGET(S)                                                                \
	int plain; unsigned int pad : 6; int s5 : 5; unsigned int u3 : 3;                \
	unsigned int u7 : 7; int pad2 : 9; int s12 : 12; unsigned long long pad3 : 10;   \
	unsigned long long u40 : 40; unsigned int w4 : 9;
#define CR_BITS_CONTROL(S)                                                               \
	unsigned int u7 : 7; unsigned int u3 : 3; int s12 : 12; int s5 : 5;              \
	unsigned long long u40 : 40; int plain; unsigned int w4 : 2;
CORE_STRUCT(cr_bits, CR_BITS);
#define CR_BITS_U3_LSHIFT_T 50
#define CR_BITS_U3_RSHIFT_T 61
#define CR_BITS_S5_LSHIFT_T 53
#define CR_BITS_S5_RSHIFT_T 59
#define CR_BITS_U7_LSHIFT_T 43
#define CR_BITS_S12_LSHIFT_T 52
#define CR_BITS_S12_RSHIFT_T 52
#define CR_BITS_U40_LSHIFT_T 2
#define CR_BITS_U40_RSHIFT_T 24
#define CR_BITS_W4_LSHIFT_T 55
#define CR_BITS_W4_RSHIFT_T 55
#define CR_BITS_S12_BYTE_OFF_T 8
#define CR_BITS_U3_BYTE_OFF_T 4

/* ---- cr_signed: signedness changes ------------------------------------------------ */
#define CR_SIGNED_LOCAL(S) unsigned int a; int b; unsigned char c; long long d;
#define CR_SIGNED_TARGET(S) long long d; signed char c; unsigned int b; int a;
#define CR_SIGNED_CONTROL(S) unsigned int a; int b; unsigned char c; unsigned long long d;

CORE_STRUCT(cr_signed, CR_SIGNED);

/* ---- cr_ldx: loads and stores whose offset and width the loader patches ----------
 * sg is signed and resized in A only: a load of it cannot be re-sized safely. */
#define CR_LDX_LOCAL(S) __u32 a; __u64 big; __u16 h; __u32 w; int sg;
#define CR_LDX_TARGET(S) __u16 h; __u32 big; __u32 guard; __u64 w; __u32 a; long long sg;
#define CR_LDX_CONTROL(S) __u64 w; __u32 a; __u16 h; __u64 big; int sg;
CORE_STRUCT(cr_ldx, CR_LDX);

/* ---- cr_fields: fields present, renamed, removed, changed to an incompatible kind */
/* ----------------------------------- */
#define CR_FIELDS_LOCAL(S) int kept; int old_name; int removed; int kind_changed;
#define CR_FIELDS_TARGET(S) int pad; int new_name; int kept; struct __core_cat(cr_inner, S) kind_changed;
#define CR_FIELDS_CONTROL(S) int kept; int old_name; int removed; int kind_changed;
CORE_STRUCT(cr_fields, CR_FIELDS);

/* ---- cr_gone: a type only the program knows (absent from target A, present in B) --- */
#if !defined(TARGET) || defined(CORE_CONTROL)
struct cr_gone {
	int a;
	int b;
}
#ifndef TARGET
__core_pai
#endif
;
#ifdef TARGET
struct cr_gone *cr_gone__anchor;
#endif
#endif

/* ---- cr_color: an enum whose values change; one enumerator disappears -------------- */
#define CR_RED_T 40
#define CR_GREEN_T 17
#define CR_BLUE_T 7
#define CR_RED_C 1000
#define CR_GREEN_C 2000
#define CR_BLUE_C 3000
#if defined(TARGET) && defined(CORE_CONTROL)
enum cr_color { CR_RED = CR_RED_C, CR_GREEN = CR_GREEN_C, CR_BLUE = CR_BLUE_C, CR_GONE = 4000 };
#elif defined(TARGET)
enum cr_color { CR_BLUE = CR_BLUE_T, CR_RED = CR_RED_T, CR_GREEN = CR_GREEN_T, CR_PURPLE = 9 };
#else
enum cr_color { CR_RED = 0, CR_GREEN = 1, CR_BLUE = 2, CR_GONE = 3 };
/* a flavour of the same enum: type and enumerator names carry a ___suffix */
enum cr_color___v1 { CR_RED___v1 = 100, CR_BLUE___v1 = 200, CR_GONE___v1 = 300 };
#endif
#ifdef TARGET
enum cr_color *cr_color__anchor;
#endif


/* ---- cr_sign: negative enumerator values (sign-extended into 64 bits) ------------ */
#define CR_NEG_T (-5)
#define CR_NEG2_T (-70000)
#if defined(TARGET) && defined(CORE_CONTROL)
enum cr_sign { CR_NEG = -100, CR_NEG2 = -200, CR_POS = 100 };
#elif defined(TARGET)
enum cr_sign { CR_POS = 7, CR_NEG = CR_NEG_T, CR_NEG2 = CR_NEG2_T };
#else
enum cr_sign { CR_NEG = -1, CR_NEG2 = -2, CR_POS = 1 };
#endif
#ifdef TARGET
enum cr_sign *cr_sign__anchor;
#endif

/* ---- cr_flex: a flexible array member, moved and with wider elements in A --------- */
#define CR_FLEX_LOCAL(S) int n; int data[];
#define CR_FLEX_TARGET(S) long long pad; int n; long long data[];
#define CR_FLEX_CONTROL(S) int n; short data[];
CORE_STRUCT(cr_flex, CR_FLEX);

/* ---- cr_big: a 64-bit enum (BTF_KIND_ENUM64 with clang >= 15) ---------------------- */
#define CR_BIG_A_T 0x123456789ULL
#define CR_BIG_B_T 0x700000001ULL
#if defined(TARGET) && defined(CORE_CONTROL)
enum cr_big { CR_BIG_A = 0x200000000ULL, CR_BIG_B = 0x300000000ULL };
#elif defined(TARGET)
enum cr_big { CR_BIG_B = CR_BIG_B_T, CR_BIG_A = CR_BIG_A_T };
#else
enum cr_big { CR_BIG_A = 0x100000001ULL, CR_BIG_B = 0x100000002ULL };
#endif
#ifdef TARGET
enum cr_big *cr_big__anchor;
#endif

/* ---- cr_flav: one target struct, two local flavours (struct cr_flav___new/___old) -- */
#define CR_FLAV_LOCAL(S) int common;
#define CR_FLAV_TARGET(S) long long pad; int new_name; int common;
#define CR_FLAV_CONTROL(S) int common; int old_name;
CORE_STRUCT(cr_flav, CR_FLAV);
#ifndef TARGET
struct cr_flav___new {
	int common;
	int new_name;
} __core_pai;
struct cr_flav___old {
	int common;
	int old_name;
} __core_pai;
#endif

/*
 * ---- cr_amb: two target flavours that disagree (A), one candidate (B) ------------
 * Target A has struct cr_amb___x and struct cr_amb___y, both candidates for the
 * program's struct cr_amb (essential name "cr_amb"), with b at offsets 4 and 0.
 */
#if defined(TARGET) && defined(CORE_CONTROL)
struct cr_amb { int b; int a; };
struct cr_amb *cr_amb__anchor;
#elif defined(TARGET)
struct cr_amb___x { int a; int b; };
struct cr_amb___y { int b; int a; };
struct cr_amb___x *cr_amb___x__anchor;
struct cr_amb___y *cr_amb___y__anchor;
#else
struct cr_amb { long long pad; int a; int b; } __core_pai;
#endif

/*
 * ---- cr_match*: BPF_CORE_TYPE_MATCHES ---------------------------------------------
 * cr_match_same: same member names and types, another order, an extra member in target
 *                A (matches); B lacks member b (no match).
 * cr_match_diff: member b changes from int to long long in A (exists, no match); B equals
 *                the local type (matches).
 * cr_match_enum: enumerators by name, values ignored (A matches; B lacks CR_ME_B).
 */
#define CR_MATCH_SAME_LOCAL(S) int a; long long b; struct cr_match_same *next;
#define CR_MATCH_SAME_TARGET(S) struct cr_match_same *next; long long b; int extra; int a;
#define CR_MATCH_SAME_CONTROL(S) int a; struct cr_match_same *next;
CORE_STRUCT(cr_match_same, CR_MATCH_SAME);
#define CR_MATCH_DIFF_LOCAL(S) int a; int b;
#define CR_MATCH_DIFF_TARGET(S) int a; long long b;
#define CR_MATCH_DIFF_CONTROL(S) int a; int b;
CORE_STRUCT(cr_match_diff, CR_MATCH_DIFF);
#if defined(TARGET) && defined(CORE_CONTROL)
enum cr_match_enum { CR_ME_A = 1, CR_ME_C = 3 };
#elif defined(TARGET)
enum cr_match_enum { CR_ME_C = 7, CR_ME_B = 8, CR_ME_A = 9 };
#else
enum cr_match_enum { CR_ME_A = 1, CR_ME_B = 2 };
#endif
#ifdef TARGET
enum cr_match_enum *cr_match_enum__anchor;
#endif

/* ---- typedefs whose size changes --------------------------------------------------- */
#if defined(TARGET) && defined(CORE_CONTROL)
typedef int cr_arr_t[3];
typedef short cr_scalar_t;
#elif defined(TARGET)
typedef long long cr_arr_t[7];
typedef long long cr_scalar_t;
#else
typedef int cr_arr_t[5];
typedef int cr_scalar_t;
#define CR_ARR_T_SIZE_T 56
#define CR_SCALAR_T_SIZE_T 8
#endif
#ifdef TARGET
cr_arr_t *cr_arr_t__anchor;
cr_scalar_t *cr_scalar_t__anchor;
#endif

#if defined(TARGET) && !defined(CORE_CONTROL)
/* target A: many types first, so that the type-id types come late */
struct cr_tid_a { int a; } *cr_tid_a__anchor;
struct cr_tid_b { long long b; } *cr_tid_b__anchor;
#endif

#endif /* BPFCONFORM_CORE_TYPES_H */
