/* The extension object of replace_global.bpf.c: an EXT program replacing its global function scale_second. */
#include "conformance.h"

CONFORM(new_second, "role", "fixture");
CONFORM(new_second, "desc", "replaces int scale_second(int x) of replace_global.bpf.c's program with x * 10");
SEC("freplace/scale_second")
int new_second(int x)
{
	return x * 10;
}
