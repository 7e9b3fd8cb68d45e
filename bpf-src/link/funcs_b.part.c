/* Static linking, functions (second object): the extern's body and a __weak function the first object overrides. */
#include "conformance.h"

__noinline int link_triple(int x)
{
	return 3 * x;
}

__weak __noinline int link_choose(void)
{
	return 1;
}
