/* The virtual .kconfig extern LINUX_KERNEL_VERSION holds the running kernel's KERNEL_VERSION(major, minor, patch). */
#include "conformance.h"

#define KERNEL_VERSION(a, b, c) (((a) << 16) + ((b) << 8) + ((c) > 255 ? 255 : (c)))

extern unsigned int LINUX_KERNEL_VERSION __kconfig;

TEST(kconfig_version, "externs.kconfig.version", "pass", "required");
CONFORM(kconfig_version, "desc", "LINUX_KERNEL_VERSION is a plausible KERNEL_VERSION() of a BPF-capable kernel (>= 4.18, < 100.0)");
CONFORM(kconfig_version, "ref", "libbpf bpf_object__resolve_externs (LINUX_KERNEL_VERSION: get_kernel_version)");
SEC("socket")
int kconfig_version(void *ctx)
{
	unsigned int v = LINUX_KERNEL_VERSION;

	ASSERT_NE(v, 0);                          /* unpatched (.kconfig map not written): 0 */
	ASSERT_GE(v, KERNEL_VERSION(4, 18, 0));   /* BTF, .kconfig maps: no older kernel loads this */
	ASSERT_LT(v, KERNEL_VERSION(100, 0, 0));  /* a byte-swapped or garbage value is far larger */
	ASSERT_LE(v & 0xff, 255);
	PASS();
}
