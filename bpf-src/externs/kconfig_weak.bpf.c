/* A __weak .kconfig extern the kernel config lacks reads 0 (even when a set option's name starts with its own); a known option is set. */
#include "conformance.h"

extern int CONFIG_BPFCONFORM_NO_SUCH_OPTION __kconfig __weak;
extern bool CONFIG_BPFCONFORM_NO_SUCH_BOOL __kconfig __weak;
/* no option is named CONFIG_BPF_SYS, but CONFIG_BPF_SYSCALL (y on every kernel running BPF) starts with it */
extern bool CONFIG_BPF_SYS __kconfig __weak;
extern bool CONFIG_BPF __kconfig __weak;

TEST(kconfig_weak, "externs.kconfig.weak", "pass", "required");
CONFORM(kconfig_weak, "desc", "weak unknown int and bool options read 0, CONFIG_BPF_SYS too (a prefix of CONFIG_BPF_SYSCALL), while the weak known CONFIG_BPF reads 1");
CONFORM(kconfig_weak, "ref", "libbpf bpf_object__resolve_externs (weak kcfg extern without value: zero, not an error)");
SEC("socket")
int kconfig_weak(void *ctx)
{
	/* a loader treating weak like strong: the object fails to load */
	ASSERT_EQ(CONFIG_BPFCONFORM_NO_SUCH_OPTION, 0);  /* unpatched (weak treated as strong): never reached, the loader refuses the load */
	ASSERT_EQ(CONFIG_BPFCONFORM_NO_SUCH_BOOL, 0);  /* unpatched (weak treated as strong): never reached, the loader refuses the load */
	/* a loader finding the option's line by prefix (no '=' boundary): CONFIG_BPF_SYSCALL's y */
	ASSERT_EQ(CONFIG_BPF_SYS, 0);  /* unpatched (line found by prefix): 1 */
	ASSERT_EQ(CONFIG_BPF, 1);  /* unpatched (.kconfig map not written): 0 */
	PASS();
}
