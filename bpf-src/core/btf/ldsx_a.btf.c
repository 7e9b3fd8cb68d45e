/* Target BTF "A" of core/field_ldsx.bpf.c: the layout the test expects (see ../ldsx_types.h). */
#include "../ldsx_types.h"
