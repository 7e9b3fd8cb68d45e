/* Target BTF "B" of core/field_ldsx.bpf.c: the control layout, every field elsewhere. */
#define CORE_CONTROL
#include "../ldsx_types.h"
