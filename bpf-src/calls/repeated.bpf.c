/* The same static function called several times, from the entry program and from a subprogram: every call site is patched. */
#include "conformance.h"

/*
 * The program's calls into .text are relocated; the calls inside .text are not (clang's
 * pc-relative imm).  clang creates static functions in order of first reference, a whole
 * function body at a time, so .text is (checked with llvm-objdump for clang 19)
 *   rep_entry, rep_mix, rep_twice, rep_side
 * while a loader appending callees depth-first (as libbpf) lays out
 *   rep_entry, rep_twice, rep_side, rep_mix
 * rep_entry calls rep_mix twice: a loader that rewrites only the call that brought
 * rep_mix in leaves the second with clang's imm, which then reaches rep_twice.
 */
static __noinline __u32 rep_side(__u32 x)
{
	return x ^ 0xdec0dec0;
}

static __noinline __u32 rep_mix(__u32 x)
{
	return (x << 4) + 0x1234abcd;
}

static __noinline __u32 rep_twice(__u32 x)
{
	return rep_side(x) + rep_side(x + 1);
}

static __noinline __u32 rep_entry(__u32 x)
{
	__u32 t = rep_twice(x);

	return t + rep_mix(x) + (rep_mix(x + 1) << 8);
}

TEST(call_repeated, "calls.repeated", "pass", "required");
CONFORM(call_repeated, "desc", "three calls from the program to one static function, two from a subprogram to another and two from a subprogram to the first all reach their callee");
CONFORM(call_repeated, "ref", "libbpf bpf_object__reloc_code (a subprogram is appended once, every call relocated to it)");
SEC("socket")
int call_repeated(void *ctx)
{
	volatile __u32 a = 1, b = 2, c = 3;
	__u32 sum;

	/* (1 ^ 0xdec0dec0) + (2 ^ 0xdec0dec0) + (0x10 + 0x1234abcd) + ((0x20 + 0x1234abcd) << 8) */
	ASSERT_EQ(rep_entry(a), 0xdec0dec1 + 0xdec0dec2 + 0x1234abdd + (0x1234abed << 8));  /* unpatched (a later pc-relative call keeps clang's imm): rep_twice called for rep_mix, wrong sum */
	sum = rep_mix(a) + rep_mix(b) + rep_mix(c);   /* unpatched (only the first call relocated): load error or wrong sum */
	ASSERT_EQ(sum, 0x60 + 3 * 0x1234abcd);
	ASSERT_EQ(rep_twice(a), 0xdec0dec1 + 0xdec0dec2);
	PASS();
}
