/* A bool .kconfig extern reads 1 for an option set to y (CONFIG_BPF=y on every kernel that runs BPF). */
#include "conformance.h"

extern bool CONFIG_BPF __kconfig;
extern bool CONFIG_BPF_SYSCALL __kconfig;

TEST(kconfig_bool, "externs.kconfig.bool", "pass", "required");
CONFORM(kconfig_bool, "desc", "CONFIG_BPF and CONFIG_BPF_SYSCALL as bool read 1 (a kernel running this test has both =y)");
CONFORM(kconfig_bool, "ref", "libbpf bpf_object__read_kconfig_file, set_kcfg_value_tri (KCFG_BOOL)");
SEC("socket")
int kconfig_bool(void *ctx)
{
	ASSERT_EQ(CONFIG_BPF, 1);          /* unpatched (.kconfig map not written): 0 */
	ASSERT_EQ(CONFIG_BPF_SYSCALL, 1);  /* unpatched: 0 */
	PASS();
}
