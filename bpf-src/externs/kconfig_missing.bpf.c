/* A strong .kconfig extern the kernel config does not have fails the load (negative test). */
#include "conformance.h"

#ifdef CONFORM_CONTROL
/* Positive control: an option every kernel running BPF has (CONFIG_BPF=y, read as 1). */
extern bool CONFIG_BPF __kconfig;  /* "y": a bool (libbpf refuses y for an int) */
#define KCONFIG_OPTION CONFIG_BPF
#define KCONFIG_WANT 1
#else
extern int CONFIG_BPFCONFORM_NO_SUCH_OPTION __kconfig;
#define KCONFIG_OPTION CONFIG_BPFCONFORM_NO_SUCH_OPTION
#define KCONFIG_WANT 0
#endif

TEST(kconfig_missing, "externs.kconfig.missing", "load_error", "required");
CONFORM(kconfig_missing, "control", "define");
CONFORM(kconfig_missing, "desc", "a strong unknown CONFIG_ extern has no value: the load must fail");
CONFORM(kconfig_missing, "ref", "libbpf bpf_object__resolve_externs (extern (kcfg) ... value not found)");
SEC("socket")
int kconfig_missing(void *ctx)
{
	ASSERT_EQ(KCONFIG_OPTION, KCONFIG_WANT);  /* unpatched (zero-filled): loads, passes; control unpatched: 0 */
	PASS();
}
