/* A legacy `version` section (a u32 kernel version) is accepted and does not stop a socket filter from loading. */
#include "conformance.h"

__u32 _version SEC("version") = 0x00060100;
__u32 version_marker = 0x1234abcd;

TEST(version_section, "prog.version", "pass", "required");
CONFORM(version_section, "desc", "an object with a version section loads and its program runs");
CONFORM(version_section, "ref", "libbpf bpf_object__init_kversion (kern_version, ignored by the kernel except for kprobes before 5.0)");
SEC("socket")
int version_section(void *ctx)
{
	ASSERT_EQ(READ_ONCE(version_marker), 0x1234abcd);  /* unpatched (version refused as unknown): load error */
	PASS();
}
