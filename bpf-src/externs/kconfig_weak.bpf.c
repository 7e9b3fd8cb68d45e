/* A __weak .kconfig extern the kernel config does not have reads 0 and the object loads; a known option beside it is set. */
#include "conformance.h"

extern int CONFIG_BPFCONFORM_NO_SUCH_OPTION __kconfig __weak;
extern bool CONFIG_BPFCONFORM_NO_SUCH_BOOL __kconfig __weak;
extern bool CONFIG_BPF __kconfig __weak;

TEST(kconfig_weak, "externs.kconfig.weak", "pass", "required");
CONFORM(kconfig_weak, "desc", "weak unknown int and bool options read 0 while the weak known CONFIG_BPF reads 1");
CONFORM(kconfig_weak, "ref", "libbpf bpf_object__resolve_externs (weak kcfg extern without value: zero, not an error)");
SEC("socket")
int kconfig_weak(void *ctx)
{
	/* a loader treating weak like strong: the object fails to load */
	ASSERT_EQ(CONFIG_BPFCONFORM_NO_SUCH_OPTION, 0);  /* unpatched (weak treated as strong): never reached, the loader refuses the load */
	ASSERT_EQ(CONFIG_BPFCONFORM_NO_SUCH_BOOL, 0);  /* unpatched (weak treated as strong): never reached, the loader refuses the load */
	ASSERT_EQ(CONFIG_BPF, 1);  /* unpatched (.kconfig map not written): 0 */
	PASS();
}
