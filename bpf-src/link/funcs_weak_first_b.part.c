/* Static linking, functions, weak first (second object): the strong definitions. */
#include "conformance.h"

__noinline int link_wf_triple(int x)
{
	return 3 * x;
}

__noinline int link_wf_choose(void)
{
	return 2;
}
