/* Static linking, functions (second object): the strong definitions. */
#include "conformance.h"

__noinline int link_triple(int x)
{
	return 3 * x;
}

__noinline int link_choose(void)
{
	return 2;
}
