/* Static linking, functions (second object): the extern's body, a __weak function the first object overrides, and a call to it the linker must bind to the strong body. */
#include "conformance.h"

__noinline int link_triple(int x)
{
	return 3 * x;
}

__weak __noinline int link_choose(void)
{
	return 1;
}

/* Not foldable here: a __weak definition may be replaced at link time, so clang keeps the call. */
__noinline int link_choose_via_b(void)
{
	return link_choose();
}
