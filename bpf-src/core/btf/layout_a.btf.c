/* Target BTF "A" of the CO-RE tests: the layouts the tests expect (see ../core_types.h). */
#include "../core_types.h"
