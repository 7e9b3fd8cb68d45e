/* Without a `license` section a program is not GPL: calling a GPL-only helper (bpf_trace_printk) is refused (negative test). */
#ifndef CONFORM_CONTROL  /* positive control: the same object with the usual "GPL" license */
#define CONFORM_NO_LICENSE
#endif
#include "conformance.h"

__u32 nolicense_never;

TEST(license_missing, "prog.license.missing", "load_error", "required");
CONFORM(license_missing, "control", "define");
CONFORM(license_missing, "desc", "an object with no license section whose program calls bpf_trace_printk is refused: cannot call GPL-restricted function from non-GPL compatible program");
CONFORM(license_missing, "ref", "libbpf bpf_object__init_license (no section: empty license); kernel check_helper_call (gpl_only)");
SEC("socket")
int license_missing(void *ctx)
{
	if (READ_ONCE(nolicense_never)) {
		static const char fmt[] = "bpfconform\n";

		bpf_trace_printk(fmt, sizeof(fmt));  /* unpatched (license defaults to GPL): loads and runs */
	}
	PASS();
}
