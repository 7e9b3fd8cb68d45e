/* The struct of core/field_ldsx.bpf.c and its target BTF stubs (btf/ldsx_*.btf.c): signed fields whose offsets the loader relocates. */
#ifndef BPFCONFORM_LDSX_TYPES_H
#define BPFCONFORM_LDSX_TYPES_H

#include "core_types.h"

/* local, target (A) and control (B) layouts: every signed field moves */
#define CR_LDSX_LOCAL(S) __u32 pad; signed char c; short h; int i;
#define CR_LDSX_TARGET(S) int i; __u32 guard; short h; __u16 guard2; signed char c;
#define CR_LDSX_CONTROL(S) short h; signed char c; __u8 guard; __u32 pad; int i;
CORE_STRUCT(cr_ldsx, CR_LDSX);

#endif
