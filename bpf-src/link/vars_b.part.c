/* Static linking, variables (second object): the strong definitions. */
#include "conformance.h"

int link_counter = 42;
int link_level = 7;
