/* Several programs in one ELF section are split by their symbols: each is its own program with its own code and relocations. */
#include "conformance.h"

static __noinline __u32 multi_helper(__u32 x)
{
	return x * 5 + 0x1234abcd;
}

__u32 multi_first_seen = 0x11111111;

/*
 * The section's first function (clang keeps definition order): a fixture no test runs.  A
 * loader that finds a program's code by its section instead of its symbol (one program
 * per section, cilium/ebpf before #508) runs this code for every program name below, and
 * gets this line back.
 */
CONFORM(multi_zero, "role", "fixture");
SEC("socket")
int multi_zero(void *ctx)
{
	return __LINE__;  /* reached only when a loader runs the section's first function for multi_first/second/third */
}

TEST(multi_first, "prog.multi_per_section", "pass", "required");
CONFORM(multi_first, "desc", "the first of three test programs in section socket (the second function) runs its own code");
CONFORM(multi_first, "ref", "libbpf bpf_object__add_programs (one program per STT_FUNC symbol in an executable section)");
SEC("socket")
int multi_first(void *ctx)
{
	volatile __u32 seed = 1;

	/* unpatched (one program per section): multi_zero's code runs, its line */
	ASSERT_EQ(READ_ONCE(multi_first_seen), 0x11111111);
	ASSERT_EQ(multi_helper(seed), 0x1234abd2);
	PASS();
}

TEST(multi_second, "prog.multi_per_section", "pass", "required");
CONFORM(multi_second, "desc", "the second of three programs in section socket runs its own code, with its own subprogram call");
CONFORM(multi_second, "ref", "libbpf bpf_object__add_programs (sec_insn_off per program), bpf_object__reloc_code");
SEC("socket")
int multi_second(void *ctx)
{
	volatile __u32 seed = 2;

	/* unpatched (one program per section): multi_zero's code runs, its line */
	ASSERT_EQ(multi_helper(seed), 0x1234abd7);
	PASS();
}

TEST(multi_third, "prog.multi_per_section", "pass", "required");
CONFORM(multi_third, "desc", "the third of three programs in section socket runs its own code");
CONFORM(multi_third, "ref", "libbpf bpf_object__add_programs (one program per STT_FUNC symbol in an executable section)");
SEC("socket")
int multi_third(void *ctx)
{
	volatile __u32 seed = 3;

	ASSERT_EQ(multi_helper(seed), 0x1234abdc);  /* unpatched: multi_zero's code runs, its line */
	PASS();
}
