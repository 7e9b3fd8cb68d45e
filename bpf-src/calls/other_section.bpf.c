/* A call from a program into a function placed in another executable section (not `.text`): loaders differ. */
#include "conformance.h"

#ifdef CONFORM_CONTROL
#define HELPER_SECTION /* positive control: the function in .text, where every loader links it */
#else
#define HELPER_SECTION __attribute__((section("socket/helpers")))
#endif

static __noinline HELPER_SECTION __u32 other_sec_fn(__u32 x)
{
	return x + 0x1234abcd;
}

TEST(call_other_section, "calls.other_section", "load_error", "implementation-defined");
CONFORM(call_other_section, "control", "define");
CONFORM(call_other_section, "desc", "a program calls a static function in section socket/helpers: libbpf (the reference) refuses it at open (program is static and not supported); cilium/ebpf links it");
CONFORM(call_other_section, "ref", "libbpf bpf_object__reloc_code (subprograms only from .text); llvm_reloc.rst R_BPF_64_32");
SEC("socket")
int call_other_section(void *ctx)
{
	volatile __u32 seed = 0x100;

	ASSERT_EQ(other_sec_fn(seed), 0x1234accd);  /* libbpf refuses at open; unpatched (linked as a subprogram): passes */
	PASS();
}
