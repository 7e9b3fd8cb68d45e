/* A strong .kconfig extern the kernel config does not have fails the load (negative test). */
#include "conformance.h"

extern int CONFIG_BPFCONFORM_NO_SUCH_OPTION __kconfig;

TEST(kconfig_missing, "externs.kconfig.missing", "load_error", "required");
CONFORM(kconfig_missing, "desc", "a strong unknown CONFIG_ extern has no value: the load must fail");
CONFORM(kconfig_missing, "ref", "libbpf bpf_object__resolve_externs (extern (kcfg) ... value not found)");
SEC("socket")
int kconfig_missing(void *ctx)
{
	ASSERT_EQ(CONFIG_BPFCONFORM_NO_SUCH_OPTION, 0);  /* unpatched (zero-filled): loads, passes */
	PASS();
}
