/* A tristate .kconfig extern (enum libbpf_tristate) reads TRI_YES for an option set to y. */
#include "conformance.h"

enum libbpf_tristate {
	TRI_NO = 0,
	TRI_YES = 1,
	TRI_MODULE = 2,
};

extern enum libbpf_tristate CONFIG_BPF_SYSCALL __kconfig;

TEST(kconfig_tristate, "externs.kconfig.tristate", "pass", "required");
CONFORM(kconfig_tristate, "desc", "CONFIG_BPF_SYSCALL as enum libbpf_tristate reads TRI_YES (1)");
CONFORM(kconfig_tristate, "ref", "libbpf set_kcfg_value_tri (KCFG_TRISTATE: y -> TRI_YES, m -> TRI_MODULE)");
SEC("socket")
int kconfig_tristate(void *ctx)
{
	enum libbpf_tristate v = CONFIG_BPF_SYSCALL;

	ASSERT_NE(v, TRI_NO);   /* unpatched (.kconfig map not written): TRI_NO (0) */
	ASSERT_EQ(v, TRI_YES);  /* a loader reading it as a char: 'y' (121) */
	PASS();
}
