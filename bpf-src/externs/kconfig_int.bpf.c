/* An integer .kconfig extern reads the option's decimal value (CONFIG_HZ is one of 100, 250, 300, 1000). */
#include "conformance.h"

extern unsigned int CONFIG_HZ __kconfig;

TEST(kconfig_int, "externs.kconfig.int", "pass", "required");
CONFORM(kconfig_int, "desc", "CONFIG_HZ reads 100, 250, 300 or 1000");
CONFORM(kconfig_int, "ref", "libbpf set_kcfg_value_num (KCFG_INT, parsed with strtoull base 0)");
SEC("socket")
int kconfig_int(void *ctx)
{
	unsigned int hz = CONFIG_HZ;

	/* unpatched (.kconfig map not written): 0, which none of these is */
	ASSERT(hz == 100 || hz == 250 || hz == 300 || hz == 1000);
	PASS();
}
