/* The same static function called several times, from the entry program and from a subprogram: every call site is patched. */
#include "conformance.h"

static __noinline __u32 rep_decoy(__u32 x)
{
	return x ^ 0xdec0dec0;
}

static __noinline __u32 rep_mix(__u32 x)
{
	return (x << 4) + 0x1234abcd;
}

static __noinline __u32 rep_twice(__u32 x)
{
	return rep_mix(x) ^ rep_mix(x + 1);
}

TEST(call_repeated, "calls.repeated", "pass", "required");
CONFORM(call_repeated, "desc", "three calls from the program to one static function and two from a subprogram all reach it");
CONFORM(call_repeated, "ref", "libbpf bpf_object__reloc_code (a subprogram is appended once, every call relocated to it)");
SEC("socket")
int call_repeated(void *ctx)
{
	volatile __u32 a = 1, b = 2, c = 3;
	__u32 sum;

	sum = rep_mix(a) + rep_mix(b) + rep_mix(c);   /* unpatched (only the first call relocated): load error or wrong sum */
	ASSERT_EQ(sum, 0x60 + 3 * 0x1234abcd);
	ASSERT_EQ(rep_twice(a), (0x10 + 0x1234abcd) ^ (0x20 + 0x1234abcd));
	ASSERT_EQ(rep_decoy(a), 0xdec0dec1);
	PASS();
}
