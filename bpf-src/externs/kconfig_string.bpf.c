/* A char[] .kconfig extern holds the option's string without its quotes, NUL-terminated (CONFIG_CC_VERSION_TEXT names gcc or clang). */
#include "conformance.h"

extern char CONFIG_CC_VERSION_TEXT[64] __kconfig;

TEST(kconfig_string, "externs.kconfig.string", "pass", "required");
CONFORM(kconfig_string, "desc", "CONFIG_CC_VERSION_TEXT is a NUL-terminated string without the surrounding quotes that contains gcc or clang");
CONFORM(kconfig_string, "ref", "libbpf set_kcfg_value_str (KCFG_CHAR_ARR: quotes stripped, truncated to the array, NUL-terminated)");
SEC("socket")
int kconfig_string(void *ctx)
{
	int found = 0, nul = 0;
	char last = 0;  /* the character before the NUL */

	ASSERT_NE(CONFIG_CC_VERSION_TEXT[0], 0);    /* unpatched (.kconfig map not written): 0 */
	ASSERT_NE(CONFIG_CC_VERSION_TEXT[0], '"');  /* a loader keeping the quotes */
	/* unrolled: clang-14 keeps the loop, and 5.10/6.1 refuse its back-edge */
#pragma unroll
	for (int i = 0; i < 60; i++) {
		char c = CONFIG_CC_VERSION_TEXT[i];

		if (c == 0) {
			nul = 1;
			break;
		}
		last = c;
		if ((c == 'g' && CONFIG_CC_VERSION_TEXT[i + 1] == 'c' &&
		     CONFIG_CC_VERSION_TEXT[i + 2] == 'c') ||
		    (c == 'c' && CONFIG_CC_VERSION_TEXT[i + 1] == 'l' &&
		     CONFIG_CC_VERSION_TEXT[i + 2] == 'a'))
			found = 1;
	}
	/* ends in neither the closing quote nor bytes past the string (always NUL-terminated) */
	ASSERT(last != 0 && last != '"' && CONFIG_CC_VERSION_TEXT[63] == 0);  /* unpatched (.kconfig map not written): last 0; closing quote kept: '"' */
	ASSERT_EQ(found, 1);                       /* unpatched: no compiler name */
	PASS();
}
