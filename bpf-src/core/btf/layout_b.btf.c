/* Target BTF "B" of the CO-RE tests: the negative control, every checked value differs. */
#define CORE_CONTROL
#include "../core_types.h"
