/* The `license` section's string reaches BPF_PROG_LOAD: a "GPL" program may call a GPL-only helper (bpf_trace_printk). */
#include "conformance.h"

/* .bss, unknown to the verifier: the helper call below is verified but never runs. */
__u32 license_never;

TEST(license_gpl, "prog.license", "pass", "required");
CONFORM(license_gpl, "desc", "a program of a GPL object that calls the GPL-only bpf_trace_printk loads and runs");
CONFORM(license_gpl, "ref", "libbpf bpf_object__init_license, bpf_prog_load (license); kernel check_helper_call (gpl_only)");
SEC("socket")
int license_gpl(void *ctx)
{
	if (READ_ONCE(license_never)) {
		static const char fmt[] = "bpfconform\n";

		/* unpatched (license not passed, ""): cannot call GPL-restricted function, load error */
		bpf_trace_printk(fmt, sizeof(fmt));
	}
	PASS();
}
