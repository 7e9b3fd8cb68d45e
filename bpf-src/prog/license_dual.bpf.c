/* A GPL-compatible license other than "GPL" ("Dual BSD/GPL") is passed as written: the kernel accepts its GPL-only helper calls. */
#define CONFORM_LICENSE "Dual BSD/GPL"
#include "conformance.h"

__u32 dual_never;

TEST(license_dual, "prog.license", "pass", "required");
CONFORM(license_dual, "desc", "a program of a Dual BSD/GPL object that calls the GPL-only bpf_trace_printk loads and runs");
CONFORM(license_dual, "ref", "libbpf bpf_object__init_license; kernel license_is_gpl_compatible (GPL, GPL v2, GPL and additional rights, Dual BSD/GPL, Dual MIT/GPL, Dual MPL/GPL)");
SEC("socket")
int license_dual(void *ctx)
{
	if (READ_ONCE(dual_never)) {
		static const char fmt[] = "bpfconform\n";

		/* unpatched (license not passed, ""): cannot call GPL-restricted function, load error */
		bpf_trace_printk(fmt, sizeof(fmt));
	}
	PASS();
}
