/* Static linking, variables (second object): the extern's definition and a __weak variable the first object overrides. */
#include "conformance.h"

int link_counter = 42;
__weak int link_level = 1;
