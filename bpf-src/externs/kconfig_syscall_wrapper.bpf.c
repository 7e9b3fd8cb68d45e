/* The virtual .kconfig extern LINUX_HAS_SYSCALL_WRAPPER is true on kernels whose syscalls go through arch wrappers (x86-64 and arm64 since 4.17/4.19). */
#include "conformance.h"

extern bool LINUX_HAS_SYSCALL_WRAPPER __kconfig;

TEST(kconfig_syscall_wrapper, "externs.kconfig.syscall_wrapper", "pass", "required");
/* libbpf detects the wrappers by creating a kprobe on the arch syscall (only kprobe
 * programs use the value): without kprobes the answer is undefined, the item SKIPs. */
CONFORM(kconfig_syscall_wrapper, "requires", "kprobes");
CONFORM(kconfig_syscall_wrapper, "desc", "LINUX_HAS_SYSCALL_WRAPPER reads true (every x86-64/arm64 kernel with BTF has the wrappers)");
CONFORM(kconfig_syscall_wrapper, "ref", "libbpf bpf_object__resolve_externs (LINUX_HAS_SYSCALL_WRAPPER: kernel_supports(FEAT_SYSCALL_WRAPPER))");
SEC("socket")
int kconfig_syscall_wrapper(void *ctx)
{
	ASSERT_EQ(LINUX_HAS_SYSCALL_WRAPPER, 1);  /* unpatched (.kconfig map not written): 0 */
	PASS();
}
